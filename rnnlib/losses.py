"""Losses and the readout layer: from outputs (T, B, n) to a scalar tensor."""

from __future__ import annotations

import numpy as np

from .autograd import Tensor, as_tensor, data_of


def readout(h, V, c):
    """Linear readout ``y = V h + c`` on (..., n) outputs; ``V`` is (k, n), ``c`` is (k,)."""
    return h @ V.T + c


def softmax(logits: np.ndarray, axis: int = -1) -> np.ndarray:
    """Softmax of plain arrays, stable for large logits."""
    z = logits - logits.max(axis=axis, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=axis, keepdims=True)


def cross_entropy(logits, targets, mask=None) -> Tensor:
    """Mean softmax cross-entropy of ``logits`` (..., k) against integer ``targets`` (...).

    ``mask`` (same shape as ``targets``, 0 or 1) picks which positions count; the mean is over
    the counted positions. Positions with ``mask == 0`` may hold any target.
    """
    logits = as_tensor(logits)
    targets = np.asarray(targets)
    k = logits.shape[-1]
    if targets.shape != logits.shape[:-1]:
        raise ValueError(
            f"targets have shape {targets.shape}; expected {logits.shape[:-1]} to match "
            f"logits of shape {logits.shape}"
        )
    if not np.issubdtype(targets.dtype, np.integer):
        raise TypeError(f"targets must be integer class indices, got dtype {targets.dtype}")
    weights = np.ones(targets.shape) if mask is None else np.asarray(mask, dtype=np.float64)
    if weights.shape != targets.shape:
        raise ValueError(f"mask has shape {weights.shape}; expected {targets.shape}")
    counted = weights.sum()
    if counted == 0:
        raise ValueError("mask selects no position; nothing to average")
    safe = np.where(weights > 0, targets, 0)
    if safe.min() < 0 or safe.max() >= k:
        raise ValueError(f"targets must lie in [0, {k}), got values from {safe.min()} to {safe.max()}")
    probs = softmax(logits.data)
    picked = np.take_along_axis(probs, safe[..., None], axis=-1)[..., 0]
    loss = -(weights * np.log(picked + 1e-300)).sum() / counted
    out = Tensor(loss, (logits,))

    def backward(g: np.ndarray) -> None:
        grad = probs.copy()
        np.put_along_axis(grad, safe[..., None], np.take_along_axis(grad, safe[..., None], -1) - 1.0,
                          axis=-1)
        logits._accumulate(g * grad * (weights / counted)[..., None])

    out._backward = backward
    return out


def mse(pred, target, mask=None) -> Tensor:
    """Mean squared error over the positions ``mask`` selects (all positions by default)."""
    pred = as_tensor(pred)
    target = np.asarray(data_of(target), dtype=np.float64)
    if target.shape != pred.shape:
        raise ValueError(f"target has shape {target.shape}; expected {pred.shape} like the prediction")
    diff = pred - target
    if mask is None:
        return (diff * diff).mean()
    weights = np.broadcast_to(np.asarray(mask, dtype=np.float64), pred.shape)
    if weights.sum() == 0:
        raise ValueError("mask selects no position; nothing to average")
    return (diff * diff * weights).sum() * (1.0 / weights.sum())
