"""Tests of Part I: experiment functions, exercise checks, and the two widgets (no kernel)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest

import rnnlib
from rnnlib.exercises import part1 as X
from rnnlib.experiments import part1 as E
from rnnlib.plots import part1 as P
from rnnlib.vanilla_bptt import vanilla_bptt
from rnnlib.widgets.part1 import MORPHING_T, SEED, gradient_decay_widget, morphing_widget


# -- experiments ------------------------------------------------------------------------------
@pytest.mark.parametrize("activation", ["tanh", "sigmoid"])
@pytest.mark.parametrize("regime", ["quiet", "driven"])
@pytest.mark.parametrize("scale", [0.5, 0.9, 1.0, 1.5, 3.0])
@pytest.mark.parametrize("init", ["orthogonal", "uniform"])
def test_measured_sensitivity_never_exceeds_bound(activation, regime, scale, init):
    norm = scale / rnnlib.cells.ACTIVATION_GAMMA[activation]  # gamma ||W|| = scale
    measured, bound = E.sensitivity(norm, activation, regime, k_max=25, init=init, seed=3)
    assert measured[0] == 1.0 and bound[0] == 1.0
    assert np.all(measured <= bound * (1 + 1e-9))


@pytest.mark.parametrize("activation", ["tanh", "sigmoid"])
def test_bound_is_attained_at_the_quiet_fixed_point_with_orthogonal_weights(activation):
    norm = 0.9 / rnnlib.cells.ACTIVATION_GAMMA[activation]
    measured, bound = E.sensitivity(norm, activation, "quiet", k_max=20, init="orthogonal")
    np.testing.assert_allclose(measured, bound, rtol=1e-9)


def test_sensitivity_explodes_above_threshold_and_vanishes_below():
    up, _ = E.sensitivity(1.5, "tanh", "quiet", k_max=20)
    down, _ = E.sensitivity(0.8, "tanh", "driven", k_max=20)
    assert up[-1] > 1e3 and down[-1] < 1e-2


def test_jacobian_norms_match_finite_differences():
    rng = np.random.default_rng(0)
    cell = E.vanilla_with_norm(2, 5, 1.3, rng)
    xs = rng.normal(size=(8, 1, 2))
    t0 = 3
    J_norms = E.jacobian_norms(cell, xs, t0)
    s_t0 = rnnlib.run(cell, xs[:t0]).states[-1]
    eps = 1e-6
    J = np.zeros((5, 5))
    for j in range(5):
        for sign in (1, -1):
            s = s_t0.copy()
            s[0, j] += sign * eps
            J[:, j] += sign * rnnlib.run(cell, xs[t0:], state0=s).states[-1][0] / (2 * eps)
    assert np.isclose(np.linalg.norm(J, 2), J_norms[-1], rtol=1e-5)


@pytest.mark.parametrize("activation", ["tanh", "sigmoid"])
@pytest.mark.parametrize("init", ["orthogonal", "uniform", "glorot", "normal", "identity"])
def test_gradient_decay_equals_rnnlib_bptt_and_vanilla_bptt(activation, init):
    kw = {"norm": 1.7, "activation": activation, "T": 30, "init": init, "seed": 4}
    fast = E.gradient_decay(**kw).grad_norms
    np.testing.assert_allclose(fast, E.gradient_decay_bptt(**kw), rtol=1e-10)
    cell, xs, u = E.decay_setup(1.7, activation, 30, init, 32, 4, 8, 4)
    dL = np.zeros((30, 8, 32))
    dL[-1] = u
    _, state_grads = vanilla_bptt(cell, xs, dL)
    np.testing.assert_allclose(fast, np.linalg.norm(state_grads, axis=(1, 2)), rtol=1e-10)


def test_gradient_decay_below_bound():
    for norm in (0.3, 1.0, 2.5, 6.0):
        for act in ("tanh", "sigmoid"):
            gd = E.gradient_decay(norm=norm, activation=act, T=60)
            assert np.all(gd.grad_norms <= gd.bound * (1 + 1e-9))
            assert np.isclose(gd.op_norm, norm)


def test_morphing_runs_differ_only_after_the_nudge():
    m = E.morphing(norm=1.0, eps=1e-3, t0=7, T=30)
    assert np.all(m.distance[:7] == 0) and m.distance[7] > 0
    cell = E.vanilla_with_norm(4, 32, 1.0, np.random.default_rng(0))
    assert m.states.shape == (31, 32)
    assert np.isclose(m.distance[7], np.linalg.norm(m.perturbed[7] - m.states[7]))
    assert cell.params["W"].shape == (32, 32)


def test_morphing_fades_for_small_weights_and_grows_for_large():
    curves = E.morphing_sweep(norms=(0.5, 4.0), t0=5, T=60)
    assert curves[0.5][-1] < 1e-6
    assert curves[4.0][-1] > 1.0


def test_init_comparison_orders_the_scales():
    r = E.init_comparison(T=40, n=32, seeds=(0,))
    small = r["too small (uniform x 0.3)"]["relative"][0]
    good = r["orthogonal"]["relative"][0]
    large = r["too large (uniform x 3)"]["relative"][0]
    assert small < 1e-10 < good < 1.0 < large
    np.testing.assert_allclose(r["uniform sqrt(3/n)"]["relative"], r["Glorot"]["relative"])


def test_per_step_contributions_sum_to_dLdW():
    cell, xs, dL = X.bptt_exercise()
    parts = E.per_step_contributions(cell, xs, dL)
    grads, _ = vanilla_bptt(cell, xs, dL)
    np.testing.assert_allclose(parts.sum(axis=0), grads["W"], rtol=1e-10, atol=1e-12)


def test_delayed_recall_batch_targets_are_delayed_inputs():
    xs, targets, mask = E.delayed_recall_batch(np.random.default_rng(0), 12, 3, 4, 3)
    assert np.array_equal(targets[4:], xs[:-4].argmax(-1))
    assert mask[:4].sum() == 0 and mask[4:].all()


def test_truncation_short_windows_cannot_learn_long_ones_can():
    short = E.truncation_run(3, delay=4, sequences=25)
    full = E.truncation_run(24, delay=4, sequences=25)
    assert short.accuracy < 0.45
    assert full.accuracy > 0.9
    assert short.updates > full.updates


def test_translation_schedule():
    rows = E.translation_schedule(["the", "cat", "sat"], ["le", "chat", "assis"])
    assert len(rows) == 7
    assert rows[3] == (4, E.BLANK, "le") and rows[-1] == (7, "", E.BLANK)
    assert all(out == "" for _, _, out in rows[:3])


# -- exercise checks ------------------------------------------------------------------------
def test_exercise_checks_accept_right_and_reject_wrong(capsys):
    assert X.check_vanilla_step(lambda W, U, b, s, x: np.tanh(s @ W.T + x @ U.T + b))
    assert not X.check_vanilla_step(lambda W, U, b, s, x: np.tanh(s @ W + x @ U.T + b))
    assert not X.check_vanilla_step(lambda W, U, b, s, x: 1 / 0)
    assert X.check_schedule_length(3, 3, 7) and not X.check_schedule_length(3, 3, 6)
    assert X.check_uniform_range(64, np.sqrt(3 / 64)) and not X.check_uniform_range(64, 1 / 8)
    W = np.diag([3.0, 1.0])
    assert X.check_bound(W, "sigmoid", 4, 0.75**4) and not X.check_bound(W, "tanh", 4, 0.75**4)
    cell, xs, dL = X.bptt_exercise()
    grads, _ = vanilla_bptt(cell, xs, dL)
    assert X.check_bptt_grads(grads)
    assert not X.check_bptt_grads({**grads, "b": grads["b"] * 2})
    assert X.check_min_truncation(4, 5) and not X.check_min_truncation(4, 4)
    out = capsys.readouterr().out
    assert "correct" in out and "not yet" in out and "ZeroDivisionError" in out


# -- widgets (no kernel: set control values, read what was computed and plotted) ----------------
def _lines(widget):
    return widget.view.measured.get_ydata(), widget.view.bound.get_ydata()


GRADIENT_SETTINGS = [
    ("norm", 0.25), ("norm", 8.0), ("norm", 1.0), ("norm", 1.9),
    ("activation", "sigmoid"), ("activation", "tanh"),
    ("T", 5), ("T", 200), ("T", 50),
    ("init", "uniform"), ("init", "identity"), ("init", "normal"), ("init", "orthogonal"),
]


def test_gradient_decay_widget_plots_what_rnnlib_computes():
    w = gradient_decay_widget()
    assert w.data is not None and bytes(w.image.value).startswith(b"\x89PNG")  # drawn at creation
    for name, value in GRADIENT_SETTINGS:
        if w.controls[name].value == value:
            continue
        before = w.data
        w.controls[name].value = value
        v = w.values()
        assert w.data is not before  # the control's change ran the update
        measured, bound = _lines(w)
        expected = E.gradient_decay_bptt(norm=v["norm"], activation=v["activation"], T=v["T"],
                                         init=v["init"], seed=SEED)
        np.testing.assert_allclose(measured, np.clip(expected, 1e-30, 1e30), rtol=1e-9)
        assert len(measured) == v["T"] + 1
        gamma = rnnlib.cells.ACTIVATION_GAMMA[v["activation"]]
        cell, *_ = E.decay_setup(v["norm"], v["activation"], v["T"], v["init"], 32, 4, 8, SEED)
        op = np.linalg.norm(cell.params["W"], 2)
        want = expected[-1] * (gamma * op) ** np.arange(v["T"], -1, -1)
        np.testing.assert_allclose(bound, np.clip(want, 1e-30, 1e30), rtol=1e-9)
        assert np.all(measured <= bound * (1 + 1e-9))
        np.testing.assert_array_equal(w.view.measured.get_xdata(), v["T"] - np.arange(v["T"] + 1))


def test_gradient_decay_widget_extremes_all_at_once():
    w = gradient_decay_widget(norm=8.0, activation="sigmoid", T=200, init="normal")
    measured, bound = _lines(w)
    assert np.all(np.isfinite(measured)) and np.all(np.isfinite(bound))
    assert w.view.axes[0, 0].get_ylim() == w.view.YLIM


MORPH_SETTINGS = [("eps", 1e-6), ("eps", 1.0), ("eps", 0.1), ("t0", 1), ("t0", 50), ("t0", 10),
                  ("norm", 0.25), ("norm", 4.0), ("norm", 1.0)]


def test_morphing_widget_plots_two_rnnlib_runs():
    w = morphing_widget()
    for name, value in MORPH_SETTINGS:
        if w.controls[name].value == value:
            continue
        w.controls[name].value = value
        v = w.values()
        # recompute the two runs with rnnlib directly
        rng = np.random.default_rng(SEED)
        cell = E.vanilla_with_norm(4, 32, v["norm"], rng, "tanh", "orthogonal")
        xs = rng.standard_normal((MORPHING_T, 1, 4))
        d = rng.standard_normal(4)
        d /= np.linalg.norm(d)
        xs_p = xs.copy()
        xs_p[v["t0"] - 1, 0] += v["eps"] * d
        a = rnnlib.run(cell, xs).state_array()[:, 0]
        b = rnnlib.run(cell, xs_p).state_array()[:, 0]
        for k in range(3):
            np.testing.assert_allclose(w.view.original[k].get_ydata(), a[:, k], rtol=1e-12)
            np.testing.assert_allclose(w.view.nudged[k].get_ydata(), b[:, k], rtol=1e-12)
        dist = np.linalg.norm(b - a, axis=1)[v["t0"]:]
        np.testing.assert_allclose(w.view.distance.get_ydata(), np.maximum(dist, 1e-30),
                                   rtol=1e-9)
        assert w.view.eps_line.get_ydata()[0] == v["eps"]
        assert w.view.t0_top.get_xdata()[0] == v["t0"]


def test_static_versions_of_the_widget_figures():
    fig = P.plot_gradient_decay(E.gradient_decay(norm=2.0, T=40))
    assert len(fig.axes) == 1
    fig = P.plot_morphing(E.morphing(norm=2.0, T=40, t0=3))
    assert len(fig.axes) == 2
