"""Checks for the exercises of Part III (chapters 8 and 9)."""

from __future__ import annotations

import numpy as np

from ..ntm import shift, write
from . import compare

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
    """Chapter 8: the bias whose carry path alone keeps half the gradient over 100 layers."""
    return compare("carry-gate bias", answer, carry_bias_for(0.5, 100), rtol=1e-3, atol=1e-3)


def check_shift(answer) -> bool:
    """Chapter 9: the weighting ``SHIFT_W`` after the circular shift by ``SHIFT_S``."""
    expected = shift(SHIFT_W[None, :], SHIFT_S[None, :])[0]
    return compare("shifted weighting", answer, expected, rtol=1e-6, atol=1e-9)


def check_write(answer) -> bool:
    """Chapter 9: ``WRITE_MEMORY`` after one erase-then-add write."""
    expected = write(WRITE_MEMORY[None], WRITE_W[None], WRITE_ERASE[None], WRITE_ADD[None])[0]
    return compare("memory after the write", answer, expected, rtol=1e-6, atol=1e-9)
