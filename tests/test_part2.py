"""Tests of Part II: experiments, widget logic (no kernel), plots, exercises."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pytest

import rnnlib
from rnnlib.exercises import part2 as exercises
from rnnlib.experiments import part2 as ex
from rnnlib.plots import part2 as plots
from rnnlib.widgets import part2 as widgets


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


# -- experiments -----------------------------------------------------------------------------


@pytest.mark.parametrize("bias", [-4.0, 0.0, 3.0, 6.0])
def test_fast_grads_equal_bptt(bias):
    fast = ex.lstm_cell_grads_fast(T=40, forget_bias=bias)
    np.testing.assert_allclose(fast["lstm"], ex.state_grad_norms("lstm", T=40, keep_bias=bias),
                               rtol=1e-9)
    np.testing.assert_allclose(fast["vanilla"], ex.state_grad_norms("vanilla", T=40), rtol=1e-9)


def test_forget_bias_lets_gradient_travel():
    low = ex.lstm_cell_grads_fast(T=100, forget_bias=0.0)["lstm"]
    high = ex.lstm_cell_grads_fast(T=100, forget_bias=4.0)["lstm"]
    assert high[0] / high[-2] > 1e3 * low[0] / low[-2]


def test_pulse_timing_task():
    task = ex.PulseTiming(length=12, delay=4)
    xs, ys, _cues = task.sample(np.random.default_rng(0), 50)
    assert xs.shape == ys.shape == (12, 50, 1)
    assert np.all(xs.sum(axis=0) == 1) and np.all(ys.sum(axis=0) == 1)
    np.testing.assert_array_equal(np.argmax(ys[:, :, 0], 0) - np.argmax(xs[:, :, 0], 0), 4)
    with pytest.raises(ValueError):
        ex.PulseTiming(length=5, delay=5)


def test_train_timing_learns_and_is_seeded():
    a = ex.train_timing("lstm", seed=0, steps=60, task=ex.PulseTiming(10, 3), record=True)
    b = ex.train_timing("lstm", seed=0, steps=60, task=ex.PulseTiming(10, 3))
    np.testing.assert_array_equal(a["loss"], b["loss"])
    assert a["loss"][-5:].mean() < a["loss"][:5].mean()
    assert a["norm"].shape == (60,) and np.all((a["saturated"] >= 0) & (a["saturated"] <= 1))


def test_shadow_state_demo():
    d = ex.shadow_state_demo()
    np.testing.assert_allclose(d["h"][1:], d["o"] * np.tanh(d["c"][1:]))
    np.testing.assert_array_equal(d["h_changed_input"][:-1], d["h"][:-1])  # past untouched
    assert not np.allclose(d["o_changed_input"][-1], d["o"][-1])


# -- widgets: each control at its extremes and typical values, no kernel -------------------


@pytest.mark.parametrize("bias,T", [(-4.0, 10), (0.0, 100), (6.0, 300), (2.5, 50)])
def test_forget_bias_widget_plots_bptt(bias, T):
    pytest.importorskip("ipywidgets")
    widget = widgets.forget_bias_widget()
    widget.controls["forget_bias"].value = bias
    widget.controls["T"].value = T
    line = widget.view.lstm_line
    # the widget's fast reverse pass against the general engine (rnnlib.bptt), at every length
    want = ex.state_grad_norms("lstm", T=T, n=16, keep_bias=bias, seed=0)
    np.testing.assert_allclose(line.get_ydata(), np.maximum(want, 1e-30), rtol=1e-9)
    assert len(line.get_xdata()) == T + 1
    assert widget.view.legend.get_texts()[0].get_text().endswith(f"{bias:+.1f} (measured)")


# -- plots and diagrams ----------------------------------------------------------------------


def test_shadow_state_and_grad_flow_plots_draw_their_data():
    d = ex.shadow_state_demo()
    left, right = plots.plot_shadow_state(d).axes
    c_line, h_line = left.get_lines()
    np.testing.assert_array_equal(c_line.get_ydata(), d["c"][:, 0])
    np.testing.assert_array_equal(h_line.get_ydata(), d["h"][:, 0])
    o_line, o_changed = right.get_lines()
    np.testing.assert_array_equal(o_line.get_ydata(), d["o"][:, 0])
    np.testing.assert_array_equal(o_changed.get_ydata(), d["o_changed_input"][:, 0])
    norms = np.array([1e-3, 1e-2, 1e-1, 1.0, 1.0])
    ax = plots.plot_grad_flow({"lstm": norms}).axes[0]
    assert any(np.allclose(line.get_ydata(), norms) for line in ax.get_lines())


# -- exercises -------------------------------------------------------------------------------


def test_exercise_checks(capsys):
    # the checks of chapters 4 and 5 are tested in tests/book/test_gates.py and
    # tests/book/test_state_growth.py
    f = 0.5 ** (1 / 100)
    assert exercises.check_forget_bias(np.log(f / (1 - f)))
    d = exercises.peephole_data()
    cell = rnnlib.make_cell("peephole", 2, 3, np.random.default_rng(5))
    assert exercises.check_peephole_step(cell.step(d["params"], (d["c"], d["h"]), d["x"])[1])
    assert "correct" in capsys.readouterr().out
