"""How every exercise check of the book answers: right, or not yet with a hint; never the
expected answer. Topic modules write their ``check_*`` functions with these."""

from __future__ import annotations

import numpy as np


def judge(
    name: str,
    answer,
    expected,
    hint: str,
    rtol: float = 1e-6,
    atol: float = 1e-9,
    near: dict[str, tuple[object, str]] | None = None,
) -> bool:
    """Print ``"<name>: correct."`` or ``"<name>: not yet."`` and a hint; return the verdict.

    ``answer`` and ``expected`` are compared with ``np.allclose(rtol, atol)`` after a shape
    check (a wrong shape is reported with the expected shape, which gives nothing away).
    ``near`` maps a label to ``(value, hint)``: a known wrong answer (a typical slip) and the
    hint to print when the answer matches it instead. The expected value is never printed.
    """
    try:
        got = np.asarray(answer, dtype=np.float64)
    except (TypeError, ValueError):
        print(
            f"{name}: not yet. Expected a number or an array of numbers; got "
            f"{type(answer).__name__}."
        )
        return False
    want = np.asarray(expected, dtype=np.float64)
    if got.shape != want.shape:
        print(
            f"{name}: not yet. Your answer has shape {got.shape}; it should have shape "
            f"{want.shape}."
        )
        return False
    if not np.all(np.isfinite(got)):
        print(f"{name}: not yet. Your answer contains NaN or inf.")
        return False
    if np.allclose(got, want, rtol=rtol, atol=atol):
        print(f"{name}: correct.")
        return True
    for value, slip_hint in (near or {}).values():
        if np.allclose(got, np.asarray(value, dtype=np.float64), rtol=rtol, atol=atol):
            print(f"{name}: not yet. {slip_hint}")
            return False
    print(f"{name}: not yet. {hint}")
    return False


def verdict(name: str, ok: bool, hint: str = "") -> bool:
    """Print ``"<name>: correct."`` or ``"<name>: not yet. <hint>"``; return ``ok``."""
    print(f"{name}: correct." if ok else f"{name}: not yet. {hint}".rstrip())
    return bool(ok)


def as_array(name: str, answer, shape: tuple[int, ...]) -> np.ndarray | None:
    """``answer`` as a finite float array of ``shape``, or None after printing what is wrong
    with it (its shape is said, and the expected one: a shape is not the answer)."""
    try:
        got = np.asarray(answer, dtype=np.float64)
    except (TypeError, ValueError):
        print(f"{name}: not yet. Expected an array of numbers, got {type(answer).__name__}.")
        return None
    if got.shape != shape:
        print(f"{name}: not yet. Your answer has shape {got.shape}; it should have shape {shape}.")
        return None
    if not np.all(np.isfinite(got)):
        print(f"{name}: not yet. Your answer contains NaN or inf.")
        return None
    return got


def number(name: str, answer) -> float | None:
    """``answer`` as one finite float, or None after saying why it is not one."""
    try:
        value = float(np.asarray(answer, dtype=np.float64).reshape(()))
    except (TypeError, ValueError):
        print(f"{name}: not yet. Expected one number, got {answer!r}.")
        return None
    if not np.isfinite(value):
        print(f"{name}: not yet. Your answer is {value}; expected a finite number.")
        return None
    return value
