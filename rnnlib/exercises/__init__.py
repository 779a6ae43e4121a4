"""Checks for the exercises: the reader passes an answer, a check says if it is right."""

from __future__ import annotations

import numpy as np


def compare(name: str, answer, expected, rtol: float = 1e-6, atol: float = 1e-9) -> bool:
    """Print whether ``answer`` matches ``expected`` and, if not, what differs; return the verdict."""
    got = np.asarray(answer, dtype=np.float64)
    want = np.asarray(expected, dtype=np.float64)
    if got.shape != want.shape:
        print(f"{name}: not yet. Your answer has shape {got.shape}; expected shape {want.shape}.")
        return False
    if np.allclose(got, want, rtol=rtol, atol=atol):
        print(f"{name}: correct.")
        return True
    worst = np.unravel_index(np.argmax(np.abs(got - want)), got.shape) if got.ndim else ()
    print(
        f"{name}: not yet. Largest difference at index {tuple(int(i) for i in worst)}: "
        f"you gave {got[worst]:.6g}, expected {want[worst]:.6g}."
    )
    return False
