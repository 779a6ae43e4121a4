"""Tests of rnnlib/book/sensitivity.py (chapter 2): morphing, the sensitivity bound, their
figures, the morphing widget (no kernel) and the bound exercise's check."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest

import rnnlib
from rnnlib.book import sensitivity
from rnnlib.book.sensitivity import MORPHING_T, SEED, morphing_widget


# -- experiments ------------------------------------------------------------------------------
@pytest.mark.parametrize("activation", ["tanh", "sigmoid"])
@pytest.mark.parametrize("regime", ["quiet", "driven"])
@pytest.mark.parametrize("scale", [0.5, 0.9, 1.0, 1.5, 3.0])
@pytest.mark.parametrize("init", ["orthogonal", "uniform"])
def test_measured_sensitivity_never_exceeds_bound(activation, regime, scale, init):
    norm = scale / rnnlib.cells.ACTIVATION_GAMMA[activation]  # gamma ||W|| = scale
    measured, bound = sensitivity.sensitivity(norm, activation, regime, k_max=25, init=init, seed=3)
    assert measured[0] == 1.0 and bound[0] == 1.0
    assert np.all(measured <= bound * (1 + 1e-9))


@pytest.mark.parametrize("activation", ["tanh", "sigmoid"])
def test_bound_is_attained_at_the_quiet_fixed_point_with_orthogonal_weights(activation):
    norm = 0.9 / rnnlib.cells.ACTIVATION_GAMMA[activation]
    measured, bound = sensitivity.sensitivity(
        norm, activation, "quiet", k_max=20, init="orthogonal"
    )
    np.testing.assert_allclose(measured, bound, rtol=1e-9)


def test_sensitivity_explodes_above_threshold_and_vanishes_below():
    up, _ = sensitivity.sensitivity(1.5, "tanh", "quiet", k_max=20)
    down, _ = sensitivity.sensitivity(0.8, "tanh", "driven", k_max=20)
    assert up[-1] > 1e3 and down[-1] < 1e-2


@pytest.mark.parametrize("activation", ["tanh", "sigmoid"])
def test_jacobian_norms_match_finite_differences(activation):
    # Every parameter random (the bias too), so phi' is taken at varied pre-activations; the
    # step's derivative comes from rnnlib.bptt_by_hand.PHI_PRIME (the merge of the old
    # activation_derivative), checked here against finite differences of the cell's own step.
    rng = np.random.default_rng(0)
    cell = rnnlib.random_cell("vanilla", 2, 5, rng, scale=0.8, activation=activation)
    xs = rng.normal(size=(8, 1, 2))
    t0 = 3
    J_norms = sensitivity.jacobian_norms(cell, xs, t0)
    s_t0 = rnnlib.run(cell, xs[:t0]).states[-1]
    eps = 1e-6
    J = np.zeros((5, 5))
    for j in range(5):
        for sign in (1, -1):
            s = s_t0.copy()
            s[0, j] += sign * eps
            J[:, j] += sign * rnnlib.run(cell, xs[t0:], state0=s).states[-1][0] / (2 * eps)
    assert np.isclose(np.linalg.norm(J, 2), J_norms[-1], rtol=1e-5)


def test_operator_norm_and_spectral_radius():
    W = np.array([[0.0, 2.0], [0.0, 0.0]])  # nilpotent: radius 0, largest singular value 2
    assert sensitivity.operator_norm(W) == pytest.approx(2.0)
    assert sensitivity.spectral_radius(W) == pytest.approx(0.0)
    cell = sensitivity.vanilla_with_norm(3, 6, 1.7, np.random.default_rng(1), init="normal")
    assert sensitivity.operator_norm(cell.params["W"]) == pytest.approx(1.7, rel=1e-12)
    with pytest.raises(ValueError, match="norm must be positive"):
        sensitivity.vanilla_with_norm(3, 6, 0.0, np.random.default_rng(1))
    with pytest.raises(ValueError, match="unknown activation"):
        sensitivity.vanilla_with_norm(3, 6, 1.0, np.random.default_rng(1), activation="selu")


def test_morphing_runs_differ_only_after_the_nudge():
    m = sensitivity.morphing(norm=1.0, eps=1e-3, t0=7, T=30)
    assert np.all(m.distance[:7] == 0) and m.distance[7] > 0
    assert m.states.shape == (31, 32)
    assert np.isclose(m.distance[7], np.linalg.norm(m.perturbed[7] - m.states[7]))
    assert np.all(m.gain[:7] == 0) and np.all(np.isneginf(m.log_gain[:7]))


@pytest.mark.parametrize("norm", [0.5, 1.0, 2.0])
def test_linearized_gain_agrees_with_two_runs_where_they_resolve_the_nudge(norm):
    m = sensitivity.morphing(norm=norm, eps=1e-7, t0=5, T=40)  # tiny: the first order dominates
    ok = (m.distance > 1e3 * m.floor) & (np.arange(41) >= 5)  # well above rounding
    assert ok.sum() >= 10
    np.testing.assert_allclose(m.ratio[ok], m.gain[ok], rtol=1e-3)


def test_linearized_gain_is_exact_far_below_the_float64_floor():
    # No input, b = 0: the state stays at 0 where tanh' = 1, so the first-order change after k
    # steps is W^k da, and an orthogonal W scaled to 0.5 shrinks it by exactly 0.5^k.
    cell = sensitivity.vanilla_with_norm(2, 16, 0.5, np.random.default_rng(3), init="orthogonal")
    states = np.zeros((101, 16))
    da = np.random.default_rng(4).normal(size=16)
    log_gain = sensitivity.linearized_log_gain(cell, states, da, t0=0)
    k = np.arange(101)
    np.testing.assert_allclose(log_gain, np.log(np.linalg.norm(da)) + k * np.log(0.5), rtol=1e-12)
    assert np.exp(log_gain[-1]) < 1e-29  # 0.5^100, far below what two runs could resolve


def test_morphing_floor_marks_rounding_as_unresolved():
    m = sensitivity.morphing(norm=0.5, eps=1e-3, t0=5, T=60)
    assert m.floor == sensitivity.distance_floor(32)
    assert not m.resolved()[60]  # the two runs agree to rounding at the end
    assert m.gain[60] * m.eps < m.floor / 1e3  # while the true change is far smaller still
    assert m.resolved()[5:30].all()


def test_morphing_fades_for_small_weights_and_grows_for_large():
    curves = {g: sensitivity.morphing(g, 1e-3, 5, 60, seed=0).ratio for g in (0.5, 4.0)}
    assert curves[0.5][-1] < 1e-6
    assert curves[4.0][-1] > 1.0


# -- figures ------------------------------------------------------------------------------------
def test_morphing_sweep_figure_hides_the_two_runs_below_the_floor():
    runs = {g: sensitivity.morphing(g, 1e-3, 5, 60) for g in (0.5, 2.0)}
    floor = runs[0.5].floor / 1e-3
    fig = sensitivity.plot_morphing_sweep(
        {g: m.ratio for g, m in runs.items()},
        5,
        linear={g: m.gain for g, m in runs.items()},
        floor=floor,
    )
    solid = [line for line in fig.axes[0].lines if line.get_linestyle() == "-"]
    assert solid and all(np.all(line.get_ydata() > floor) for line in solid)
    dashed = [line for line in fig.axes[0].lines if line.get_linestyle() == "--"]
    assert min(line.get_ydata().min() for line in dashed) < floor / 1e6  # exact, far below
    # the description reports the drawn end values, from the data
    assert f"{runs[0.5].gain[60]:.1e} at ‖W‖₂ = 0.5" in fig._wm_description
    assert fig.axes[0].get_yscale() == "log"


def test_sensitivity_figure_draws_the_measured_curves_and_describes_the_bound():
    curves = {g: sensitivity.sensitivity(g, "tanh", "driven", k_max=10) for g in (0.5, 2.0)}
    sweeps = {
        "tanh quiet": sensitivity.sensitivity_sweep("tanh", "quiet", [0.5, 1.5], k=10, seeds=(0,))
    }
    fig = sensitivity.plot_sensitivity(curves, sweeps)
    top, bottom = fig.axes
    np.testing.assert_array_equal(top.lines[0].get_ydata(), curves[0.5][0])
    np.testing.assert_array_equal(top.lines[3].get_ydata(), curves[2.0][1])
    np.testing.assert_array_equal(bottom.lines[0].get_ydata(), sweeps["tanh quiet"]["rate"])
    worst = float((sweeps["tanh quiet"]["rate"] / sweeps["tanh quiet"]["bound_rate"]).max())
    assert f"ratio {worst:.3f}" in fig._wm_description and "k = 0 to 10" in fig._wm_description
    labels = [t.get_text() for t in top.get_yticklabels()]
    assert any(label.startswith("10") for label in labels)  # plain-text decades (log_axis)


def test_static_versions_of_the_widget_figures():
    m = sensitivity.morphing(norm=2.0, T=40, t0=3)
    fig = sensitivity.plot_morphing(m)
    np.testing.assert_allclose(fig.axes[1].lines[0].get_ydata(), m.distance[3:], rtol=1e-12)
    assert "t = 0 to 40" in fig._wm_description and "t = 3" in fig._wm_description


# -- the widget (no kernel: set control values, read what was computed and plotted) ------------
MORPH_SETTINGS = [
    ("eps", 1e-6),
    ("eps", 1.0),
    ("eps", 0.1),
    ("t0", 1),
    ("t0", 50),
    ("t0", 10),
    ("norm", 0.25),
    ("norm", 4.0),
    ("norm", 1.0),
]


def test_morphing_widget_plots_two_rnnlib_runs():
    w = morphing_widget()
    assert w.alt_text() == sensitivity.MORPHING_ALT == w.view.figure._wm_description
    for name, value in MORPH_SETTINGS:
        if w.controls[name].value == value:
            continue
        w.controls[name].value = value
        v = w.values()
        # recompute the two runs with rnnlib directly
        rng = np.random.default_rng(SEED)
        cell = sensitivity.vanilla_with_norm(4, 32, v["norm"], rng, "tanh", "orthogonal")
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
        dist = np.linalg.norm(b - a, axis=1)[v["t0"] :]
        np.testing.assert_allclose(w.view.distance.get_ydata(), np.maximum(dist, 1e-30), rtol=1e-9)
        assert w.view.eps_line.get_ydata()[0] == v["eps"]
        assert w.view.t0_top.get_xdata()[0] == v["t0"]


# -- exercise check -----------------------------------------------------------------------------
def test_bound_check_accepts_right_and_names_slips(capsys):
    W = np.diag([3.0, 1.0])
    assert sensitivity.check_bound(W, "sigmoid", 4, 0.75**4)
    assert not sensitivity.check_bound(W, "tanh", 4, 0.75**4)
    assert "gamma" in capsys.readouterr().out
    W = np.array([[2.0, 1.0], [0.0, 3.0]])
    op, fro = np.linalg.norm(W, 2), np.linalg.norm(W, "fro")
    radius = np.abs(np.linalg.eigvals(W)).max()
    for answer, hint in (
        ((0.25 * fro) ** 10, "Frobenius"),
        ((0.25 * radius) ** 10, "spectral"),
        (0.25 * op, "power k"),
        (0.0, "largest singular value"),
    ):
        assert sensitivity.check_bound(W, "sigmoid", 10, answer) is False
        assert hint in capsys.readouterr().out
    with pytest.raises(ValueError, match="activation"):
        sensitivity.check_bound(W, "selu", 10, 1.0)


def test_bound_check_never_prints_the_expected_value(capsys, numbers_in):
    W = np.array([[2.0, 1.0], [0.0, 3.0]])
    expected_bound = (0.25 * np.linalg.norm(W, 2)) ** 10
    for answer in (0.0, 0.5, "big"):
        assert sensitivity.check_bound(W, "sigmoid", 10, answer) is False
        out = capsys.readouterr().out
        assert "not yet" in out and len(out.strip()) > len("x: not yet.")
        for shown in numbers_in(out):
            assert not np.isclose(shown, expected_bound, rtol=1e-3, atol=1e-4), out
