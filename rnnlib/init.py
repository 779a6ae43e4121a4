"""Weight initializers: each takes a random generator and a shape ``(n_out, n_in)``.

``uniform``    entries i.i.d. Uniform[-r, r] with r = sqrt(3 / n_out): every column then has
               expected squared norm 1 (for a square matrix this equals Glorot's range).
``glorot``     Uniform[-r, r] with r = sqrt(6 / (n_in + n_out)) (Glorot and Bengio 2010).
``orthogonal`` a random (semi-)orthogonal matrix times ``scale``: all singular values equal.
``identity``   ``scale`` times the identity (square matrices only).
``normal``     entries N(0, scale**2 / n_in): for a large square matrix the spectral radius is
               close to ``scale`` (the circular law), so ``scale`` reads as a radius.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import numpy as np

from .checks import describe, generator, integer, number

Initializer = Callable[[np.random.Generator, tuple[int, int]], np.ndarray]


def _check(rng, shape, scale) -> None:
    """The arguments every initializer takes: a Generator, a 2-tuple of sizes, a finite scale."""
    generator(rng)
    if not isinstance(shape, tuple) or len(shape) != 2:
        raise ValueError(f"shape must be a tuple (n_out, n_in), got {shape!r}")
    for label, size in zip(("n_out", "n_in"), shape):
        integer(size, f"shape's {label}")
    number(scale, "scale")


def uniform(rng: np.random.Generator, shape: tuple[int, int], scale: float = 1.0) -> np.ndarray:
    """Uniform[-r, r] with r = scale * sqrt(3 / n_out)."""
    _check(rng, shape, scale)
    r = scale * np.sqrt(3.0 / shape[0])
    return rng.uniform(-r, r, size=shape)


def glorot(rng: np.random.Generator, shape: tuple[int, int], scale: float = 1.0) -> np.ndarray:
    """Uniform[-r, r] with r = scale * sqrt(6 / (n_in + n_out))."""
    _check(rng, shape, scale)
    r = scale * np.sqrt(6.0 / (shape[0] + shape[1]))
    return rng.uniform(-r, r, size=shape)


def orthogonal(rng: np.random.Generator, shape: tuple[int, int], scale: float = 1.0) -> np.ndarray:
    """``scale`` times a random matrix with orthonormal rows or columns (QR of a Gaussian)."""
    _check(rng, shape, scale)
    n_out, n_in = shape
    a = rng.standard_normal((max(shape), min(shape)))
    q, r = np.linalg.qr(a)
    q = q * np.sign(np.diag(r))  # make the draw uniform over orthogonal matrices
    return scale * (q if n_out >= n_in else q.T)


def identity(rng: np.random.Generator, shape: tuple[int, int], scale: float = 1.0) -> np.ndarray:
    """``scale`` times the identity; only for square matrices."""
    _check(rng, shape, scale)
    if shape[0] != shape[1]:
        raise ValueError(f"identity init needs a square shape, got {shape}")
    return scale * np.eye(shape[0])


def normal(rng: np.random.Generator, shape: tuple[int, int], scale: float = 1.0) -> np.ndarray:
    """N(0, scale**2 / n_in) entries; ``scale`` is about the spectral radius when square."""
    _check(rng, shape, scale)
    return rng.normal(0.0, scale / np.sqrt(shape[1]), size=shape)


INITIALIZERS: dict[str, Initializer] = {
    "uniform": uniform,
    "glorot": glorot,
    "orthogonal": orthogonal,
    "identity": identity,
    "normal": normal,
}


def get_initializer(init: str | Initializer, scale: float = 1.0) -> Initializer:
    """Look up an initializer by name (with ``scale``), or return a callable unchanged.

    ``scale`` must be a finite number (negative flips the signs). A callable ``init`` is
    called as ``init(rng, shape)``; it sets its own scale, so ``scale`` must stay 1.
    """
    scale = number(scale, "init_scale")
    if callable(init):
        if scale != 1.0:
            raise ValueError(
                f"init_scale={scale!r} would be ignored by a callable init "
                f"({describe(init)}); scale inside the callable, or use a named init"
            )
        return init
    if not isinstance(init, str):
        raise TypeError(f"init must be a name or a callable, got {type(init).__name__}")
    if init not in INITIALIZERS:
        raise ValueError(f"unknown initializer {init!r}; expected one of {sorted(INITIALIZERS)}")
    return partial(INITIALIZERS[init], scale=scale)
