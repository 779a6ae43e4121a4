"""Gradient checking: central differences in float64, and a cheap random-direction check."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


def relative_error(a: np.ndarray, b: np.ndarray) -> float:
    """``max|a - b| / max(max|a|, max|b|, tiny)``: a scale-free distance between two arrays."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    scale = max(np.abs(a).max(initial=0.0), np.abs(b).max(initial=0.0), 1e-12)
    return float(np.abs(a - b).max(initial=0.0) / scale)


def numerical_gradient(f: Callable[[], float], x: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """Central differences of ``f()`` with respect to the array ``x``, changed in place.

    ``f`` takes no arguments and reads ``x``; every entry is nudged by +-eps and restored.
    """
    if x.dtype != np.float64:
        raise TypeError(f"gradient checks need float64 arrays, got {x.dtype}")
    grad = np.zeros_like(x)
    flat, gflat = x.reshape(-1), grad.reshape(-1)
    for k in range(flat.size):
        original = flat[k]
        flat[k] = original + eps
        up = f()
        flat[k] = original - eps
        down = f()
        flat[k] = original
        gflat[k] = (up - down) / (2 * eps)
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
    """
    directions = {k: rng.standard_normal(v.shape) for k, v in arrays.items()}
    norm = np.sqrt(sum((d * d).sum() for d in directions.values()))
    directions = {k: d / norm for k, d in directions.items()}
    originals = {k: v.copy() for k, v in arrays.items()}

    def shifted(sign: float) -> float:
        for k, v in arrays.items():
            v[...] = originals[k] + sign * eps * directions[k]
        return f()

    numeric = (shifted(+1) - shifted(-1)) / (2 * eps)
    for k, v in arrays.items():
        v[...] = originals[k]
    analytic = sum(float((grads[k] * directions[k]).sum()) for k in arrays)
    return abs(numeric - analytic) / max(abs(numeric), abs(analytic), 1e-12)
