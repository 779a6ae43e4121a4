"""Checks for the exercises of Part III (chapters 8 and 9).

Each check prints right or wrong and, when wrong, a hint; never the expected value.
"""

from __future__ import annotations

import numpy as np

from ..ntm import shift, write
from .judge import judge

# Exercise data, shown in the chapters.
SHIFT_W = np.array([0.1, 0.7, 0.2, 0.0, 0.0])
SHIFT_S = np.array([0.1, 0.2, 0.7])  # probabilities of shifts -1, 0, +1

WRITE_MEMORY = np.array([[1.0, -1.0], [0.5, 0.5], [0.0, 2.0]])
WRITE_W = np.array([0.0, 0.8, 0.2])
WRITE_ERASE = np.array([1.0, 0.5])
WRITE_ADD = np.array([0.3, -0.3])


def carry_bias_for(keep: float, depth: int) -> float:
    """The carry-gate bias ``b`` with ``(1 - sigma(b))^depth = keep``, i.e. ``b = -logit(keep^(1/depth))``."""
    k = keep ** (1.0 / depth)
    return float(-np.log(k / (1.0 - k)))


def check_carry_bias(answer: float) -> bool:
    """Chapter 8: the transform-gate bias ``b_tau`` whose carry path alone keeps half the
    gradient over 100 layers, ``(1 - sigma(b_tau))^100 = 1/2``."""
    expected = carry_bias_for(0.5, 100)
    hint = ("Solve (1 - sigma(b))^100 = 1/2: the carry gate must keep k = 0.5^(1/100) per "
            "layer, and 1 - sigma(b) = sigma(-b).")
    try:
        b = float(answer)
    except (TypeError, ValueError):
        b = None
    if b is not None and np.isfinite(b) and not np.isclose(b, expected, rtol=1e-3, atol=1e-3):
        kept = float(np.exp(-100 * np.logaddexp(0.0, b)))  # what the reader's bias keeps
        more = "more than half: a bias closer to zero" if kept > 0.5 else \
            "less than half: a more negative bias"
        hint = (f"With b = {b:g} the carry path keeps {kept:.3g} of the gradient over 100 layers, "
                f"{more} is needed. " + hint)
    return judge("transform-gate bias", answer, expected, hint=hint, rtol=1e-3, atol=1e-3,
                 near={"logit": (-expected, ("Right size, wrong sign: the carry gate is "
                                 "1 - sigma(b), so a gate that keeps most needs b < 0."))})


def check_shift(answer) -> bool:
    """Chapter 9: the weighting ``SHIFT_W`` after the circular shift by ``SHIFT_S``."""
    expected = shift(SHIFT_W[None, :], SHIFT_S[None, :])[0]
    backwards = shift(SHIFT_W[None, :], SHIFT_S[None, ::-1])[0]  # the shift read the wrong way
    return judge("shifted weighting", answer, expected, rtol=1e-6, atol=1e-9,
                 hint="Entry i collects q(-1) w(i+1) + q(0) w(i) + q(+1) w(i-1), indices mod 5; "
                      "the entries of the result still sum to 1.",
                 near={"backwards": (backwards, ("Your focus moved the wrong way: a shift of +1 "
                                     "moves weight from row i to row i + 1."))})


def check_write(answer) -> bool:
    """Chapter 9: ``WRITE_MEMORY`` after one erase-then-add write."""
    expected = write(WRITE_MEMORY[None], WRITE_W[None], WRITE_ERASE[None], WRITE_ADD[None])[0]
    add_first = (WRITE_MEMORY + np.outer(WRITE_W, WRITE_ADD)) * (1 - np.outer(WRITE_W, WRITE_ERASE))
    hint = ("Row by row: M(i) * (1 - w(i) e) + w(i) a, erase first, then add; "
            "a row with w(i) = 0 stays as it was.")
    got = np.asarray(answer, dtype=np.float64) if np.shape(answer) == expected.shape else None
    if got is not None and np.all(np.isfinite(got)):
        wrong = [i for i in range(len(expected)) if not np.allclose(got[i], expected[i])]
        if wrong:
            hint = f"Row(s) {', '.join(map(str, wrong))} differ. " + hint
    return judge("memory after the write", answer, expected, rtol=1e-6, atol=1e-9, hint=hint,
                 near={"add first": (add_first, ("You added before erasing: the erase step "
                                     "applies to the old memory, then the add vector is added."))})
