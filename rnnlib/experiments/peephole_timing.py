"""Do peepholes help an LSTM time a pulse? Basic against peephole LSTM over several seeds.

The training run is :func:`rnnlib.experiments.part2.train_timing` on
:class:`rnnlib.experiments.part2.PulseTiming`; this module decides what the runs show.
"""

from __future__ import annotations

import numpy as np


def hit_verdict(a, b, names=("basic LSTM", "peephole LSTM"), z: float = 2.0) -> dict:
    """Compare two sets of per-seed hit rates (fractions in [0, 1]) without letting a seed decide.

    Returns ``{"mean": (2,), "sd": (2,), "diff": mean_b - mean_a, "se": its standard error
    (sample standard deviations over seeds), "solved": (2,) seeds with hit > 0.99, "verdict"}``.
    The verdict names a winner only when ``|diff| > z * se`` (two standard errors by default);
    otherwise it is "no reliable difference".
    """
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    for label, v in (("a", a), ("b", b)):
        if v.ndim != 1 or len(v) < 2:
            raise ValueError(f"{label} must be a 1-d array of at least 2 per-seed hit rates; "
                             f"got shape {v.shape}")
        if not np.all((v >= 0) & (v <= 1)):
            raise ValueError(f"{label} holds values outside [0, 1]: {v}")
    mean = np.array([a.mean(), b.mean()])
    sd = np.array([a.std(ddof=1), b.std(ddof=1)])
    diff = float(mean[1] - mean[0])
    se = float(np.sqrt(sd[0] ** 2 / len(a) + sd[1] ** 2 / len(b)))
    if abs(diff) > z * se:
        verdict = f"{names[1] if diff > 0 else names[0]} better"
    else:
        verdict = "no reliable difference"
    return {"mean": mean, "sd": sd, "diff": diff, "se": se,
            "solved": np.array([int(np.sum(a > 0.99)), int(np.sum(b > 0.99))]),
            "verdict": verdict}
