"""Part III, residual and highway layers: gradients, the depth experiment and the depth widget."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest

from rnnlib.autograd import Tensor
from rnnlib.exercises import part3 as ex
from rnnlib.experiments import part3 as exp
from rnnlib.gradcheck import numerical_gradient, relative_error
from rnnlib.layers import KINDS, LAYERS, Stack, layer_backward
from rnnlib.plots.part3 import plot_gradient_norms
from rnnlib.widgets import part3 as wid


def random_layer(kind: str, n: int, rng) -> dict:
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
    T = 1 / (1 + np.exp(-(x @ p["W_T"].T + p["b_T"])))
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


def test_depth_experiment_shows_claim_11():
    """Claim 11: 100 layers; the plain stack loses the gradient, residual and carry-biased
    highway stacks keep it; a highway with carry bias 0 loses it like the plain stack."""
    curves = exp.depth_gradients(depth=100, gate_biases=(-6.0, -4.0, -2.0, 0.0))
    top = curves["plain"][-1]
    for norms in curves.values():
        assert norms.shape == (101,) and norms[-1] == pytest.approx(top)
    assert curves["plain"][0] / top < 1e-6
    assert curves["residual"][0] / top > 1.0
    assert curves["highway b_T=-6"][0] / top > 0.3
    assert curves["highway b_T=0"][0] / top < 1e-6
    # more carry, more gradient: monotone in the bias
    firsts = [curves[f"highway b_T={b}"][0] for b in (-6, -4, -2, 0)]
    assert firsts == sorted(firsts, reverse=True)


def test_deeper_stack_is_a_prefix_of_the_same_weights():
    a = exp.deep_stack("highway", 30, -2.0)
    b = exp.deep_stack("highway", 120, -2.0)
    for pa, pb in zip(a.layers, b.layers[:30]):
        assert all(np.array_equal(pa[k], pb[k]) for k in pa)
    with pytest.raises(ValueError, match="depth must lie"):
        exp.deep_stack("plain", 500)


def test_carry_product():
    assert exp.carry_product(0.0, 1) == pytest.approx(0.5)
    assert exp.carry_product(-40.0, 100) == pytest.approx(1.0)
    assert exp.carry_product(-2.0, 60) == pytest.approx((1 - 1 / (1 + np.exp(2))) ** 60)


@pytest.mark.parametrize(
    "depth, bias, scale",
    [(10, -8.0, 0.4), (200, 4.0, 1.6), (100, -2.0, 0.8), (50, 0.0, 1.0), (200, -8.0, 0.8)],
)
def test_depth_view_is_what_rnnlib_computes(depth, bias, scale):
    view = wid.depth_view(depth, bias, scale)
    assert set(view) == {"plain", "residual", f"highway b_T={bias:g}"}
    x, u = exp.probe_batch()
    for label, kind in (("plain", "plain"), ("residual", "residual"), (f"highway b_T={bias:g}", "highway")):
        stack = Stack(kind, 32, depth, np.random.default_rng(0), gate_bias=bias if kind == "highway" else 0.0,
                      init_scale=scale)
        assert np.array_equal(view[label], stack.gradient_norms(x, u))
        assert np.all(np.isfinite(view[label])) and view[label].shape == (depth + 1,)


@pytest.mark.parametrize(
    "depth, bias, scale",
    [(10, -8.0, 0.4), (200, 4.0, 1.6), (100, -2.0, 0.8), (60, -4.5, 1.2)],
)
def test_depth_widget_plots_what_rnnlib_computes(depth, bias, scale):
    pytest.importorskip("ipywidgets")
    explorer = wid.depth_widget()
    controls = explorer.controls
    controls["depth"].value, controls["gate_bias"].value, controls["init_scale"].value = depth, bias, scale
    view = wid.depth_view(depth, bias, scale)
    for label, norms in view.items():
        line = explorer.view.lines[label.split()[0]]
        assert np.array_equal(line.get_xdata(), np.arange(depth + 1))
        assert np.array_equal(line.get_ydata(), np.maximum(norms, 1e-300))
    assert explorer.view.caption.get_text() == f"depth {depth}, b_T {bias:g}, scale {scale:g}"
    png = explorer.image.value
    assert png[:8] == b"\x89PNG\r\n\x1a\n"


def test_depth_widget_slider_limits():
    pytest.importorskip("ipywidgets")
    c = wid.depth_widget().controls
    assert (c["depth"].min, c["depth"].max) == (10, 200)
    assert (c["gate_bias"].min, c["gate_bias"].max) == (-8.0, 4.0)
    assert (c["init_scale"].min, c["init_scale"].max) == (0.4, 1.6)


def test_static_gradient_plot_draws_the_curves():
    curves = exp.depth_gradients(depth=50, gate_biases=(-2.0,))
    fig = plot_gradient_norms(curves)
    drawn = {line.get_label(): line.get_ydata() for line in fig.axes[0].get_lines()}
    assert all(np.array_equal(drawn[k], np.maximum(v, 1e-300)) for k, v in curves.items())
    assert fig.axes[0].get_xlabel() and fig.axes[0].get_ylabel() and fig.axes[0].get_title()
    plt.close(fig)


def test_exercise_checks(capsys):
    assert ex.check_carry_bias(ex.carry_bias_for(0.5, 100))
    assert not ex.check_carry_bias(-2.0)
    out = capsys.readouterr().out
    assert "correct" in out and "not yet" in out
