"""Tests of rnnlib.book.state_growth (chapter 5): gate traces, the state-growth experiments over
seeds and their figures, the gate playground (no kernel), and the exercise checks."""

import re

import matplotlib

matplotlib.use("Agg")
import numpy as np
import pytest

import rnnlib
from rnnlib import sigmoid
from rnnlib.book import state_growth, style

# -- gate traces ------------------------------------------------------------------------------


def test_prototype_state_grows_with_gates_open():
    tr = state_growth.gate_trace("prototype", T=120, fixed={"i": 1.0, "f": 1.0, "o": 1.0})
    assert tr["norms"][-1] > 3 * tr["norms"][40] / 2 > 0
    assert np.all(np.diff(np.abs(tr["states"][:, 0]).max(axis=-1))[5:] >= -1.0)
    # growth is at most 1 per element and step
    assert np.all(np.abs(tr["states"][-1]) <= 120)


@pytest.mark.parametrize("scale", [0.5, 1.0, 4.0])
@pytest.mark.parametrize("fixed", [None, {"r": 1.0, "z": 0.0}, {"r": 0.0, "z": 1.0}])
def test_gru_state_stays_in_unit_box(scale, fixed):
    tr = state_growth.gate_trace(
        "gru", T=150, weight_scale=scale, input_scale=5.0, fixed=fixed, batch=3
    )
    assert np.all(np.abs(tr["states"]) <= 1.0 + 1e-12)


def test_normalized_state_variance_below_one():
    tr = state_growth.gate_trace("normalized", T=100, weight_scale=4.0, fixed={"i": 1.0, "f": 1.0})
    assert np.all(tr["states"][1:].var(axis=-1) < 1.0)


def test_boundedness_table_prototype_runs_away_only_at_large_scale():
    tb = state_growth.boundedness_table(
        cells=("prototype", "gru"), scales=(1.0, 4.0), T=150, n=16, batch=2
    )
    assert tb["norm"][0, 1] > 10 * tb["norm"][1, 1]
    assert tb["saturated"][0, 1] > 0.5
    assert np.all(tb["norm"][1] <= 4.0 + 1e-9)  # GRU: at most sqrt(16)


def test_saturated_fraction_counts_only_computed_gates():
    tr = state_growth.gate_trace("lstm", T=20, fixed={"i": 1.0, "f": 1.0, "o": 1.0})
    assert np.all(np.isnan(tr["saturated"]))
    tr = state_growth.gate_trace("lstm", T=20, fixed={"i": 1.0, "f": 1.0})
    o = tr["gates"]["o"]
    want = np.mean((o < 0.01) | (o > 0.99), axis=(1, 2))
    np.testing.assert_allclose(tr["saturated"], want)


def test_gate_trace_rejects_unknown_gates():
    with pytest.raises(ValueError, match="cannot pin"):
        state_growth.gate_trace("gru", fixed={"i": 1.0})
    with pytest.raises(ValueError, match="unknown cell"):
        state_growth.gate_trace("nonsense")


# -- over seeds -------------------------------------------------------------------------------


def test_boundedness_over_seeds_stacks_the_single_seed_tables():
    table = state_growth.boundedness_over_seeds(
        cells=("prototype", "gru"), scales=(1.0, 4.0), seeds=(3, 7), T=60, n=8, batch=2
    )
    assert table["norm"].shape == table["saturated"].shape == (2, 2, 2)
    one = state_growth.boundedness_table(
        cells=("prototype", "gru"), scales=(1.0, 4.0), T=60, n=8, batch=2, seed=7
    )
    np.testing.assert_array_equal(table["norm"][1], one["norm"])
    np.testing.assert_array_equal(table["saturated"][1], one["saturated"])


def test_prototype_runs_away_in_every_seed_at_large_scale():
    # the chapter's verdict, on a smaller run: the seeds of the two cells do not overlap
    table = state_growth.boundedness_over_seeds(
        cells=("prototype", "gru", "lstm"),
        scales=(4.0,),
        seeds=(0, 1, 2, 3, 4),
        T=120,
        n=16,
        batch=4,
    )
    proto, others = table["norm"][:, 0, 0], table["norm"][:, 1:, 0]
    assert proto.min() > 5 * others.max()
    assert np.all(others[:, 0] <= 4.0 + 1e-9)  # the GRU's hard bound, sqrt(16)


def test_early_training_is_seeded_and_shaped():
    a = state_growth.early_training_over_seeds(
        cells=("prototype", "gru"), seeds=(0, 1), steps=4, n=4
    )
    b = state_growth.early_training_over_seeds(
        cells=("prototype", "gru"), seeds=(0, 1), steps=4, n=4
    )
    for key in ("norm", "saturated", "loss"):
        assert a[key].shape == (2, 2, 4)
        np.testing.assert_array_equal(a[key], b[key])  # same machine, same numbers
    single = state_growth.train_timing("gru", seed=1, steps=4, n=4, lr=0.2, record=True)
    np.testing.assert_array_equal(a["norm"][1, 1], single["norm"])
    assert np.all((a["saturated"] >= 0) & (a["saturated"] <= 1))


def test_growth_summary_on_a_known_record():
    norm = np.array([[[1.0, 5.0, 2.0, 2.0], [1.0, 3.0, 9.0, 1.0], [1.0, 1.0, 1.0, 4.0]]])
    sat = np.array([[[0.0, 0.0, 0.2, 0.4], [0.0, 0.0, 1.0, 1.0], [0.0, 0.0, 0.0, 0.0]]])
    loss = np.array([[[1.0, 1.0, 2.0, 2.0], [1.0, 1.0, 0.5, 0.5], [3.0, 1.0, 4.0, 4.0]]])
    s = state_growth.growth_summary(
        {"norm": norm, "saturated": sat, "loss": loss, "cells": ("a",), "seeds": (0, 1, 2)}
    )
    assert s["tail"] == 2 and s["n_seeds"] == 3
    np.testing.assert_allclose(
        [s["peak_median"][0], s["peak_min"][0], s["peak_max"][0]], [5.0, 4.0, 9.0]
    )
    np.testing.assert_allclose(
        [s["sat_median"][0], s["sat_min"][0], s["sat_max"][0]], [0.3, 0.0, 1.0]
    )
    assert s["worse"][0] == 2  # seeds 0 and 2 end above their first loss


def test_bad_seeds_and_steps_are_refused():
    with pytest.raises(ValueError, match="at least 2 distinct seeds"):
        state_growth.boundedness_over_seeds(seeds=(1,))
    with pytest.raises(ValueError, match="distinct"):
        state_growth.early_training_over_seeds(seeds=(2, 2))
    with pytest.raises(ValueError, match="steps >= 2"):
        state_growth.early_training_over_seeds(seeds=(0, 1), steps=1)


def test_plots_draw_median_and_range():
    table = state_growth.boundedness_over_seeds(
        cells=("prototype", "gru"), scales=(1.0, 2.0), seeds=(0, 1, 2), T=30, n=4, batch=2
    )
    fig = state_growth.plot_boundedness_seeds(table)
    line = fig.axes[0].get_lines()[0]  # the prototype's median markers
    np.testing.assert_allclose(line.get_ydata(), np.median(table["norm"][:, 0], axis=0))
    assert line.get_color() == style.cell_color("prototype")
    assert fig.axes[0].get_yscale() == "log"
    text = fig._wm_description
    median = float(f"{np.median(table['norm'][:, 0, 1]):.2g}")  # at scale 2
    assert f"prototype LSTM {median:g} (" in text
    record = state_growth.early_training_over_seeds(cells=("gru",), seeds=(0, 1, 2), steps=3, n=4)
    fig = state_growth.plot_early_training(record)
    np.testing.assert_allclose(
        fig.axes[0].get_lines()[0].get_ydata(), np.median(record["norm"][0], axis=0)
    )
    assert fig.axes[0].get_lines()[0].get_color() == style.cell_color("gru")
    peak = state_growth.growth_summary(record)["peak_median"][0]
    assert f"GRU {peak:.1f}" in fig._wm_description


# -- the gate playground: each control at its extremes and typical values, no kernel ----------


@pytest.fixture(scope="module")
def playground():
    pytest.importorskip("ipywidgets")
    return state_growth.gate_playground()


@pytest.mark.parametrize("cell", state_growth.PLAYGROUND_CELLS)
@pytest.mark.parametrize(
    "mode,value,input_scale,weight_scale,T",
    [
        ("pinned", 0.0, 0.0, 0.25, 100),
        ("pinned", 1.0, 5.0, 4.0, 400),
        ("pinned", 0.5, 1.0, 1.0, 150),
        ("random", 0.5, 5.0, 4.0, 100),
    ],
)
def test_playground_plots_what_rnnlib_computes(
    playground, cell, mode, value, input_scale, weight_scale, T
):
    settings = {
        "cell": cell,
        "mode": mode,
        "i": value,
        "f": value,
        "o": value,
        "r": value,
        "z": value,
        "input_scale": input_scale,
        "weight_scale": weight_scale,
        "T": T,
    }
    with playground.suspended():  # one run and one redraw for the whole setting
        for name, v in settings.items():
            playground.controls[name].value = v
    playground.refresh()
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
    np.testing.assert_allclose(
        view.norm_line.get_ydata(), np.linalg.norm(states, axis=-1).mean(axis=1)
    )
    assert view.norm_line.get_color() == style.cell_color(cell)
    np.testing.assert_allclose(view.output_lines[0].get_ydata(), traj.outputs[:, 0, 0])
    assert view.saturated_line.get_visible() == (mode == "random")
    assert view.pinned_note.get_visible() == (mode == "pinned")
    if mode == "random":
        sat = view.saturated_line.get_ydata()
        assert np.all((sat >= 0) & (sat <= 1))
    assert playground.image.value[:8] == b"\x89PNG\r\n\x1a\n" and not playground.status.value


def test_every_playground_control_recomputes(playground):
    calls = []
    compute = playground.compute
    playground.compute = lambda **values: calls.append(values) or compute(**values)
    try:
        for name, control in playground.controls.items():
            if name == "cell":
                new = "gru" if control.value != "gru" else "lstm"
            elif name == "mode":
                new = "random" if control.value != "random" else "pinned"
            else:
                new = (
                    control.value + control.step
                    if control.value < control.max
                    else control.value - control.step
                )
            control.value = new
            assert len(calls) and calls[-1][name] == new, name
            assert playground.data is not None and not playground.status.value
        assert len(calls) == len(playground.controls)
    finally:
        playground.compute = compute


def test_playground_enables_only_the_sliders_that_act(playground):
    with playground.suspended():  # the sliders' state only: no run, no redraw
        for cell in state_growth.PLAYGROUND_CELLS:
            for mode in ("pinned", "random"):
                playground.controls["cell"].value = cell
                playground.controls["mode"].value = mode
                enabled = {g for g in state_growth.ALL_GATES if not playground.controls[g].disabled}
                assert enabled == (
                    set(state_growth.gate_names(cell)) if mode == "pinned" else set()
                )


def test_playground_default_shows_prototype_growing():
    trace = state_growth.playground_compute()
    assert trace["norms"][-1] > 100  # what its description says: the norm climbs steadily
    assert np.all(np.diff(trace["norms"]) > 0)


def test_playground_settings_pick_the_cells_gates():
    s = state_growth.playground_settings("gru", "pinned", 0.1, 0.2, 0.3, 0.4, 0.5, 1.0, 1.0, 100)
    assert s["fixed"] == {"r": 0.4, "z": 0.5}
    assert (
        state_growth.playground_settings("lstm", "random", 0, 0, 0, 0, 0, 1, 1, 100)["fixed"] == {}
    )
    with pytest.raises(ValueError):
        state_growth.playground_settings("lstm", "nonsense", 0, 0, 0, 0, 0, 1, 1, 100)


def test_playground_figure_is_described(playground):
    assert playground.alt_text() == state_growth.PLAYGROUND_ALT
    assert playground.view.figure._wm_description == state_growth.PLAYGROUND_ALT


# -- the exercise checks ----------------------------------------------------------------------


def numbers_in(text: str) -> list[float]:
    return [float(m) for m in re.findall(r"-?\d+\.\d+(?:e-?\d+)?", text)]


def assert_gives_nothing_away(text: str, expected) -> None:
    """No number printed is (a rounding of) any element of the expected answer."""
    for got in numbers_in(text):
        for want in np.ravel(expected):
            assert not np.isclose(got, want, rtol=5e-3, atol=5e-4), (text, want)


def gru_answer():
    d = state_growth.gru_data()
    p, s, x = d["params"], d["s"], d["x"]
    r = sigmoid(s @ p["W_r"].T + x @ p["U_r"].T + p["b_r"])
    z = sigmoid(s @ p["W_z"].T + x @ p["U_z"].T + p["b_z"])
    return d, z * s + (1 - z) * np.tanh((r * s) @ p["W"].T + x @ p["U"].T + p["b"])


def test_exercise_checks(capsys):
    assert state_growth.check_max_state(50) and not state_growth.check_max_state(49)
    d = state_growth.gru_data()
    assert state_growth.check_gru_step(
        rnnlib.make_cell("gru", 2, 3, np.random.default_rng(5)).step(d["params"], d["s"], d["x"])
    )
    assert "correct" in capsys.readouterr().out


def test_right_answers_are_accepted(capsys):
    assert state_growth.check_gru_step(gru_answer()[1])
    assert state_growth.check_max_state(50)
    out = capsys.readouterr().out
    assert out.count("correct.") == 2 and "not yet" not in out


def test_the_answers_by_hand_are_rnnlibs():
    d, s_new = gru_answer()
    cell = rnnlib.make_cell("gru", 2, 3, np.random.default_rng(0))
    np.testing.assert_allclose(s_new, cell.step(d["params"], d["s"], d["x"]), rtol=1e-12)


@pytest.mark.parametrize("check,answer", [(state_growth.check_gru_step, gru_answer)])
def test_wrong_answers_get_a_hint_and_not_the_answer(capsys, check, answer):
    _, right = answer()
    for wrong in (right + 0.1, right * 0.5, np.zeros_like(right), -right):
        assert not check(wrong)
        out = capsys.readouterr().out
        assert "not yet" in out and len(out.split("not yet.")[1].strip()) > 20  # a hint
        assert_gives_nothing_away(out, right)
    assert not check(right[0])  # wrong shape: says so, with the shape only
    assert "shape" in capsys.readouterr().out


def test_typical_slips_get_their_own_hint(capsys):
    d, _ = gru_answer()
    p, s, x = d["params"], d["s"], d["x"]
    r = sigmoid(s @ p["W_r"].T + x @ p["U_r"].T + p["b_r"])
    z = sigmoid(s @ p["W_z"].T + x @ p["U_z"].T + p["b_z"])
    swapped = (1 - z) * s + z * np.tanh((r * s) @ p["W"].T + x @ p["U"].T + p["b"])
    assert not state_growth.check_gru_step(swapped)
    assert "swapped" in capsys.readouterr().out
    assert not state_growth.check_max_state(1.0)
    assert "GRU" in capsys.readouterr().out
    for wrong in (49, 100, 25.0):
        assert not state_growth.check_max_state(wrong)
        out = capsys.readouterr().out
        assert "not yet" in out and "50" not in out.split("not yet.")[1]  # 50: the answer
