"""Losses and the readout layer: from outputs (T, B, n) to a scalar tensor."""

from __future__ import annotations

import numpy as np

from .autograd import Tensor, as_tensor, data_of
from .checks import real_array


def readout(h, V, c):
    """Linear readout ``y = V h + c`` on (..., n) outputs; ``V`` is (k, n), ``c`` is (k,)."""
    h_shape, V_shape, c_shape = np.shape(data_of(h)), np.shape(data_of(V)), np.shape(data_of(c))
    if len(V_shape) != 2 or c_shape != V_shape[:1] or h_shape[-1:] != V_shape[1:]:
        raise ValueError(
            f"readout got h {h_shape}, V {V_shape}, c {c_shape}; expected h (..., n), "
            f"V (k, n) and c (k,)"
        )
    return h @ V.T + c


def _weights(mask, shape: tuple[int, ...], what: str) -> np.ndarray:
    """A mask as float weights of ``shape``: finite, non-negative, and selecting something."""
    weights = real_array(mask, "mask")
    if weights.shape != shape:
        raise ValueError(f"mask has shape {weights.shape}; expected {shape} like the {what}")
    if not (np.isfinite(weights).all() and (weights >= 0).all()):
        raise ValueError(
            "mask must hold finite weights >= 0 (1 scores a position, 0 skips it); "
            f"got values from {weights.min()} to {weights.max()}"
        )
    return weights


def softmax(logits: np.ndarray, axis: int = -1) -> np.ndarray:
    """Softmax of plain arrays, stable for large logits."""
    logits = real_array(logits, "logits")
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
    if logits.ndim == 0:
        raise ValueError("logits have shape (); expected (..., k) with a last axis of k classes")
    k = logits.shape[-1]
    if targets.shape != logits.shape[:-1]:
        raise ValueError(
            f"targets have shape {targets.shape}; expected {logits.shape[:-1]} to match "
            f"logits of shape {logits.shape}"
        )
    if not np.issubdtype(targets.dtype, np.integer):
        raise TypeError(f"targets must be integer class indices, got dtype {targets.dtype}")
    weights = np.ones(targets.shape) if mask is None else _weights(mask, targets.shape, "targets")
    counted = weights.sum()
    if counted == 0:
        raise ValueError(
            "mask selects no position (every entry is 0); expected at least "
            "one scored position to average over"
        )
    safe = np.where(weights > 0, targets, 0)
    if safe.min() < 0 or safe.max() >= k:
        raise ValueError(
            f"targets must lie in [0, {k}), got values from {safe.min()} to {safe.max()}"
        )
    probs = softmax(logits.data)
    picked = np.take_along_axis(probs, safe[..., None], axis=-1)[..., 0]
    loss = -(weights * np.log(picked + 1e-300)).sum() / counted
    out = Tensor(loss, (logits,))

    def backward(g: np.ndarray) -> None:
        grad = probs.copy()
        np.put_along_axis(
            grad, safe[..., None], np.take_along_axis(grad, safe[..., None], -1) - 1.0, axis=-1
        )
        logits._accumulate(g * grad * (weights / counted)[..., None])

    out._backward = backward
    return out


def mse(pred, target, mask=None) -> Tensor:
    """Mean squared error over the positions ``mask`` selects (all positions by default)."""
    pred = as_tensor(pred)
    target = real_array(target, "target")
    if target.shape != pred.shape:
        raise ValueError(
            f"target has shape {target.shape}; expected {pred.shape} like the prediction"
        )
    diff = pred - target
    if mask is None:
        return (diff * diff).mean()
    mask = real_array(mask, "mask")
    try:
        broadcast = np.broadcast_shapes(mask.shape, pred.shape) == pred.shape
    except ValueError:
        broadcast = False
    if not broadcast:
        raise ValueError(
            f"mask has shape {mask.shape}; expected {pred.shape} like the "
            f"prediction, or a shape that broadcasts to it"
        )
    weights = _weights(np.broadcast_to(mask, pred.shape), pred.shape, "prediction")
    if weights.sum() == 0:
        raise ValueError(
            "mask selects no position (every entry is 0); expected at least "
            "one scored position to average over"
        )
    return (diff * diff * weights).sum() * (1.0 / weights.sum())
