"""Deep stacks of layers: plain, residual (He et al. 2015) and highway (Srivastava et al. 2015).

Each layer maps a batch ``x`` (B, n) to ``y`` (B, n) and is written like its equation:

* plain:     ``y = phi(W x + b)``                       (a vanilla RNN step, unrolled in depth)
* residual:  ``y = x + F(x)``, ``F(x) = phi(W x + b)``   (write the change down, keep x)
* highway:   ``y = T(x) * H(x) + (1 - T(x)) * x``, ``H(x) = phi(W x + b)``,
  ``T(x) = sigma(W_T x + b_T)`` (the GRU's coupled gate across layers; ``b_T`` is the
  carry-gate bias: negative means carry)

The layer functions run on plain arrays and on autograd tensors alike.
"""

from __future__ import annotations

import numpy as np

from .autograd import Tensor, sigmoid, tanh
from .checks import describe, finite_array, generator, integer, number

KINDS = ("plain", "residual", "highway")


def plain_layer(p: dict, x):
    """``y = phi(W x + b)``."""
    return tanh(x @ p["W"].T + p["b"])


def residual_layer(p: dict, x):
    """``y = x + F(x)`` with ``F(x) = phi(W x + b)``."""
    F = tanh(x @ p["W"].T + p["b"])
    return x + F


def highway_layer(p: dict, x):
    """``y = T(x) * H(x) + (1 - T(x)) * x``: transform where ``T`` is near 1, carry where near 0."""
    H = tanh(x @ p["W"].T + p["b"])
    T = sigmoid(x @ p["W_T"].T + p["b_T"])
    return T * H + (1.0 - T) * x


LAYERS = {"plain": plain_layer, "residual": residual_layer, "highway": highway_layer}


def _check_kind(kind) -> str:
    if not isinstance(kind, str) or kind not in LAYERS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    return kind


def draw_normals(
    kind: str, width: int, depth: int, rng: np.random.Generator
) -> list[dict[str, np.ndarray]]:
    """Standard normal draws for the weights of ``depth`` layers, layer by layer (``W``, then
    ``W_T`` for highway layers): the first ``d`` layers of a deeper draw are a draw of ``d``."""
    _check_kind(kind)
    width, depth = integer(width, "width"), integer(depth, "depth")
    generator(rng)
    names = ("W", "W_T") if kind == "highway" else ("W",)
    return [{k: rng.standard_normal((width, width)) for k in names} for _ in range(depth)]


class Stack:
    """``depth`` layers of one ``kind``, each with its own weights (untied, unlike an RNN).

    ``W`` entries are drawn from N(0, init_scale^2 / n), so ``W x`` keeps the scale of ``x``;
    ``W_T`` likewise; ``b = 0``; every highway gate bias starts at ``gate_bias``.
    """

    def __init__(
        self,
        kind: str,
        width: int,
        depth: int,
        rng: np.random.Generator,
        gate_bias: float = -2.0,
        init_scale: float = 1.0,
    ):
        self._build(kind, draw_normals(kind, width, depth, rng), gate_bias, init_scale)

    @classmethod
    def from_normals(
        cls,
        kind: str,
        normals: list[dict[str, np.ndarray]],
        gate_bias: float = -2.0,
        init_scale: float = 1.0,
    ) -> Stack:
        """The stack whose weights are ``init_scale / sqrt(n)`` times the given standard normal
        draws (one dict per layer, from :func:`draw_normals`): the same numbers as drawing anew."""
        _check_kind(kind)
        if not isinstance(normals, list) or not normals:
            raise ValueError(
                f"normals must be a non-empty list of dicts (one per layer, from "
                f"draw_normals), got {describe(normals)}"
            )
        names = ("W", "W_T") if kind == "highway" else ("W",)
        for layer, z in enumerate(normals):
            if not isinstance(z, dict) or not set(names) <= set(z):
                raise ValueError(
                    f"normals[{layer}] must be a dict with {list(names)} for a "
                    f"{kind} stack, got {describe(z)}"
                )
            for name in names:
                shape = np.shape(z[name])
                if len(shape) != 2 or shape[0] != shape[1] or shape != np.shape(normals[0]["W"]):
                    raise ValueError(
                        f"normals[{layer}][{name!r}] has shape {shape}; expected "
                        f"one square (width, width) shape for every layer"
                    )
        stack = cls.__new__(cls)
        stack._build(kind, normals, gate_bias, init_scale)
        return stack

    def _build(self, kind, normals, gate_bias, init_scale) -> None:
        gate_bias, init_scale = number(gate_bias, "gate_bias"), number(init_scale, "init_scale")
        self.kind, self.depth = kind, len(normals)
        self.width = normals[0]["W"].shape[0]
        self.gate_bias, self.init_scale = gate_bias, init_scale
        std = init_scale / np.sqrt(self.width)
        self.layers: list[dict[str, np.ndarray]] = []
        for z in normals:
            p = {"W": std * z["W"], "b": np.zeros(self.width)}
            if kind == "highway":
                p["W_T"] = std * z["W_T"]
                p["b_T"] = np.full(self.width, float(gate_bias))
            self.layers.append(p)

    def __repr__(self) -> str:
        return f"Stack({self.kind!r}, width={self.width}, depth={self.depth})"

    @property
    def params(self) -> dict[str, np.ndarray]:
        """All parameters, named ``"{layer}.{name}"``."""
        return {f"{i}.{k}": v for i, p in enumerate(self.layers) for k, v in p.items()}

    def forward(self, x, layers: list[dict] | None = None) -> list:
        """All activations ``[y_0 = x, y_1, ..., y_depth]``, each (B, width)."""
        layer = LAYERS[self.kind]
        ys = [x]
        for p in self.layers if layers is None else layers:
            ys.append(layer(p, ys[-1]))
        return ys

    def gradient_norms(self, x: np.ndarray, u: np.ndarray, method: str = "by_hand") -> np.ndarray:
        """``||dL/dy_l||`` for ``l = 0 .. depth`` with ``L = mean_batch(u . y_depth)``.

        ``dL/dy_depth = u / B`` whatever the stack does, so the curve shows only how the layers
        carry the gradient back (the depth analogue of ``||dL/ds_t||`` over time).
        ``method="autograd"`` runs the engine; ``"by_hand"`` runs :func:`layer_backward`
        (the same numbers, much faster: no graph is recorded).
        """
        finite_array(x, "x"), finite_array(u, "u")  # checks only: keep the dtype (longdouble too)
        x, u = np.asarray(x), np.asarray(u)
        if x.ndim != 2 or x.shape[1] != self.width or x.shape[0] < 1:
            raise ValueError(
                f"x has shape {x.shape}; {self!r} expects (B, {self.width}) with B >= 1"
            )
        try:
            fits = np.broadcast_shapes(u.shape, x.shape) == x.shape
        except ValueError:
            fits = False
        if not fits:
            raise ValueError(
                f"u has shape {u.shape}; expected {x.shape} like x, or ({self.width},)"
            )
        if method == "autograd":
            ys = self.forward(Tensor(x, name="x"))
            loss = (ys[-1] * u).sum() * (1.0 / x.shape[0])
            loss.backward()  # every y_l is a node of the graph, so each keeps its .grad
            return np.array([np.linalg.norm(y.grad) for y in ys])
        if method != "by_hand":
            raise ValueError(f"method must be 'by_hand' or 'autograd', got {method!r}")
        ys = self.forward(x)
        g = np.broadcast_to(u / x.shape[0], x.shape)
        norms = [np.linalg.norm(g)]
        for p, y_in in zip(reversed(self.layers), reversed(ys[:-1])):
            g = layer_backward(self.kind, p, y_in, g)
            norms.append(np.linalg.norm(g))
        return np.array(norms[::-1])


def layer_backward(kind: str, p: dict, x: np.ndarray, g: np.ndarray) -> np.ndarray:
    """``dL/dx`` from ``g = dL/dy`` for one layer with input ``x`` (B, n): the chain rule by hand.

    * plain:    ``dL/dx = W^T (g * phi'(a))``
    * residual: ``dL/dx = g + W^T (g * phi'(a))``                  (the ``g`` is the identity path)
    * highway:  ``dL/dx = g * (1 - T) + W^T (g * T * phi'(a)) + W_T^T (g * (H - x) * T (1 - T))``
      (the carry path ``g * (1 - T)`` plays the forget gate: gradient kept where ``T`` is near 0)
    """
    _check_kind(kind)
    H = np.tanh(x @ p["W"].T + p["b"])
    if kind == "plain":
        return (g * (1.0 - H * H)) @ p["W"]
    if kind == "residual":
        return g + (g * (1.0 - H * H)) @ p["W"]
    if kind == "highway":
        T = sigmoid(x @ p["W_T"].T + p["b_T"])
        carry = g * (1.0 - T)
        return carry + (g * T * (1.0 - H * H)) @ p["W"] + (g * (H - x) * T * (1.0 - T)) @ p["W_T"]
    raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
