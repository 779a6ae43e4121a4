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


def test_prototype_state_grows_with_gates_open():
    tr = ex.gate_trace("prototype", T=120, fixed={"i": 1.0, "f": 1.0, "o": 1.0})
    assert tr["norms"][-1] > 3 * tr["norms"][40] / 2 > 0
    assert np.all(np.diff(np.abs(tr["states"][:, 0]).max(axis=-1))[5:] >= -1.0)
    # growth is at most 1 per element and step
    assert np.all(np.abs(tr["states"][-1]) <= 120)


@pytest.mark.parametrize("scale", [0.5, 1.0, 4.0])
@pytest.mark.parametrize("fixed", [None, {"r": 1.0, "z": 0.0}, {"r": 0.0, "z": 1.0}])
def test_gru_state_stays_in_unit_box(scale, fixed):
    tr = ex.gate_trace("gru", T=150, weight_scale=scale, input_scale=5.0, fixed=fixed, batch=3)
    assert np.all(np.abs(tr["states"]) <= 1.0 + 1e-12)


def test_normalized_state_variance_below_one():
    tr = ex.gate_trace("normalized", T=100, weight_scale=4.0, fixed={"i": 1.0, "f": 1.0})
    assert np.all(tr["states"][1:].var(axis=-1) < 1.0)


def test_boundedness_table_prototype_runs_away_only_at_large_scale():
    tb = ex.boundedness_table(cells=("prototype", "gru"), scales=(1.0, 4.0), T=150, n=16, batch=2)
    assert tb["norm"][0, 1] > 10 * tb["norm"][1, 1]
    assert tb["saturated"][0, 1] > 0.5
    assert np.all(tb["norm"][1] <= 4.0 + 1e-9)  # GRU: at most sqrt(16)


def test_saturated_fraction_counts_only_computed_gates():
    tr = ex.gate_trace("lstm", T=20, fixed={"i": 1.0, "f": 1.0, "o": 1.0})
    assert np.all(np.isnan(tr["saturated"]))
    tr = ex.gate_trace("lstm", T=20, fixed={"i": 1.0, "f": 1.0})
    o = tr["gates"]["o"]
    want = np.mean((o < 0.01) | (o > 0.99), axis=(1, 2))
    np.testing.assert_allclose(tr["saturated"], want)


def test_gate_trace_rejects_unknown_gates():
    with pytest.raises(ValueError, match="cannot pin"):
        ex.gate_trace("gru", fixed={"i": 1.0})


def test_message_survival():
    m = ex.message_survival(T=60)
    np.testing.assert_allclose(m["written"]["ratio"], 1.0, atol=1e-9)
    np.testing.assert_allclose(m["written"]["grad"], 1.0, atol=1e-9)
    assert m["vanilla"]["ratio"][-1] < 1e-3
    assert m["uncoordinated"]["ratio"][-1] > 2.0


def test_vanilla_difference_is_exact_where_subtraction_is_not():
    rng = np.random.default_rng(0)
    cell = rnnlib.make_cell("vanilla", 4, 16, rng)
    xs = rng.normal(size=(200, 1, 4))
    a = rnnlib.run(cell, xs, state0=rng.normal(size=(1, 16))).state_array()[:, 0]
    b = rnnlib.run(cell, xs, state0=rng.normal(size=(1, 16))).state_array()[:, 0]
    d = ex._vanilla_difference(cell, a, b)
    # while the difference is large, the recurrence equals plain subtraction
    big = np.linalg.norm(a - b, axis=1) > 1e-6
    assert big[:5].all()
    np.testing.assert_allclose(d[big], (a - b)[big], rtol=1e-8, atol=1e-14)
    # far below the float64 floor of the states it still equals the difference computed
    # with 60 significant digits (mpmath, which PyTorch's sympy brings along)
    mpmath = pytest.importorskip("mpmath")
    mpmath.mp.dps = 60
    W, U, bias = (cell.params[k] for k in ("W", "U", "b"))

    def exact_run(s0):
        s = [mpmath.mpf(v) for v in s0]
        for x in xs[:, 0]:
            s = [mpmath.tanh(sum(W[j, k] * s[k] for k in range(16))
                             + sum(U[j, k] * x[k] for k in range(4)) + bias[j])
                 for j in range(16)]
        return s

    want = np.array([float(p - q) for p, q in zip(exact_run(a[0]), exact_run(b[0]))])
    assert np.linalg.norm(want) < 1e-12 * np.linalg.norm(a[-1])  # below the floor: a real test
    np.testing.assert_allclose(d[-1], want, rtol=1e-9)
    with pytest.raises(ValueError, match="tanh"):
        ex._vanilla_difference(rnnlib.make_cell("vanilla", 4, 3, rng, activation="relu"),
                               a[:, :3], b[:, :3])


def test_read_write_asymmetry():
    r = ex.read_write_asymmetry(n=6, unit=2, seed=3)
    assert np.count_nonzero(r["write_change"]) == 1 and r["write_change"][2] != 0
    assert np.count_nonzero(np.abs(r["read_change"]) > 1e-12) == 6
    # switching off a write removes exactly i * candidate from that element
    g = r["gates"]
    np.testing.assert_allclose(-r["write_change"][2], r["s"][2] - g["f"][2] * r["s_prev"][2])
    stats = ex.read_write_statistics(n=6, draws=50)
    assert stats["read"]["changed"] == 6 and stats["write"]["changed"] == 1
    assert stats["write"]["size"] > stats["read"]["size"]
    assert stats["read"]["largest"] >= stats["read"]["size"]
    assert stats["write"]["largest"] == pytest.approx(stats["write"]["size"])
    assert 0.5 < stats["write_beats_read"] < 1.0  # usually, not always: the chapter says so


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


@pytest.fixture(scope="module")
def playground():
    pytest.importorskip("ipywidgets")
    return widgets.gate_playground()


@pytest.mark.parametrize("cell", widgets.PLAYGROUND_CELLS)
@pytest.mark.parametrize("mode,value,input_scale,weight_scale,T", [
    ("pinned", 0.0, 0.0, 0.25, 100), ("pinned", 1.0, 5.0, 4.0, 400),
    ("pinned", 0.5, 1.0, 1.0, 150), ("random", 0.5, 5.0, 4.0, 100),
])
def test_playground_plots_what_rnnlib_computes(playground, cell, mode, value, input_scale,
                                               weight_scale, T):
    settings = {"cell": cell, "mode": mode, "i": value, "f": value, "o": value, "r": value,
                "z": value, "input_scale": input_scale, "weight_scale": weight_scale, "T": T}
    for name, v in settings.items():
        playground.controls[name].value = v
    assert playground.values() == settings
    # recompute independently with rnnlib
    rng = np.random.default_rng(0)
    c = rnnlib.make_cell(cell, 4, 16, rng, init_scale=weight_scale)
    for k, v in c.params.items():
        if k.startswith("b"):
            c.params[k] = rng.uniform(-1, 1, size=v.shape) * weight_scale * 0.5
    xs = rng.normal(size=(T, 4, 4)) * input_scale
    fixed = {g: value for g in c.gate_names} if mode == "pinned" else {}
    traj = rnnlib.run(c, xs, probe=rnnlib.GateProbe(fixed=fixed))
    states = traj.state_array(0)
    view = playground.view
    np.testing.assert_allclose(view.unit_lines[0].get_ydata(), states[:, 0, 0])
    np.testing.assert_allclose(view.norm_line.get_ydata(),
                               np.linalg.norm(states, axis=-1).mean(axis=1))
    np.testing.assert_allclose(view.output_lines[0].get_ydata(), traj.outputs[:, 0, 0])
    assert view.saturated_line.get_visible() == (mode == "random")
    assert view.pinned_note.get_visible() == (mode == "pinned")
    if mode == "random":
        sat = view.saturated_line.get_ydata()
        assert np.all((sat >= 0) & (sat <= 1))
    assert playground.image.value[:8] == b"\x89PNG\r\n\x1a\n" and not playground.status.value


def test_playground_enables_only_the_sliders_that_act(playground):
    for cell in widgets.PLAYGROUND_CELLS:
        for mode in ("pinned", "random"):
            playground.controls["cell"].value = cell
            playground.controls["mode"].value = mode
            enabled = {g for g in widgets.ALL_GATES if not playground.controls[g].disabled}
            assert enabled == (set(ex.gate_names(cell)) if mode == "pinned" else set())


def test_playground_default_shows_prototype_growing():
    trace = widgets.playground_compute()
    assert trace["norms"][-1] > 100


def test_playground_settings_pick_the_cells_gates():
    s = widgets.playground_settings("gru", "pinned", 0.1, 0.2, 0.3, 0.4, 0.5, 1.0, 1.0, 100)
    assert s["fixed"] == {"r": 0.4, "z": 0.5}
    assert widgets.playground_settings("lstm", "random", 0, 0, 0, 0, 0, 1, 1, 100)["fixed"] == {}
    with pytest.raises(ValueError):
        widgets.playground_settings("lstm", "nonsense", 0, 0, 0, 0, 0, 1, 1, 100)


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


def test_message_and_read_write_plots_draw_their_data():
    m = ex.message_survival(T=10)
    fig = plots.plot_message_survival(m)
    ratio, cosine, grad = (ax.get_lines() for ax in fig.axes[:3])
    for line, name in zip(ratio, ("vanilla", "written", "uncoordinated")):
        np.testing.assert_allclose(line.get_ydata(), np.maximum(m[name]["ratio"], 1e-20))
    np.testing.assert_allclose(cosine[0].get_ydata(), m["vanilla"]["cosine"])
    np.testing.assert_allclose(grad[2].get_ydata(), np.maximum(m["uncoordinated"]["grad"], 1e-20))
    rw = ex.read_write_asymmetry()
    ax = plots.plot_read_write(rw).axes[0]
    heights = np.array([bar.get_height() for bar in ax.patches])
    np.testing.assert_allclose(heights, np.concatenate([rw["read_change"], rw["write_change"]]))


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
    d = exercises.gate_data()
    p, s, x = d["params"], d["s"], d["x"]
    i = 1 / (1 + np.exp(-(s @ p["W_i"].T + x @ p["U_i"].T + p["b_i"])))
    assert exercises.check_write_gate(i)
    assert not exercises.check_write_gate(i + 0.1)
    assert exercises.check_max_state(50) and not exercises.check_max_state(49)
    f = 0.5 ** (1 / 100)
    assert exercises.check_forget_bias(np.log(f / (1 - f)))
    d = exercises.peephole_data()
    cell = rnnlib.make_cell("peephole", 2, 3, np.random.default_rng(5))
    assert exercises.check_peephole_step(cell.step(d["params"], (d["c"], d["h"]), d["x"])[1])
    d = exercises.gru_data()
    assert exercises.check_gru_step(rnnlib.make_cell("gru", 2, 3, np.random.default_rng(5)).step(
        d["params"], d["s"], d["x"]))
    assert "correct" in capsys.readouterr().out
