"""Optimizers (SGD, momentum, Adam) and gradient clipping, on dicts of named numpy arrays.

Every optimizer's ``step(params, grads)`` updates the arrays in ``params`` in place, so a cell
(or a :class:`~rnnlib.model.Model`) sees the new values without being rebuilt. Optimizer state
(velocities, moments) is kept per parameter name.
"""

from __future__ import annotations

import numpy as np

from .checks import array_dict, describe, number, real_array


def _check_same_keys(params: dict, grads: dict) -> dict[str, np.ndarray]:
    """The gradients as float64 arrays, after checking them against ``params``: one per
    parameter, of its shape, all finite (so that a bad gradient changes no parameter)."""
    array_dict(params, "params")
    array_dict(grads, "grads")
    missing = sorted(set(params) - set(grads))
    if missing:
        raise ValueError(
            f"grads lack entries for parameters {missing}; got grads for {sorted(grads)}"
        )
    checked = {}
    for name, value in params.items():
        if not isinstance(value, np.ndarray) or value.dtype.kind != "f":
            raise TypeError(
                f"parameter {name!r} must be a float numpy array (it is updated in "
                f"place), got {describe(value)}"
            )
        if np.shape(grads[name]) != np.shape(value):
            raise ValueError(
                f"gradient of {name!r} has shape {np.shape(grads[name])}; expected "
                f"{np.shape(value)} "
                f"like the parameter"
            )
        g = real_array(grads[name], f"gradient of {name!r}")
        if not np.isfinite(g).all():
            raise ValueError(
                f"gradient of {name!r} contains NaN or inf; expected finite numbers. "
                f"No parameter was changed."
            )
        checked[name] = g
    return checked


def _positive(label: str, value: float) -> float:
    return number(value, label, positive=True)


def _fraction(label: str, value: float) -> float:
    """A number in [0, 1) (a decay rate)."""
    value = number(value, label)
    if not 0.0 <= value < 1.0:
        raise ValueError(f"{label} must lie in [0, 1), got {value}")
    return value


def global_norm(grads: dict[str, np.ndarray]) -> float:
    """``sqrt(sum_k ||g_k||^2)``: the norm of all gradients taken as one long vector.

    Finite gradients whose squares overflow float64 (entries above about 1e154) still get
    their finite norm (computed on rescaled entries); NaN or inf entries give NaN or inf.
    """
    array_dict(grads, "grads")
    norm = float(np.sqrt(sum(float(np.vdot(g, g)) for g in grads.values())))
    if np.isinf(norm):  # rare: recompute on rescaled entries, unless an entry is inf itself
        top = max(float(np.abs(g).max(initial=0.0)) for g in grads.values())
        if np.isfinite(top):
            norm = top * float(
                np.sqrt(sum(float(np.vdot(g / top, g / top)) for g in grads.values()))
            )
    return norm


def clip_by_global_norm(
    grads: dict[str, np.ndarray], max_norm: float
) -> tuple[dict[str, np.ndarray], float]:
    """Rescale all gradients together so their global norm is at most ``max_norm``.

    Returns ``(clipped_grads, norm_before)``; the direction of the update is unchanged
    (Pascanu, Mikolov and Bengio 2013). New arrays are returned; ``grads`` is not modified.
    """
    max_norm = _positive("max_norm", max_norm)
    norm = global_norm(grads)
    if not np.isfinite(norm):
        raise ValueError(
            f"the gradient's global norm is {norm} (some entry is NaN or inf); "
            f"expected finite gradients: clipping cannot restore a direction"
        )
    scale = min(1.0, max_norm / norm) if norm > 0 else 1.0
    return {k: g * scale for k, g in grads.items()}, norm


def clip_by_value(grads: dict[str, np.ndarray], limit: float) -> dict[str, np.ndarray]:
    """Clip every gradient entry to ``[-limit, limit]`` (this can change the direction)."""
    limit = _positive("limit", limit)
    array_dict(grads, "grads")
    clipped = {}
    for k, g in grads.items():
        g = real_array(g, f"gradient of {k!r}")
        if np.isnan(g).any():
            raise ValueError(
                f"gradient of {k!r} contains NaN; expected numbers (inf is clipped "
                f"to the limit, NaN has no value to clip)"
            )
        clipped[k] = np.clip(g, -limit, limit)
    return clipped


class Optimizer:
    """Base class: ``step(params, grads)`` changes ``params`` in place."""

    def __init__(self, lr: float):
        self.lr = _positive("lr", lr)

    def step(self, params: dict[str, np.ndarray], grads: dict[str, np.ndarray]) -> None:
        """Update every array of ``params`` in place from ``grads`` (same names and shapes).

        Every gradient is checked first: a missing, misshapen or non-finite one raises and
        leaves all parameters unchanged.
        """
        grads = _check_same_keys(params, grads)
        self._begin_step()
        for name, p in params.items():
            p -= self.update(name, grads[name])

    def _begin_step(self) -> None:
        """Called once per accepted step, before the updates (Adam counts its steps here)."""

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
        self.beta = _fraction("beta", beta)
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
        self.beta1, self.beta2 = _fraction("beta1", beta1), _fraction("beta2", beta2)
        self.eps = _positive("eps", eps)
        self.m: dict[str, np.ndarray] = {}
        self.v: dict[str, np.ndarray] = {}
        self.t = 0

    def _begin_step(self):
        self.t += 1  # one time step for all parameters together (a refused step is no step)

    def update(self, name, g):
        m = self.beta1 * self.m.get(name, 0.0) + (1.0 - self.beta1) * g
        v = self.beta2 * self.v.get(name, 0.0) + (1.0 - self.beta2) * g * g
        self.m[name], self.v[name] = m, v
        m_hat = m / (1.0 - self.beta1**self.t)
        v_hat = v / (1.0 - self.beta2**self.t)
        return self.lr * m_hat / (np.sqrt(v_hat) + self.eps)
