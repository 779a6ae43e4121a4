"""Optimizers (SGD, momentum, Adam) and gradient clipping, on dicts of named numpy arrays.

Every optimizer's ``step(params, grads)`` updates the arrays in ``params`` in place, so a cell
(or a :class:`~rnnlib.model.Model`) sees the new values without being rebuilt. Optimizer state
(velocities, moments) is kept per parameter name.
"""

from __future__ import annotations

import numpy as np


def _check_same_keys(params: dict, grads: dict) -> None:
    missing = sorted(set(params) - set(grads))
    if missing:
        raise ValueError(f"grads lack entries for parameters {missing}; got grads for {sorted(grads)}")
    for name, value in params.items():
        if np.shape(grads[name]) != np.shape(value):
            raise ValueError(
                f"gradient of {name!r} has shape {np.shape(grads[name])}; expected {np.shape(value)} "
                f"like the parameter"
            )


def _positive(label: str, value: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.floating, np.integer)):
        raise TypeError(f"{label} must be a number, got {type(value).__name__}")
    if not value > 0:
        raise ValueError(f"{label} must be positive, got {value}")
    return float(value)


def global_norm(grads: dict[str, np.ndarray]) -> float:
    """``sqrt(sum_k ||g_k||^2)``: the norm of all gradients taken as one long vector."""
    return float(np.sqrt(sum(float(np.vdot(g, g)) for g in grads.values())))


def clip_by_global_norm(
    grads: dict[str, np.ndarray], max_norm: float
) -> tuple[dict[str, np.ndarray], float]:
    """Rescale all gradients together so their global norm is at most ``max_norm``.

    Returns ``(clipped_grads, norm_before)``; the direction of the update is unchanged
    (Pascanu, Mikolov and Bengio 2013). New arrays are returned; ``grads`` is not modified.
    """
    max_norm = _positive("max_norm", max_norm)
    norm = global_norm(grads)
    scale = min(1.0, max_norm / norm) if norm > 0 else 1.0
    return {k: g * scale for k, g in grads.items()}, norm


def clip_by_value(grads: dict[str, np.ndarray], limit: float) -> dict[str, np.ndarray]:
    """Clip every gradient entry to ``[-limit, limit]`` (this can change the direction)."""
    limit = _positive("limit", limit)
    return {k: np.clip(g, -limit, limit) for k, g in grads.items()}


class Optimizer:
    """Base class: ``step(params, grads)`` changes ``params`` in place."""

    def __init__(self, lr: float):
        self.lr = _positive("lr", lr)

    def step(self, params: dict[str, np.ndarray], grads: dict[str, np.ndarray]) -> None:
        _check_same_keys(params, grads)
        for name, p in params.items():
            p -= self.update(name, np.asarray(grads[name], dtype=np.float64))

    def update(self, name: str, g: np.ndarray) -> np.ndarray:
        """The amount to subtract from parameter ``name`` given its gradient ``g``."""
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}(lr={self.lr})"


class SGD(Optimizer):
    """Plain gradient descent: ``theta <- theta - lr * g``."""

    def update(self, name, g):
        return self.lr * g


class Momentum(Optimizer):
    """Heavy-ball momentum: ``v <- beta * v + g``; ``theta <- theta - lr * v``."""

    def __init__(self, lr: float, beta: float = 0.9):
        super().__init__(lr)
        if not 0.0 <= beta < 1.0:
            raise ValueError(f"beta must lie in [0, 1), got {beta}")
        self.beta = float(beta)
        self.velocity: dict[str, np.ndarray] = {}

    def update(self, name, g):
        v = self.velocity.get(name)
        v = g.copy() if v is None else self.beta * v + g
        self.velocity[name] = v
        return self.lr * v


class Adam(Optimizer):
    """Adam (Kingma and Ba 2015) with bias-corrected first and second moments.

    ``m <- b1 m + (1 - b1) g``; ``v <- b2 v + (1 - b2) g^2``;
    ``theta <- theta - lr * m_hat / (sqrt(v_hat) + eps)`` with ``m_hat = m / (1 - b1^t)``, etc.
    """

    def __init__(self, lr: float, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8):
        super().__init__(lr)
        for label, beta in (("beta1", beta1), ("beta2", beta2)):
            if not 0.0 <= beta < 1.0:
                raise ValueError(f"{label} must lie in [0, 1), got {beta}")
        self.beta1, self.beta2, self.eps = float(beta1), float(beta2), _positive("eps", eps)
        self.m: dict[str, np.ndarray] = {}
        self.v: dict[str, np.ndarray] = {}
        self.t = 0

    def step(self, params, grads):
        self.t += 1  # one time step for all parameters together
        super().step(params, grads)

    def update(self, name, g):
        m = self.beta1 * self.m.get(name, 0.0) + (1.0 - self.beta1) * g
        v = self.beta2 * self.v.get(name, 0.0) + (1.0 - self.beta2) * g * g
        self.m[name], self.v[name] = m, v
        m_hat = m / (1.0 - self.beta1**self.t)
        v_hat = v / (1.0 - self.beta2**self.t)
        return self.lr * m_hat / (np.sqrt(v_hat) + self.eps)
