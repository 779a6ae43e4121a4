"""Reverse-mode automatic differentiation over numpy arrays (the array engine).

A :class:`Tensor` wraps an ndarray. Every operation on tensors returns a new tensor that
remembers its parents and a small ``backward`` closure; :meth:`Tensor.backward` visits the
graph in reverse topological order, found iteratively so that graphs thousands of steps deep
backpropagate without touching Python's recursion limit.

The functions at the bottom (``tanh``, ``sigmoid``, ...) accept either a tensor or a plain
array. On plain arrays they are ordinary numpy calls, so a cell written with them runs fast
without gradients (no graph is recorded) and records a graph when given tensors (for
training).
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

import numpy as np

from .checks import describe, real_array

ArrayLike = np.ndarray | float | int


def unbroadcast(grad: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Sum ``grad`` over the axes that broadcasting added or stretched, to get ``shape``."""
    while grad.ndim > len(shape):
        grad = grad.sum(axis=0)
    for axis, size in enumerate(shape):
        if size == 1 and grad.shape[axis] != 1:
            grad = grad.sum(axis=axis, keepdims=True)
    return grad


class Tensor:
    """An ndarray that records how it was computed, so gradients can flow back to it."""

    __array_ufunc__ = None  # make `ndarray + Tensor` call Tensor.__radd__, not numpy
    __slots__ = ("_backward", "_constant", "_owns_grad", "_parents", "data", "grad", "name")

    def __init__(
        self,
        data: ArrayLike,
        parents: Sequence[Tensor] = (),
        backward: Callable[[np.ndarray], None] | None = None,
        name: str = "",
    ):
        if type(data) is not np.ndarray or data.dtype != np.float64:  # op results skip this
            data = real_array(data, "Tensor data")
        self.data = data
        self.grad: np.ndarray | None = None
        self._owns_grad = False  # True once .grad is an array no other node holds
        self._constant = False  # True for arrays wrapped by as_tensor: no gradient needed
        self._parents = tuple(parents)
        self._backward = backward
        self.name = name

    # -- bookkeeping ---------------------------------------------------------------------
    @property
    def shape(self) -> tuple[int, ...]:
        return self.data.shape

    @property
    def ndim(self) -> int:
        return self.data.ndim

    def __len__(self) -> int:
        return len(self.data)

    def __repr__(self) -> str:
        label = f" {self.name!r}" if self.name else ""
        return f"Tensor{label}(shape={self.shape})"

    def _accumulate(self, g: np.ndarray) -> None:
        if self._constant:
            return
        g = unbroadcast(g, self.data.shape)
        if self.grad is None:
            # a view is copied (keeping its memory order, so a transposed view copies fast);
            # a fresh array is kept as it is and may be shared with another node's gradient
            self._owns_grad = g.base is not None
            self.grad = g.copy(order="K") if self._owns_grad else g
        elif self._owns_grad:
            self.grad += g  # in place: a weight used at every time step adds up without copies
        else:
            self.grad = self.grad + g
            self._owns_grad = True

    def backward(self, grad: ArrayLike | None = None) -> None:
        """Fill ``.grad`` of every tensor this one depends on with d(self)/d(tensor).

        ``grad`` is the gradient flowing into this tensor; it defaults to 1 for a scalar.
        Gradients accumulate (``+=``), as they must when a tensor is used several times.
        """
        if grad is None:
            if self.data.size != 1:
                raise ValueError(
                    f"backward() without a gradient needs a scalar; this tensor has shape "
                    f"{self.shape}. Pass grad= of that shape."
                )
            grad = np.ones_like(self.data)
        grad = real_array(grad, "grad")
        if grad.shape != self.shape:
            raise ValueError(f"grad has shape {grad.shape}; expected {self.shape}")
        with collector_paused():
            order = _topological_order(self)
            self._accumulate(grad)
            for node in reversed(order):
                if node._backward is not None and node.grad is not None:
                    node._backward(node.grad)
        for node in order:  # gradients handed out from now on are never changed in place
            node._owns_grad = False

    # -- arithmetic ----------------------------------------------------------------------
    def __add__(self, other: ArrayLike | Tensor) -> Tensor:
        other = as_tensor(other)
        out = Tensor(self.data + other.data, (self, other))

        def backward(g: np.ndarray) -> None:
            self._accumulate(g)
            other._accumulate(g)

        out._backward = backward
        return out

    __radd__ = __add__

    def __neg__(self) -> Tensor:
        out = Tensor(-self.data, (self,))
        out._backward = lambda g: self._accumulate(-g)
        return out

    def __sub__(self, other: ArrayLike | Tensor) -> Tensor:
        return self + (-as_tensor(other))

    def __rsub__(self, other: ArrayLike | Tensor) -> Tensor:
        return as_tensor(other) + (-self)

    def __mul__(self, other: ArrayLike | Tensor) -> Tensor:
        other = as_tensor(other)
        out = Tensor(self.data * other.data, (self, other))

        def backward(g: np.ndarray) -> None:
            self._accumulate(g * other.data)
            other._accumulate(g * self.data)

        out._backward = backward
        return out

    __rmul__ = __mul__

    def __truediv__(self, other: ArrayLike | Tensor) -> Tensor:
        other = as_tensor(other)
        quotient = self.data / other.data
        out = Tensor(quotient, (self, other))

        def backward(g: np.ndarray) -> None:  # uses `quotient`, not `out`: no reference cycle
            self._accumulate(g / other.data)
            other._accumulate(-g * quotient / other.data)

        out._backward = backward
        return out

    def __rtruediv__(self, other: ArrayLike | Tensor) -> Tensor:
        return as_tensor(other) / self

    def __pow__(self, exponent: float) -> Tensor:
        if not np.isscalar(exponent) or isinstance(exponent, (str, bytes, complex)):
            raise TypeError(f"Tensor ** expects a constant real number, got {describe(exponent)}")
        out = Tensor(self.data**exponent, (self,))
        out._backward = lambda g: self._accumulate(g * exponent * self.data ** (exponent - 1))
        return out

    def __matmul__(self, other: ArrayLike | Tensor) -> Tensor:
        other = as_tensor(other)
        try:
            product = self.data @ other.data
        except ValueError:
            raise ValueError(
                f"cannot multiply shapes {self.shape} @ {other.shape}: the last axis of the left "
                f"operand must equal the second-to-last (or only) axis of the right"
            ) from None
        out = Tensor(product, (self, other))

        def backward(g: np.ndarray) -> None:
            a, b = self.data, other.data
            if self._constant:  # an input x in x @ U.T: skip a product nobody needs
                pass
            elif a.ndim == 1:
                self._accumulate(g @ b.T if b.ndim == 2 else g * b)
            else:
                self._accumulate(g @ np.swapaxes(b, -1, -2) if b.ndim > 1 else np.outer(g, b))
            if other._constant:
                pass
            elif b.ndim == 1:
                other._accumulate(np.swapaxes(a, -1, -2) @ g if a.ndim > 1 else g * a)
            elif a.ndim == 1:
                other._accumulate(np.outer(a, g))
            else:
                other._accumulate(np.swapaxes(a, -1, -2) @ g)

        out._backward = backward
        return out

    def __rmatmul__(self, other: ArrayLike | Tensor) -> Tensor:
        return as_tensor(other) @ self

    # -- shape ---------------------------------------------------------------------------
    @property
    def T(self) -> Tensor:
        out = Tensor(self.data.T, (self,))
        out._backward = lambda g: self._accumulate(g.T)
        return out

    def reshape(self, *shape: int) -> Tensor:
        out = Tensor(self.data.reshape(*shape), (self,))
        out._backward = lambda g: self._accumulate(g.reshape(self.shape))
        return out

    def __getitem__(self, index) -> Tensor:
        out = Tensor(self.data[index], (self,))

        def backward(g: np.ndarray) -> None:
            full = np.zeros_like(self.data)
            np.add.at(full, index, g)
            self._accumulate(full)

        out._backward = backward
        return out

    # -- reductions ----------------------------------------------------------------------
    def sum(self, axis: int | tuple[int, ...] | None = None, keepdims: bool = False) -> Tensor:
        out = Tensor(self.data.sum(axis=axis, keepdims=keepdims), (self,))

        def backward(g: np.ndarray) -> None:
            if axis is not None and not keepdims:
                g = np.expand_dims(g, axis)
            self._accumulate(np.broadcast_to(g, self.shape))

        out._backward = backward
        return out

    def mean(self, axis: int | tuple[int, ...] | None = None, keepdims: bool = False) -> Tensor:
        total = self.sum(axis=axis, keepdims=keepdims)
        return total * (total.data.size / self.data.size)


def as_tensor(x: ArrayLike | Tensor) -> Tensor:
    """Return ``x`` if it is a tensor, else a constant tensor (no parents) holding it.

    Nobody can reach a constant made here, so backward passes skip its gradient.
    """
    if isinstance(x, Tensor):
        return x
    out = Tensor(x)
    out._constant = True
    return out


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for the block, and restore its state on exit,
    normal or by an exception.

    Building and differentiating a graph of T steps allocates many small objects, and the
    collector walks all the live ones each time it runs: at T = 5,000 that walk took 40% of a
    training step. The engine's graphs hold no reference cycles (every ``backward`` closure
    points to its parents, never to its own output), so reference counting frees each graph as
    soon as it is dropped and nothing piles up while the collector sleeps. Nested blocks are
    fine: only the outermost one turns the collector back on.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _topological_order(root: Tensor) -> list[Tensor]:
    """Nodes reachable from ``root``, parents before children, without recursion."""
    order: list[Tensor] = []
    visited: set[int] = set()
    stack: list[tuple[Tensor, bool]] = [(root, False)]
    while stack:
        node, parents_done = stack.pop()
        if parents_done:
            order.append(node)
            continue
        if id(node) in visited:
            continue
        visited.add(id(node))
        stack.append((node, True))
        for parent in node._parents:
            if id(parent) not in visited:
                stack.append((parent, False))
    return order


# ---------------------------------------------------------------------------------------
# Functions that work on tensors and on plain arrays alike.
# ---------------------------------------------------------------------------------------


def _unary(x, value: np.ndarray, local_grad: Callable[[np.ndarray], np.ndarray]):
    """Wrap an elementwise op: ``value`` = f(x.data), ``local_grad(value)`` = f'(x)."""
    out = Tensor(value, (x,))
    out._backward = lambda g: x._accumulate(g * local_grad(value))
    return out


def tanh(x):
    """tanh; derivative 1 - y**2."""
    if not isinstance(x, Tensor):
        return np.tanh(x)
    return _unary(x, np.tanh(x.data), lambda y: 1.0 - y * y)


def _sigmoid(a: np.ndarray) -> np.ndarray:
    # 0.5 * (1 + tanh(a / 2)) is the logistic function, stable for large |a|
    return 0.5 * (1.0 + np.tanh(0.5 * a))


def sigmoid(x):
    """Logistic sigmoid 1 / (1 + exp(-x)); derivative y * (1 - y)."""
    if not isinstance(x, Tensor):
        return _sigmoid(x)
    return _unary(x, _sigmoid(x.data), lambda y: y * (1.0 - y))


def relu(x):
    """max(x, 0); derivative 1 where x > 0."""
    if not isinstance(x, Tensor):
        return np.maximum(x, 0.0)
    return _unary(x, np.maximum(x.data, 0.0), lambda y: (y > 0).astype(np.float64))


def exp(x):
    """exp; derivative y."""
    if not isinstance(x, Tensor):
        return np.exp(x)
    return _unary(x, np.exp(x.data), lambda y: y)


def log(x):
    """Natural log; derivative 1 / x."""
    if not isinstance(x, Tensor):
        return np.log(x)
    data = x.data
    return _unary(x, np.log(data), lambda y: 1.0 / data)


def sqrt(x):
    """Square root; derivative 1 / (2 y)."""
    if not isinstance(x, Tensor):
        return np.sqrt(x)
    return _unary(x, np.sqrt(x.data), lambda y: 0.5 / y)


def absolute(x):
    """|x|; derivative sign(x)."""
    if not isinstance(x, Tensor):
        return np.abs(x)
    sign = np.sign(x.data)
    return _unary(x, np.abs(x.data), lambda y: sign)


def concat(items: Sequence, axis: int = -1):
    """Concatenate arrays or tensors along ``axis``."""
    if not any(isinstance(t, Tensor) for t in items):
        return np.concatenate(items, axis=axis)
    tensors = [as_tensor(t) for t in items]
    out = Tensor(np.concatenate([t.data for t in tensors], axis=axis), tensors)
    splits = np.cumsum([t.shape[axis] for t in tensors])[:-1]

    def backward(g: np.ndarray) -> None:
        for t, piece in zip(tensors, np.split(g, splits, axis=axis)):
            t._accumulate(piece)

    out._backward = backward
    return out


def stack(items: Sequence, axis: int = 0):
    """Stack arrays or tensors along a new ``axis``."""
    if not any(isinstance(t, Tensor) for t in items):
        return np.stack(items, axis=axis)
    tensors = [as_tensor(t) for t in items]
    out = Tensor(np.stack([t.data for t in tensors], axis=axis), tensors)

    def backward(g: np.ndarray) -> None:
        for k, t in enumerate(tensors):
            t._accumulate(np.take(g, k, axis=axis))

    out._backward = backward
    return out


def data_of(x) -> np.ndarray:
    """The plain array inside ``x`` (a tensor or an array)."""
    return x.data if isinstance(x, Tensor) else np.asarray(x)


def tensors(arrays: dict[str, np.ndarray]) -> dict[str, Tensor]:
    """Fresh leaf tensors (gradients start empty) for a dict of named arrays."""
    return {k: Tensor(v, name=k) for k, v in arrays.items()}


def grads_of(leaves: dict[str, Tensor]) -> dict[str, np.ndarray]:
    """Gradients of named leaf tensors; zeros where no gradient reached a leaf."""
    return {k: (t.grad if t.grad is not None else np.zeros_like(t.data)) for k, t in leaves.items()}
