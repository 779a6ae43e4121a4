"""Residual and highway layers (rnnlib/layers.py): gradients against finite differences and the
engine, the equations, a stack's gradient norms by hand and by autograd, argument checks."""

from __future__ import annotations

import numpy as np
import pytest

from rnnlib import sigmoid
from rnnlib.autograd import Tensor
from rnnlib.gradcheck import numerical_gradient, relative_error
from rnnlib.layers import KINDS, LAYERS, Stack, layer_backward


def random_layer(kind: str, n: int, rng) -> dict:
    """A layer with every parameter random (weights and biases, the gate's too)."""
    p = {"W": rng.normal(0, 0.6, (n, n)), "b": rng.normal(0, 0.5, n)}
    if kind == "highway":
        p.update(W_T=rng.normal(0, 0.6, (n, n)), b_T=rng.normal(-1, 0.5, n))
    return p


@pytest.mark.parametrize("kind", KINDS)
def test_layer_gradients_match_finite_differences(kind):
    rng = np.random.default_rng(11)
    p = random_layer(kind, 5, rng)
    x = rng.normal(size=(3, 5))
    u = rng.normal(size=(3, 5))

    leaves = {k: Tensor(v) for k, v in p.items()}
    xt = Tensor(x)
    (LAYERS[kind](leaves, xt) * u).sum().backward()

    def f():
        return float((LAYERS[kind](p, x) * u).sum())

    for k, v in p.items():
        assert relative_error(leaves[k].grad, numerical_gradient(f, v, eps=1e-5)) < 1e-6, k
    assert relative_error(xt.grad, numerical_gradient(f, x, eps=1e-5)) < 1e-6
    # the hand-derived backward agrees with the engine
    assert relative_error(layer_backward(kind, p, x, u), xt.grad) < 1e-12


def test_layers_read_like_their_equations():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2, 4))
    p = random_layer("highway", 4, rng)
    H = np.tanh(x @ p["W"].T + p["b"])
    T = sigmoid(x @ p["W_T"].T + p["b_T"])
    assert np.allclose(LAYERS["highway"](p, x), T * H + (1 - T) * x)
    assert np.allclose(LAYERS["residual"](p, x), x + H)
    assert np.allclose(LAYERS["plain"](p, x), H)
    # a very negative carry bias makes the highway layer (nearly) the identity
    p["b_T"][:] = -40.0
    assert np.allclose(LAYERS["highway"](p, x), x)


@pytest.mark.parametrize("kind", KINDS)
def test_stack_gradient_norms_by_hand_equal_autograd(kind):
    rng = np.random.default_rng(3)
    stack = Stack(kind, 16, 60, rng, gate_bias=-3.0, init_scale=0.9)
    x, u = rng.normal(size=(4, 16)), rng.normal(size=16)
    a = stack.gradient_norms(x, u, method="autograd")
    b = stack.gradient_norms(x, u, method="by_hand")
    assert a.shape == (61,)
    assert np.allclose(a, b, rtol=1e-10, atol=1e-300)
    assert a[-1] == pytest.approx(np.linalg.norm(np.broadcast_to(u / 4, (4, 16))))


def test_stack_rejects_bad_arguments():
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="kind must be one of"):
        Stack("dense", 4, 3, rng)
    with pytest.raises(ValueError, match="depth"):
        Stack("plain", 4, 0, rng)
    with pytest.raises(ValueError, match="method"):
        Stack("plain", 4, 2, rng).gradient_norms(np.ones((1, 4)), np.ones(4), method="magic")
