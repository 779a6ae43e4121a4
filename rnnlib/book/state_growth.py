"""Does the prototype LSTM's state run away? Random weights and early training, over seeds.

Chapter 5's claim (after the tutorial): the prototype's unbounded state grows large and drives
its gates into saturation, where the bounded cells stay calm. Each function here repeats a
single-seed experiment of :mod:`rnnlib.experiments.part2` over several seeds and returns the
per-seed numbers, so that the book reports a median and a range and counts seeds instead of
letting one seed decide.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..experiments.part2 import boundedness_table, train_timing

GROWTH_CELLS = ("prototype", "normalized", "gru", "pseudo", "lstm")


def _check_seeds(seeds: Sequence[int]) -> tuple[int, ...]:
    seeds = tuple(int(s) for s in seeds)
    if len(seeds) < 2 or len(set(seeds)) != len(seeds):
        raise ValueError(f"need at least 2 distinct seeds; got {seeds}")
    return seeds


def boundedness_over_seeds(cells: Sequence[str] = GROWTH_CELLS,
                           scales: Sequence[float] = (0.5, 1.0, 2.0, 4.0),
                           seeds: Sequence[int] = (0, 1, 2, 3, 4), T: int = 200, n: int = 32,
                           batch: int = 8) -> dict:
    """:func:`rnnlib.experiments.part2.boundedness_table` for each seed (a new weight draw).

    Returns ``{"norm": (S, C, K), "saturated": (S, C, K), "cells", "scales", "seeds"}`` with
    S seeds, C cells and K weight scales: the state norm at step T (mean over the batch) and
    the saturated fraction of the gates over the second half of the run.
    """
    seeds = _check_seeds(seeds)
    tables = [boundedness_table(cells=tuple(cells), scales=tuple(scales), T=T, n=n,
                                batch=batch, seed=s) for s in seeds]
    return {"norm": np.stack([t["norm"] for t in tables]),
            "saturated": np.stack([t["saturated"] for t in tables]),
            "cells": tuple(cells), "scales": tuple(scales), "seeds": seeds}


def early_training_over_seeds(cells: Sequence[str] = GROWTH_CELLS,
                              seeds: Sequence[int] = tuple(range(6)), steps: int = 25,
                              n: int = 16, lr: float = 0.2) -> dict:
    """The first ``steps`` updates of :func:`rnnlib.experiments.part2.train_timing`, per seed.

    Each run trains one cell (``n`` units, a linear readout, Adam at learning rate ``lr``) on
    the pulse-timing task with ``record=True``. Returns arrays of shape (C, S, steps):
    ``norm`` (state norm at the last step of each batch, before the update), ``saturated``
    (fraction of gate values below 0.01 or above 0.99) and ``loss``; plus ``cells``, ``seeds``.
    """
    seeds = _check_seeds(seeds)
    if steps < 2:
        raise ValueError(f"need steps >= 2; got {steps}")
    runs = [[train_timing(c, seed=s, steps=steps, n=n, lr=lr, record=True) for s in seeds]
            for c in cells]
    return {key: np.array([[r[key] for r in row] for row in runs])
            for key in ("norm", "saturated", "loss")} | {"cells": tuple(cells), "seeds": seeds}


def growth_summary(record: dict) -> dict:
    """Per cell, what :func:`early_training_over_seeds` says, as medians, ranges and counts.

    Returns, each of shape (C,): ``peak_median``, ``peak_min``, ``peak_max`` (largest state
    norm over the run), ``sat_median``, ``sat_min``, ``sat_max`` (saturated fraction averaged
    over the last ``tail`` recorded steps: one step alone is at the mercy of a single update),
    ``worse`` (seeds whose loss over the last ``tail`` steps is above their first loss) and
    ``n_seeds``, with ``tail`` = min(10, steps // 2).
    """
    peak = record["norm"].max(axis=2)  # (C, S)
    tail = min(10, record["norm"].shape[2] // 2)
    sat = record["saturated"][:, :, -tail:].mean(axis=2)
    loss = record["loss"]
    worse = np.sum(loss[:, :, -tail:].mean(axis=2) > loss[:, :, 0], axis=1)
    return {"peak_median": np.median(peak, axis=1), "peak_min": peak.min(axis=1),
            "peak_max": peak.max(axis=1), "sat_median": np.median(sat, axis=1),
            "sat_min": sat.min(axis=1), "sat_max": sat.max(axis=1), "worse": worse,
            "n_seeds": peak.shape[1], "tail": tail}
