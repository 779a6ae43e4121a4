"""Truncated BPTT over several seeds: recall accuracy against the window length k, at the end
of training and along the way. One run is :func:`rnnlib.experiments.part1.truncation_run`."""

from __future__ import annotations

import numpy as np

from .part1 import TruncationRun, truncation_run


def truncation_seeds(ks=(2, 4, 5, 6, 8, 24), seeds=range(5), delay: int = 4,
                     sequences: int = 30, checkpoints=(5, 10, 20, 30), **kw
                     ) -> dict[int, list[TruncationRun]]:
    """``{k: [TruncationRun per seed]}``: for each seed, the same initial weights and batches
    for every k. ``checkpoints`` (numbers of batches, each <= ``sequences``) also record the
    accuracy along the way. Other keywords go to ``truncation_run``."""
    checkpoints = tuple(int(c) for c in checkpoints)
    if any(not 1 <= c <= sequences for c in checkpoints):
        raise ValueError(f"checkpoints must lie in 1..sequences = 1..{sequences}, "
                         f"got {checkpoints}")
    return {int(k): [truncation_run(int(k), delay=delay, sequences=sequences, seed=int(s),
                                    checkpoints=checkpoints, **kw) for s in seeds]
            for k in ks}


def accuracy_table(runs: dict[int, list[TruncationRun]]) -> dict[int, dict[str, float]]:
    """Per k: the final accuracy's ``mean``, ``min``, ``max`` over seeds, and ``updates``
    (the same for every seed)."""
    out = {}
    for k, rs in runs.items():
        acc = np.array([r.accuracy for r in rs])
        out[k] = {"mean": float(acc.mean()), "min": float(acc.min()), "max": float(acc.max()),
                  "updates": rs[0].updates}
    return out


def curves(runs: list[TruncationRun]) -> np.ndarray:
    """(seeds, checkpoints) accuracy along training for one k."""
    return np.array([r.curve for r in runs])
