"""Checks for the exercises of the comparison chapter (chapter 7).

(The module is not called ``compare``: that name already belongs to the helper
:func:`rnnlib.exercises.compare`, which a submodule of the same name would shadow.)
"""

from __future__ import annotations

from math import comb

from . import compare


def smallest_p(n_seeds: int) -> float:
    """The smallest two-sided permutation p-value two groups of ``n_seeds`` runs can give.

    Of the C(2n, n) equally likely splits, only the observed one and its mirror image are as
    extreme as a complete separation of the two groups.
    """
    return 2 / comb(2 * n_seeds, n_seeds)


def check_smallest_p(answer: float, n_seeds: int | None = None) -> bool:
    """Exercise: the smallest p-value a comparison of ``n_seeds`` against ``n_seeds`` runs allows
    (by default, the number of seeds of the full comparison)."""
    if n_seeds is None:
        from rnnlib.experiments.compare import FULL

        n_seeds = len(FULL.seeds)
    return compare(f"smallest p-value with {n_seeds} seeds per cell", answer, smallest_p(n_seeds),
                   rtol=1e-3, atol=1e-6)


def check_gru_size(answer: int, n_lstm: int = 20, n_in: int = 2, n_out: int = 1) -> bool:
    """Exercise: the GRU state size whose parameter count (readout included) is closest to an
    LSTM's with ``n_lstm`` units (the adding problem: ``n_in=2``, ``n_out=1``)."""
    from rnnlib.experiments.compare import hidden_size_for, param_count

    expected = hidden_size_for("gru", n_in, n_out, param_count("lstm", n_in, n_lstm, n_out))
    return compare(f"GRU state size for the budget of an LSTM with {n_lstm} units", answer,
                   expected, rtol=0, atol=0)
