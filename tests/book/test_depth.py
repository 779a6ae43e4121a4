"""Chapter 8 (rnnlib/book/depth.py): the depth experiment, its figure, the depth widget and the
exercise check. The layers themselves are tested in tests/test_layers.py."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest

from rnnlib import sigmoid
from rnnlib.book import depth, style
from rnnlib.layers import Stack


def test_depth_experiment_shows_claim_11():
    """Claim 11: 100 layers; the plain stack loses the gradient, residual and carry-biased
    highway stacks keep it; a highway with carry bias 0 loses it like the plain stack."""
    curves = depth.depth_gradients(depth=100, gate_biases=(-6.0, -4.0, -2.0, 0.0))
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
    a = depth.deep_stack("highway", 30, -2.0)
    b = depth.deep_stack("highway", 120, -2.0)
    for pa, pb in zip(a.layers, b.layers[:30]):
        assert all(np.array_equal(pa[k], pb[k]) for k in pa)
    with pytest.raises(ValueError, match="depth must lie"):
        depth.deep_stack("plain", 500)


def test_carry_product():
    assert depth.carry_product(0.0, 1) == pytest.approx(0.5)
    assert depth.carry_product(-40.0, 100) == pytest.approx(1.0)
    assert depth.carry_product(-2.0, 60) == pytest.approx((1 - sigmoid(-2.0)) ** 60)


@pytest.mark.parametrize(
    "n_layers, bias, scale",
    [(10, -8.0, 0.4), (200, 4.0, 1.6), (100, -2.0, 0.8), (50, 0.0, 1.0), (200, -8.0, 0.8)],
)
def test_depth_view_is_what_rnnlib_computes(n_layers, bias, scale):
    view = depth.depth_view(n_layers, bias, scale)
    assert set(view) == {"plain", "residual", f"highway b_T={bias:g}"}
    x, u = depth.probe_batch()
    for label, kind in (
        ("plain", "plain"),
        ("residual", "residual"),
        (f"highway b_T={bias:g}", "highway"),
    ):
        stack = Stack(
            kind,
            32,
            n_layers,
            np.random.default_rng(0),
            gate_bias=bias if kind == "highway" else 0.0,
            init_scale=scale,
        )
        assert np.array_equal(view[label], stack.gradient_norms(x, u))
        assert np.all(np.isfinite(view[label])) and view[label].shape == (n_layers + 1,)


@pytest.mark.parametrize(
    "n_layers, bias, scale",
    [(10, -8.0, 0.4), (200, 4.0, 1.6), (100, -2.0, 0.8), (60, -4.5, 1.2)],
)
def test_depth_widget_plots_what_rnnlib_computes(n_layers, bias, scale):
    pytest.importorskip("ipywidgets")
    explorer = depth.depth_widget()
    controls = explorer.controls
    controls["depth"].value, controls["gate_bias"].value = n_layers, bias
    controls["init_scale"].value = scale
    view = depth.depth_view(n_layers, bias, scale)
    for label, norms in view.items():
        line = explorer.view.lines[label.split()[0]]
        assert np.array_equal(line.get_xdata(), np.arange(n_layers + 1))
        assert np.array_equal(line.get_ydata(), np.maximum(norms, 1e-300))
    caption = f"depth {n_layers}, b_T {bias:g}, scale {scale:g}"
    assert explorer.view.caption.get_text() == caption
    png = explorer.image.value
    assert png[:8] == b"\x89PNG\r\n\x1a\n"


def test_depth_widget_slider_limits():
    pytest.importorskip("ipywidgets")
    c = depth.depth_widget().controls
    assert (c["depth"].min, c["depth"].max) == (10, 200)
    assert (c["gate_bias"].min, c["gate_bias"].max) == (-8.0, 4.0)
    assert (c["init_scale"].min, c["init_scale"].max) == (0.4, 1.6)


def test_depth_widget_figure_is_described_and_in_the_book_style():
    pytest.importorskip("ipywidgets")
    explorer = depth.depth_widget()
    assert explorer.alt_text() == depth.GradientNormFigure.DESCRIPTION
    assert explorer.view.figure._wm_description == depth.GradientNormFigure.DESCRIPTION
    ax = explorer.view.ax
    assert not any(line.get_visible() for line in ax.get_ygridlines())
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert "10⁻¹²" in labels and "10⁰" in labels and not any("e" in t for t in labels)
    colors = {k: line.get_color() for k, line in explorer.view.lines.items()}
    assert colors == {"plain": style.GREY, "residual": style.BLUE, "highway": style.GREEN}


def test_static_gradient_plot_draws_the_curves():
    curves = depth.depth_gradients(depth=50, gate_biases=(-2.0,))
    fig = depth.plot_gradient_norms(curves)
    ax = fig.axes[0]
    drawn = {line.get_label(): line.get_ydata() for line in ax.get_lines()}
    assert all(np.array_equal(drawn[k], np.maximum(v, 1e-300)) for k, v in curves.items())
    assert ax.get_xlabel() and ax.get_ylabel() and ax.get_title()
    # the book style: plain-text decades, no grid, the stacks' named colours
    fig.canvas.draw()
    labels = [t.get_text() for t in ax.get_yticklabels() if t.get_text()]
    assert labels and all(t.startswith("10") for t in labels)
    assert not any(line.get_visible() for line in ax.get_ygridlines())
    colors = {line.get_label(): line.get_color() for line in ax.get_lines()}
    assert colors["plain"] == style.GREY and colors["residual"] == style.BLUE
    # the description gives the ratios the figure draws
    text = fig._wm_description
    for label, norms in curves.items():
        assert f"{label} {depth._ratio_text(norms[0] / norms[-1])}" in text
    assert "l = 0..50" in text
    plt.close(fig)


def test_exercise_checks(capsys):
    assert depth.check_carry_bias(depth.carry_bias_for(0.5, 100))
    assert depth.carry_product(depth.carry_bias_for(0.5, 100), 100) == pytest.approx(0.5)
    assert not depth.check_carry_bias(-2.0)
    out = capsys.readouterr().out
    assert "correct" in out and "not yet" in out
    assert f"{depth.carry_bias_for(0.5, 100):.3g}" not in out  # the answer is never printed
