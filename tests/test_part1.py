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
from rnnlib.bptt_by_hand import vanilla_bptt
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
    assert m.states.shape == (31, 32)
    assert np.isclose(m.distance[7], np.linalg.norm(m.perturbed[7] - m.states[7]))
    assert np.all(m.gain[:7] == 0) and np.all(np.isneginf(m.log_gain[:7]))


@pytest.mark.parametrize("norm", [0.5, 1.0, 2.0])
def test_linearized_gain_agrees_with_two_runs_where_they_resolve_the_nudge(norm):
    m = E.morphing(norm=norm, eps=1e-7, t0=5, T=40)  # a tiny nudge: the first order dominates
    ok = (m.distance > 1e3 * m.floor) & (np.arange(41) >= 5)  # well above rounding
    assert ok.sum() >= 10
    np.testing.assert_allclose(m.ratio[ok], m.gain[ok], rtol=1e-3)


def test_linearized_gain_is_exact_far_below_the_float64_floor():
    # No input, b = 0: the state stays at 0 where tanh' = 1, so the first-order change after k
    # steps is W^k da, and an orthogonal W scaled to 0.5 shrinks it by exactly 0.5^k.
    cell = E.vanilla_with_norm(2, 16, 0.5, np.random.default_rng(3), init="orthogonal")
    states = np.zeros((101, 16))
    da = np.random.default_rng(4).normal(size=16)
    log_gain = E.linearized_log_gain(cell, states, da, t0=0)
    k = np.arange(101)
    np.testing.assert_allclose(log_gain, np.log(np.linalg.norm(da)) + k * np.log(0.5),
                               rtol=1e-12)
    assert np.exp(log_gain[-1]) < 1e-29  # 0.5^100, far below what two runs could resolve


def test_morphing_floor_marks_rounding_as_unresolved():
    m = E.morphing(norm=0.5, eps=1e-3, t0=5, T=60)
    assert m.floor == E.distance_floor(32)
    assert not m.resolved()[60]              # the two runs agree to rounding at the end
    assert m.gain[60] * m.eps < m.floor / 1e3  # while the true change is far smaller still
    assert m.resolved()[5:30].all()


def test_morphing_fades_for_small_weights_and_grows_for_large():
    curves = E.morphing_sweep(norms=(0.5, 4.0), t0=5, T=60)
    assert curves[0.5][-1] < 1e-6
    assert curves[4.0][-1] > 1.0


def test_init_comparison_spread_orthogonal_is_predictable():
    seeds = range(6)
    driven = E.init_comparison(T=60, n=64, seeds=seeds)
    quiet = E.init_comparison(T=60, n=64, seeds=seeds, inputs=False)
    for r in (driven, quiet):
        for v in r.values():
            assert v["per_seed"].shape == (6, 61)
            np.testing.assert_allclose(v["ratio_per_seed"], v["per_seed"][:, 0])
    decades = {key: np.log10(r["ratio_per_seed"].max() / r["ratio_per_seed"].min())
               for key, r in (("uniform", driven["uniform sqrt(3/n)"]),
                              ("orthogonal", driven["orthogonal"]))}
    assert decades["orthogonal"] < 0.5 and decades["uniform"] > 1.5
    # without inputs the orthogonal W^T is a rotation: the gradient keeps its length exactly
    np.testing.assert_allclose(quiet["orthogonal"]["ratio_per_seed"], 1.0, rtol=1e-10)
    uniform = quiet["uniform sqrt(3/n)"]["ratio_per_seed"]
    assert uniform.min() < 1.0 < uniform.max()


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


def test_recent_early_split_and_the_random_baseline():
    from rnnlib.experiments import bptt_terms

    split = bptt_terms.recent_early_split(seed=1, T=20, recent=4)
    assert split["parts"].shape == (20, 32, 32)
    np.testing.assert_allclose(split["sizes"], np.linalg.norm(split["parts"], axis=(1, 2)))
    assert split["size_ratio"] > 1 and -1 <= split["cosine"] <= 1
    cos = bptt_terms.random_cosines(1024, draws=4000)
    assert abs(cos.std() * np.sqrt(1024) - 1) < 0.1 and abs(cos.mean()) < 0.005
    with pytest.raises(ValueError, match="recent"):
        bptt_terms.recent_early_split(0, T=5, recent=5)


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


def test_truncation_checkpoints_and_seeds():
    from rnnlib.experiments import truncation

    r = E.truncation_run(6, delay=4, sequences=6, checkpoints=(2, 6))
    assert r.checkpoints == (2, 6) and r.curve.shape == (2,)
    assert r.curve[-1] == r.accuracy  # the last checkpoint is the end of training
    runs = truncation.truncation_seeds(ks=(2, 24), seeds=(0, 1), sequences=4, checkpoints=(2, 4))
    assert list(runs) == [2, 24] and all(len(v) == 2 for v in runs.values())
    table = truncation.accuracy_table(runs)
    assert table[2]["updates"] == 4 * 10  # windows 1-2 hold no target and table[24]["updates"] == 4
    assert table[2]["min"] <= table[2]["mean"] <= table[2]["max"]
    assert truncation.curves(runs[24]).shape == (2, 2)
    with pytest.raises(ValueError, match="checkpoints"):
        truncation.truncation_seeds(ks=(2,), seeds=(0,), sequences=4, checkpoints=(5,))
    with pytest.raises(ValueError, match="positive"):
        E.truncation_run(0)


# -- clipping over seeds ----------------------------------------------------------------------
def test_clipping_run_is_one_train_call_with_its_verdict():
    from rnnlib.experiments.clipping import clipping_run
    from rnnlib.optim import SGD
    from rnnlib.train import train

    run = clipping_run(2.0, steps=60, lr=0.1, seed=3, clip_norm=1.0)
    model, task = E.clipping_model(2.0, seed=3)
    h = train(model, task, 60, SGD(0.1), np.random.default_rng(4), progress=False,
              clip_norm=1.0)
    np.testing.assert_array_equal(run.loss, h.loss)  # same machine, same process: bitwise
    assert not run.diverged and len(run.loss) == 60 and run.reason == ""


def test_clipping_run_prints_no_step_number(capsys):
    from rnnlib.experiments.clipping import clipping_run

    run = clipping_run(2.0, steps=200, lr=0.1, seed=0)
    assert run.diverged and run.reason and len(run.loss) < 200
    assert capsys.readouterr().out == ""


def test_clipping_stops_the_divergence_of_most_unclipped_seeds():
    # The chapter's conclusion, over 5 seeds, on a shorter budget: counts, not step numbers.
    from rnnlib.experiments.clipping import clipping_seeds, summarize

    cases = {"none": (2.0, {}), "norm": (2.0, {"clip_norm": 1.0})}
    runs = clipping_seeds(seeds=range(5), steps=100, cases=cases)
    assert summarize(runs["none"])["diverged"] >= 3
    assert summarize(runs["norm"])["diverged"] == 0
    stopped = [r for r in runs["none"] if r.diverged]
    assert all(len(r.loss) < 100 and np.all(np.isfinite(r.loss)) for r in stopped)  # no overflow
    assert all(np.isnan(r.final_loss()) for r in stopped)


def test_clipping_figure_draws_blown_up_runs_without_warnings():
    import warnings

    from rnnlib.experiments.clipping import ClipRun
    from rnnlib.plots.clipping import plot_clipping_seeds

    blown = ClipRun(np.array([1.0, 1e200, np.inf]), np.array([1.0, 1e300, np.inf]), True, 10)
    fine = ClipRun(np.linspace(1, 0.1, 10), np.ones(10), False, 10)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fig = plot_clipping_seeds({"a": [blown, fine], "b": [fine]}, chance=1 / 6)
        fig.canvas.draw()
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert "a: 1 of 2 diverged" in labels and "b: 0 of 1 diverged" in labels


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


def _numbers_in(text: str) -> list[float]:
    import re

    return [float(m) for m in re.findall(r"-?\d+\.?\d*(?:e[-+]?\d+)?", text)]


def test_exercise_checks_never_print_the_expected_value(capsys):
    W = np.array([[2.0, 1.0], [0.0, 3.0]])
    expected_bound = (0.25 * np.linalg.norm(W, 2)) ** 10
    cell, xs, dL = X.bptt_exercise()
    grads, _ = vanilla_bptt(cell, xs, dL)
    wrong = [
        (lambda: X.check_bound(W, "sigmoid", 10, 0.0), [expected_bound]),
        (lambda: X.check_bound(W, "sigmoid", 10, 0.5), [expected_bound]),
        (lambda: X.check_uniform_range(100, 0.2), [np.sqrt(0.03)]),
        (lambda: X.check_schedule_length(4, 5, 7), [10]),
        (lambda: X.check_min_truncation(7, 3), [8]),
        (lambda: X.check_bptt_grads({k: v + 0.5 for k, v in grads.items()}),
         [x for v in grads.values() for x in np.ravel(v)]),
        (lambda: X.check_vanilla_step(lambda W, U, b, s, x: s), []),
    ]
    for call, secrets in wrong:
        assert call() is False
        out = capsys.readouterr().out
        assert "not yet" in out and len(out.strip()) > len("x: not yet.")  # a hint is given
        for value in secrets:
            for shown in _numbers_in(out):
                assert not np.isclose(shown, value, rtol=1e-3, atol=1e-4) or abs(value) < 1e-9, \
                    (out, value)


@pytest.mark.parametrize("slip, hint", [
    (lambda W, U, b, s, x: np.tanh(s @ W + x @ U.T + b), "transposed"),
    (lambda W, U, b, s, x: s @ W.T + x @ U.T + b, "tanh"),
    (lambda W, U, b, s, x: np.tanh(s @ W.T + x @ U.T), "bias"),
    (lambda W, U, b, s, x: None, "return"),
])
def test_vanilla_step_check_names_common_slips(capsys, slip, hint):
    assert X.check_vanilla_step(slip) is False
    assert hint in capsys.readouterr().out


def test_bptt_check_recognises_a_missing_recurrent_term(capsys):
    cell, xs, dL = X.bptt_exercise()
    local = rnnlib.bptt(cell, xs, lambda out, window, extra: (out * dL[window]).sum(),
                        truncate=1).grads
    assert X.check_bptt_grads(local) is False
    assert "W^T" in capsys.readouterr().out


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
    gd = E.gradient_decay(norm=2.0, T=40)
    fig = P.plot_gradient_decay(gd)
    np.testing.assert_allclose(fig.axes[0].lines[0].get_ydata(), gd.grad_norms, rtol=1e-12)
    m = E.morphing(norm=2.0, T=40, t0=3)
    fig = P.plot_morphing(m)
    np.testing.assert_allclose(fig.axes[1].lines[0].get_ydata(), m.distance[3:], rtol=1e-12)


def test_morphing_sweep_figure_hides_the_two_runs_below_the_floor():
    runs = {g: E.morphing(g, 1e-3, 5, 60) for g in (0.5, 2.0)}
    floor = runs[0.5].floor / 1e-3
    fig = P.plot_morphing_sweep({g: m.ratio for g, m in runs.items()}, 5,
                                linear={g: m.gain for g, m in runs.items()}, floor=floor)
    solid = [line for line in fig.axes[0].lines if line.get_linestyle() == "-"]
    assert solid and all(np.all(line.get_ydata() > floor) for line in solid)
    dashed = [line for line in fig.axes[0].lines if line.get_linestyle() == "--"]
    assert min(line.get_ydata().min() for line in dashed) < floor / 1e6  # exact, far below
