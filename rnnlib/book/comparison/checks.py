"""Checks for the exercises of the comparison chapter (chapter 7).

Each check prints right or wrong and, when wrong, a hint; never the expected value
(:mod:`rnnlib.book.judge`).
"""

from __future__ import annotations

from math import comb

import numpy as np

from ..judge import judge
from .config import FULL, hidden_size_for, param_count


def smallest_p(n_seeds: int) -> float:
    """The smallest two-sided permutation p-value two groups of ``n_seeds`` runs can give.

    Of the C(2n, n) equally likely splits, only the observed one and its mirror image are as
    extreme as a complete separation of the two groups.
    """
    if isinstance(n_seeds, bool) or not isinstance(n_seeds, (int, np.integer)) or n_seeds < 1:
        raise ValueError(f"n_seeds must be a positive integer, got {n_seeds!r}")
    return 2 / comb(2 * n_seeds, n_seeds)


def check_smallest_p(answer: float, n_seeds: int | None = None) -> bool:
    """Exercise: the smallest p-value a comparison of ``n_seeds`` against ``n_seeds`` runs allows
    (by default, the number of seeds of the full comparison)."""
    n_seeds = len(FULL.seeds) if n_seeds is None else n_seeds
    total = comb(2 * n_seeds, n_seeds)
    return judge(
        f"smallest p-value with {n_seeds} seeds per cell",
        answer,
        smallest_p(n_seeds),
        rtol=1e-3,
        atol=1e-6,
        hint=f"Count the ways to split {2 * n_seeds} runs into two groups of {n_seeds} "
        "(a binomial coefficient), then count how many of those splits are as "
        "extreme as a complete separation; remember the test is two-sided.",
        near={
            "one-sided": (
                1 / total,
                (
                    "That is the one-sided value: a complete "
                    "separation in the other direction is just as extreme."
                ),
            )
        },
    )


def check_gru_size(answer: int, n_lstm: int = 20, n_in: int = 2, n_out: int = 1) -> bool:
    """Exercise: the GRU state size whose parameter count (readout included) is closest to an
    LSTM's with ``n_lstm`` units (the adding problem: ``n_in=2``, ``n_out=1``)."""
    budget = param_count("lstm", n_in, n_lstm, n_out)
    expected = hidden_size_for("gru", n_in, n_out, budget)
    hint = (
        f"The budget is {budget} parameters (readout included). A GRU with n units has "
        "3 blocks (W, U, b) plus a readout of n + 1 weights; pick the n whose count is "
        "closest to the budget."
    )
    if isinstance(answer, (int, np.integer)) and not isinstance(answer, bool) and answer >= 1:
        count = param_count("gru", n_in, int(answer), n_out)
        hint = (
            f"A GRU with {answer} units has {count} parameters, {count / budget - 1:+.1%} "
            "off the budget; is another size closer? " + hint
        )
    return judge(
        f"GRU state size for the budget of an LSTM with {n_lstm} units",
        answer,
        expected,
        rtol=0,
        atol=0,
        hint=hint,
    )
