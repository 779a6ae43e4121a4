"""Tests of rnnlib/book/bptt.py (chapter 3): the per-step terms of dL/dW, their figure, and the
BPTT exercise check."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest

import rnnlib
from rnnlib.book import bptt
from rnnlib.bptt_by_hand import PHI_PRIME, vanilla_bptt


def test_per_step_contributions_sum_to_dLdW():
    cell, xs, dL = bptt.bptt_exercise()
    parts = bptt.per_step_contributions(cell, xs, dL)
    grads, _ = vanilla_bptt(cell, xs, dL)
    np.testing.assert_allclose(parts.sum(axis=0), grads["W"], rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "relu"])
def test_per_step_contributions_are_each_steps_own_gradient(activation):
    # The merge guard: the terms come from vanilla_bptt's state_grads, with no recursion of
    # their own. Each must equal (1) g_t s_{t-1}^T built from the autodiff engine's dL/ds_t,
    # and (2) the derivative of L with respect to a copy of W used at step t alone (a
    # directional finite difference that knows nothing of either backward pass).
    rng = np.random.default_rng(3)
    cell = rnnlib.random_cell("vanilla", 3, 5, rng, scale=0.6, activation=activation)
    T, B = 7, 2
    xs, c = rng.normal(size=(T, B, 3)), rng.normal(size=(T, B, 5))
    parts = bptt.per_step_contributions(cell, xs, c)
    assert parts.shape == (T, 5, 5)

    engine = rnnlib.bptt(cell, xs, lambda out, window, extra: (out * c[window]).sum())
    s = rnnlib.run(cell, xs).state_array()
    for t in range(1, T + 1):
        g = engine.state_grads[t][0] * PHI_PRIME[activation](s[t])
        np.testing.assert_allclose(parts[t - 1], g.T @ s[t - 1], rtol=1e-12, atol=1e-14)

    def loss_with_W_at(t, W_t):
        state, total = cell.initial_state(B), 0.0
        for step in range(1, T + 1):
            p = {**cell.params, "W": W_t} if step == t else cell.params
            state = cell.step(p, state, xs[step - 1])
            total += float((state * c[step - 1]).sum())
        return total

    direction, h = rng.normal(size=(5, 5)), 1e-6
    W = cell.params["W"]
    for t in range(1, T + 1):
        numeric = (loss_with_W_at(t, W + h * direction) - loss_with_W_at(t, W - h * direction)) / (
            2 * h
        )
        assert numeric == pytest.approx(float((parts[t - 1] * direction).sum()), rel=1e-6, abs=1e-8)


def test_recent_early_split_and_the_random_baseline():
    split = bptt.recent_early_split(seed=1, T=20, recent=4)
    assert split["parts"].shape == (20, 32, 32)
    np.testing.assert_allclose(split["sizes"], np.linalg.norm(split["parts"], axis=(1, 2)))
    assert split["size_ratio"] > 1 and -1 <= split["cosine"] <= 1
    cos = bptt.random_cosines(1024, draws=4000)
    assert abs(cos.std() * np.sqrt(1024) - 1) < 0.1 and abs(cos.mean()) < 0.005
    with pytest.raises(ValueError, match="recent"):
        bptt.recent_early_split(0, T=5, recent=5)


def test_last_step_problem_puts_the_loss_on_the_last_state_only():
    cell, xs, dL = bptt.last_step_problem(seed=1, T=6)
    assert xs.shape == (6, 8, 4) and dL.shape == (6, 8, 32)
    assert np.all(dL[:-1] == 0) and np.all(dL[-1] != 0)
    assert np.linalg.norm(cell.params["W"], 2) == pytest.approx(1.0, rel=1e-12)


def test_contributions_figure_draws_the_sizes_in_the_book_style():
    cell, xs, dL = bptt.last_step_problem(seed=1)
    sizes = np.linalg.norm(bptt.per_step_contributions(cell, xs, dL), axis=(1, 2))
    assert sizes[0] == 0  # s_0 = 0: the first step's term vanishes
    fig = bptt.plot_contributions(sizes)
    ax = fig.axes[0]
    t, y = ax.lines[0].get_data()
    np.testing.assert_array_equal(t, np.arange(2, 31))  # the zero term is not drawn
    np.testing.assert_array_equal(y, sizes[1:])
    assert ax.get_yscale() == "log" and ax.get_title(loc="center")
    assert not any(line.get_visible() for line in ax.get_xgridlines() + ax.get_ygridlines())
    description = fig._wm_description
    assert "step 1's term is zero" in description
    assert f"{sizes[-1] / sizes[1]:.0f} times" in description
    with pytest.raises(ValueError, match="1-d array"):
        bptt.plot_contributions(np.ones((2, 2)))


# -- exercise checks ------------------------------------------------------------------------
def test_exercise_checks_accept_right_and_reject_wrong(capsys):
    cell, xs, dL = bptt.bptt_exercise()
    grads, _ = vanilla_bptt(cell, xs, dL)
    assert bptt.check_bptt_grads(grads)
    assert not bptt.check_bptt_grads({**grads, "b": grads["b"] * 2})
    assert not bptt.check_bptt_grads({k: -v for k, v in grads.items()})
    assert not bptt.check_bptt_grads({"W": grads["W"]})
    assert not bptt.check_bptt_grads([grads["W"]])
    assert not bptt.check_bptt_grads({k: np.zeros_like(v) for k, v in grads.items()})
    out = capsys.readouterr().out
    assert "dL/dW: correct." in out and "dL/db: not yet." in out
    assert "sign is flipped" in out and "Missing ['U', 'b']" in out and "are zero" in out


def test_exercise_checks_never_print_the_expected_value(capsys, numbers_in):
    cell, xs, dL = bptt.bptt_exercise()
    grads, _ = vanilla_bptt(cell, xs, dL)
    assert bptt.check_bptt_grads({k: v + 0.5 for k, v in grads.items()}) is False
    out = capsys.readouterr().out
    assert "not yet" in out and len(out.strip()) > len("x: not yet.")  # a hint is given
    for value in (x for v in grads.values() for x in np.ravel(v)):
        for shown in numbers_in(out):
            assert not np.isclose(shown, value, rtol=1e-3, atol=1e-4) or abs(value) < 1e-9, (
                out,
                value,
            )


def test_bptt_check_recognises_a_missing_recurrent_term(capsys):
    cell, xs, dL = bptt.bptt_exercise()
    local = rnnlib.bptt(
        cell, xs, lambda out, window, extra: (out * dL[window]).sum(), truncate=1
    ).grads
    assert bptt.check_bptt_grads(local) is False
    assert "W^T" in capsys.readouterr().out
