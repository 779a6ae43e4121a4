"""Argument checks shared by rnnlib's public functions.

Each check raises a ValueError or a TypeError whose message says what was expected and what
came, and returns the value in the form the caller works with (an int, a float, a float64
array). They cost a few microseconds per call: rnnlib runs them once per call on whole
arrays, never once per element or per time step of a loop.
"""

from __future__ import annotations

import inspect
from typing import Any

import numpy as np

REAL_KINDS = "biuf"  # numpy dtype kinds of booleans, signed and unsigned integers, floats


def describe(value: Any) -> str:
    """A short description of ``value`` for an error message: its type, and its shape for
    arrays or its repr for small things."""
    data = getattr(value, "data", None) if type(value).__name__ == "Tensor" else None
    if data is not None:
        return f"a Tensor of shape {data.shape}"
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape} and dtype {value.dtype}"
    text = repr(value)
    if len(text) > 60:
        text = text[:57] + "..."
    return f"{type(value).__name__} {text}"


def real_array(value: Any, what: str) -> np.ndarray:
    """``value`` as a float64 array; a TypeError if it holds anything but real numbers
    (complex numbers, strings, None, objects)."""
    if type(value).__name__ == "Tensor":
        value = value.data
    try:
        arr = np.asarray(value)
    except ValueError as error:  # ragged nested lists
        raise TypeError(
            f"{what} must be an array of real numbers, got {describe(value)} ({error})"
        ) from None
    if arr.dtype.kind not in REAL_KINDS:
        if arr.dtype.kind == "c":
            raise TypeError(
                f"{what} must hold real numbers; got complex values "
                f"(dtype {arr.dtype}). Pass the real part explicitly if you mean it."
            )
        raise TypeError(f"{what} must be an array of real numbers, got {describe(value)}")
    return arr.astype(np.float64, copy=False)


def finite_array(value: Any, what: str) -> np.ndarray:
    """:func:`real_array`, plus a ValueError if any entry is NaN or infinite."""
    arr = real_array(value, what)
    if not np.isfinite(arr).all():
        bad = int(arr.size - np.isfinite(arr).sum())
        raise ValueError(
            f"{what} contains NaN or inf ({bad} of {arr.size} entries); expected finite numbers"
        )
    return arr


def integer(value: Any, label: str, minimum: int = 1) -> int:
    """An int ``>= minimum``; a ValueError otherwise (floats and booleans are refused)."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        kind = "a positive integer" if minimum == 1 else f"an integer >= {minimum}"
        raise ValueError(f"{label} must be {kind}, got {value!r}")
    return int(value)


def number(value: Any, label: str, positive: bool = False, finite: bool = True) -> float:
    """A real number (finite unless ``finite=False``, > 0 if ``positive``) as a float."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{label} must be a number, got {describe(value)}")
    value = float(value)
    if np.isnan(value) or (finite and np.isinf(value)) or (positive and not value > 0):
        kind = " ".join(
            w for w in ("positive" if positive else "", "finite" if finite else "") if w
        )
        raise ValueError(f"{label} must be a {kind + ' ' if kind else ''}number, got {value!r}")
    return value


def generator(rng: Any) -> np.random.Generator:
    """``rng`` itself if it is a numpy Generator; a TypeError saying how to make one otherwise."""
    if not isinstance(rng, np.random.Generator):
        raise TypeError(
            f"rng must be a numpy Generator (np.random.default_rng(seed)), got {type(rng).__name__}"
        )
    return rng


def array_dict(value: Any, what: str) -> dict:
    """A dict (name -> array); a TypeError for anything else."""
    if not isinstance(value, dict):
        raise TypeError(f"{what} must be a dict of named arrays, got {describe(value)}")
    return value


def keyword_arguments(cls: type, kwargs: dict, skip: int) -> None:
    """A TypeError naming the accepted keywords if ``cls(...)`` does not take all of ``kwargs``.

    ``skip`` is the number of positional parameters the caller fills itself (after ``self``).
    """
    params = list(inspect.signature(cls.__init__).parameters.values())[1 + skip :]
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params):
        return
    accepted = [p.name for p in params]
    unknown = sorted(set(kwargs) - set(accepted))
    if unknown:
        raise TypeError(
            f"{cls.__name__} does not take {', '.join(f'{k}=' for k in unknown)}; "
            f"it takes {', '.join(accepted) if accepted else 'no keyword arguments'}"
        )
