"""What defines a run of the comparison: the tasks, the configurations and the equal budgets.

A budget is the parameter count, readout ``V (n_out, n), c (n_out,)`` included, of a basic LSTM
of ``budget_hidden`` units; every cell gets the state size ``n`` whose count is closest to it,
and the gap must stay under a tolerance (5 %). The long-lag experiment
(:mod:`rnnlib.book.long_lag`) uses the same rule through :func:`equal_budget`.
"""

from __future__ import annotations

import functools
import math
from dataclasses import asdict, dataclass, field

import numpy as np

CELL_NAMES = ("vanilla", "prototype", "normalized", "gru", "pseudo", "lstm", "peephole")


@dataclass(frozen=True)
class TaskSpec:
    """One task of the comparison and how it is scored.

    ``threshold`` is the validation loss that counts as "learned" for the steps-to-threshold
    measure; ``acc_tol`` (regression only) is the absolute error under which an answer counts
    as correct.
    """

    name: str
    kwargs: dict
    budget_hidden: int  # the budget is the parameter count of a basic LSTM with this state size
    threshold: float
    acc_tol: float | None = None
    label: str = ""

    def make(self):
        """The :mod:`rnnlib.tasks` task (built once per process: see :func:`make_task`)."""
        from .streams import make_task

        return make_task(self.name, self.kwargs)


@dataclass(frozen=True)
class Config:
    """Everything that defines a run of the comparison (it is saved next to the results)."""

    name: str
    tasks: tuple[TaskSpec, ...]
    cells: tuple[str, ...] = CELL_NAMES
    learning_rates: tuple[float, ...] = (0.003, 0.01, 0.03)
    sweep_seed: int = 0
    seeds: tuple[int, ...] = (1, 2, 3, 4, 5)
    steps: int = 300
    batch_size: int = 32
    eval_every: int = 20
    n_val: int = 256
    n_test: int = 512
    clip_norm: float = 1.0
    optimizer: str = "Adam"
    init: str = "uniform"
    budget_tolerance: float = 0.05
    workers: int = 1
    notes: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        d = asdict(self)
        d["tasks"] = [asdict(t) for t in self.tasks]
        return d


def config_from_dict(d: dict) -> Config:
    """The :class:`Config` saved as ``d`` (:meth:`Config.to_dict`, or read back from JSON)."""
    d = dict(d)
    d["tasks"] = tuple(TaskSpec(**t) for t in d["tasks"])
    for key in ("cells", "learning_rates", "seeds"):
        d[key] = tuple(d[key])
    return Config(**d)


FULL_TASKS = (
    TaskSpec(
        "copy",
        {"n_symbols": 4, "length": 3, "delay": 15},
        budget_hidden=20,
        threshold=0.1,
        label="copy: recall 3 symbols after 15 blank steps",
    ),
    TaskSpec(
        "adding",
        {"length": 25},
        budget_hidden=20,
        threshold=0.01,
        acc_tol=0.04,
        label="adding problem, 25 steps",
    ),
    TaskSpec(
        "reber",
        {"score": "long", "max_length": 30},
        budget_hidden=20,
        threshold=0.1,
        label="embedded Reber, the long-range symbol",
    ),
    TaskSpec(
        "charlm",
        {"seq_len": 20},
        budget_hidden=20,
        threshold=2.5,
        label="character language model, 20 characters",
    ),
)

QUICK_TASKS = (
    TaskSpec(
        "copy",
        {"n_symbols": 4, "length": 2, "delay": 4},
        budget_hidden=12,
        threshold=1.0,
        label="copy: recall 2 symbols after 4 blank steps",
    ),
    TaskSpec(
        "adding",
        {"length": 8},
        budget_hidden=12,
        threshold=0.1,
        acc_tol=0.04,
        label="adding problem, 8 steps",
    ),
    TaskSpec(
        "reber",
        {"score": "long", "max_length": 14},
        budget_hidden=12,
        threshold=0.6,
        label="embedded Reber, the long-range symbol",
    ),
    TaskSpec(
        "charlm",
        {"seq_len": 8},
        budget_hidden=12,
        threshold=3.0,
        label="character language model, 8 characters",
    ),
)

FULL = Config(name="full", tasks=FULL_TASKS, workers=2)
QUICK = Config(
    name="quick",
    tasks=QUICK_TASKS,
    learning_rates=(0.01, 0.03),
    seeds=(1,),
    steps=20,
    batch_size=16,
    eval_every=5,
    n_val=64,
    n_test=64,
)


# -- budgets -------------------------------------------------------------------------------
@functools.cache
def param_count(cell: str, n_in: int, n_hidden: int, n_out: int) -> int:
    """Parameters of a cell of state size ``n_hidden`` plus its readout ``V (n_out, n), c``.

    Counted on a real cell built by :func:`rnnlib.make_cell` (a pure function of its
    arguments, so cached: the budget search asks for the same counts many times)."""
    from rnnlib import make_cell

    probe = make_cell(cell, n_in, n_hidden, np.random.default_rng(0))
    return probe.n_params + n_out * n_hidden + n_out


def hidden_size_for(cell: str, n_in: int, n_out: int, budget: int) -> int:
    """The state size whose parameter count (readout included) is closest to ``budget``."""
    best, best_gap = 1, math.inf
    for n in range(1, 400):
        count = param_count(cell, n_in, n, n_out)
        gap = abs(count - budget)
        if gap < best_gap:
            best, best_gap = n, gap
        if count > budget:
            break
    return best


def equal_budget(
    cells, n_in: int, n_out: int, budget_hidden: int, tolerance: float = 0.05, where: str = ""
) -> dict:
    """The budget (a basic LSTM of ``budget_hidden`` units) and, per cell, the closest state
    size, its parameter count and its relative gap: ``{"budget", "cells": {cell: {"n_hidden",
    "n_params", "gap"}}}``. Raises ValueError if a cell cannot get within ``tolerance``."""
    budget = param_count("lstm", n_in, budget_hidden, n_out)
    sizes = {}
    for cell in cells:
        n = hidden_size_for(cell, n_in, n_out, budget)
        count = param_count(cell, n_in, n, n_out)
        gap = count / budget - 1.0
        if abs(gap) > tolerance:
            raise ValueError(
                f"{cell}{' on ' + where if where else ''}: the closest state size {n} gives "
                f"{count} parameters, {gap:+.1%} off the budget {budget}; the tolerance is "
                f"{tolerance:.0%}"
            )
        sizes[cell] = {"n_hidden": n, "n_params": count, "gap": round(gap, 4)}
    return {"budget": budget, "cells": sizes}


def budgets(config: Config) -> dict:
    """Per task: the budget and, per cell, the chosen state size and its parameter count."""
    out = {}
    for spec in config.tasks:
        task = spec.make()
        out[spec.name] = equal_budget(
            config.cells,
            task.n_in,
            task.n_out,
            spec.budget_hidden,
            config.budget_tolerance,
            where=spec.name,
        )
    return out
