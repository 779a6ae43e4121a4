"""Gradient checking: central differences in float64, and a cheap random-direction check."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .checks import array_dict, describe, generator, number, real_array


def relative_error(a: np.ndarray, b: np.ndarray) -> float:
    """``max|a - b| / max(max|a|, max|b|, tiny)``: a scale-free distance between two arrays
    of the same shape."""
    a, b = real_array(a, "a"), real_array(b, "b")
    if a.shape != b.shape:
        raise ValueError(
            f"a has shape {a.shape} and b has shape {b.shape}; expected the same "
            f"shape (relative_error compares entry by entry, without broadcasting)"
        )
    scale = max(np.abs(a).max(initial=0.0), np.abs(b).max(initial=0.0), 1e-12)
    return float(np.abs(a - b).max(initial=0.0) / scale)


def _value_of(f: Callable[[], float], where: str) -> float:
    """``f()`` as a float: a TypeError unless it is one number, a ValueError if not finite."""
    value = f()
    data = getattr(value, "data", value)  # a scalar Tensor is fine
    if np.ndim(data) != 0 and np.size(data) != 1:
        raise TypeError(f"f() must return one number (the loss), got {describe(value)}")
    try:
        out = float(np.asarray(data).reshape(()))
    except (TypeError, ValueError):
        raise TypeError(f"f() must return one number (the loss), got {describe(value)}") from None
    if not np.isfinite(out):
        raise ValueError(f"f() returned {out} {where}; a gradient check needs a finite loss")
    return out


def numerical_gradient(f: Callable[[], float], x: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """Central differences of ``f()`` with respect to the array ``x``, changed in place.

    ``f`` takes no arguments and reads ``x``; every entry is nudged by +-eps and restored.
    ``x`` may be a view (a transpose, a slice): the nudges are written into it, so they reach
    the array ``f`` reads. Returns an array of ``x``'s shape.
    """
    if not callable(f):
        raise TypeError(
            f"f must be a function of no arguments returning the loss, got {describe(f)}"
        )
    if not isinstance(x, np.ndarray):
        raise TypeError(f"x must be the numpy array f reads (changed in place), got {describe(x)}")
    if x.dtype != np.float64:
        raise TypeError(f"gradient checks need float64 arrays, got {x.dtype}")
    if not x.flags.writeable:
        raise ValueError("x is read-only; numerical_gradient nudges its entries in place")
    eps = number(eps, "eps", positive=True)
    grad = np.zeros(x.shape)
    for index in np.ndindex(x.shape):  # indexing x itself works for any memory layout
        original = x[index]
        try:
            x[index] = original + eps
            up = _value_of(f, f"with x{list(index)} nudged by +eps")
            x[index] = original - eps
            down = _value_of(f, f"with x{list(index)} nudged by -eps")
        finally:
            x[index] = original
        grad[index] = (up - down) / (2 * eps)
    return grad


def directional_check(
    f: Callable[[], float],
    arrays: dict[str, np.ndarray],
    grads: dict[str, np.ndarray],
    rng: np.random.Generator,
    eps: float = 1e-6,
) -> float:
    """Relative error between ``sum_k <grad_k, d_k>`` and the central difference of ``f``
    along one random direction ``d`` (a unit vector over all arrays together).

    Two evaluations of ``f`` whatever the number of parameters: cheap for long sequences.
    ``arrays`` are changed in place and restored; ``grads`` needs an entry of the same shape
    for each of them.
    """
    if not callable(f):
        raise TypeError(
            f"f must be a function of no arguments returning the loss, got {describe(f)}"
        )
    array_dict(arrays, "arrays")
    array_dict(grads, "grads")
    generator(rng)
    eps = number(eps, "eps", positive=True)
    if not arrays:
        raise ValueError("arrays is empty; expected at least one array to perturb")
    for k, v in arrays.items():
        if not isinstance(v, np.ndarray) or v.dtype != np.float64:
            raise TypeError(
                f"arrays[{k!r}] must be a float64 numpy array (changed in place), got {describe(v)}"
            )
        if k not in grads:
            raise ValueError(
                f"grads has no entry {k!r}; expected one for each of "
                f"{sorted(arrays)}, got {sorted(grads)}"
            )
        if np.shape(grads[k]) != v.shape:
            raise ValueError(f"grads[{k!r}] has shape {np.shape(grads[k])}; expected {v.shape}")
    directions = {k: rng.standard_normal(v.shape) for k, v in arrays.items()}
    norm = np.sqrt(sum((d * d).sum() for d in directions.values()))
    directions = {k: d / norm for k, d in directions.items()}
    originals = {k: v.copy() for k, v in arrays.items()}

    def shifted(sign: float) -> float:
        for k, v in arrays.items():
            v[...] = originals[k] + sign * eps * directions[k]
        return _value_of(f, f"at a {'+' if sign > 0 else '-'}eps step along the direction")

    try:
        numeric = (shifted(+1) - shifted(-1)) / (2 * eps)
    finally:
        for k, v in arrays.items():
            v[...] = originals[k]
    analytic = sum(
        float((real_array(grads[k], f"grads[{k!r}]") * directions[k]).sum()) for k in arrays
    )
    return abs(numeric - analytic) / max(abs(numeric), abs(analytic), 1e-12)
