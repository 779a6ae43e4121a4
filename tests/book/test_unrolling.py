"""Tests of rnnlib/book/unrolling.py (chapter 1): the schedule, the figure, the exercise checks."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest

from rnnlib.book import unrolling


def test_translation_schedule():
    rows = unrolling.translation_schedule(["the", "cat", "sat"], ["le", "chat", "assis"])
    assert len(rows) == 7
    assert rows[3] == (4, unrolling.BLANK, "le") and rows[-1] == (7, "", unrolling.BLANK)
    assert all(out == "" for _, _, out in rows[:3])


@pytest.mark.parametrize("T", [1, 4, 6])
def test_loop_and_unrolled_figure_draws_one_copy_per_step(T):
    fig = unrolling.plot_loop_and_unrolled(T=T)
    ax = fig.axes[0]
    texts = [t.get_text() for t in ax.texts]
    assert texts.count("cell") == T + 1  # the loop's cell and one copy per step
    assert f"$x_{T}$" in texts and f"$y_{T}$" in texts and f"$x_{T + 1}$" not in texts
    assert f"for {T} time steps" in fig._wm_description
    assert all(t.get_fontsize() == matplotlib.rcParams["font.size"] for t in ax.texts)
    with pytest.raises(ValueError, match="T must be"):
        unrolling.plot_loop_and_unrolled(T=0)


# -- exercise checks ------------------------------------------------------------------------
def test_exercise_checks_accept_right_and_reject_wrong(capsys):
    assert unrolling.check_vanilla_step(lambda W, U, b, s, x: np.tanh(s @ W.T + x @ U.T + b))
    assert not unrolling.check_vanilla_step(lambda W, U, b, s, x: np.tanh(s @ W + x @ U.T + b))
    assert not unrolling.check_vanilla_step(lambda W, U, b, s, x: 1 / 0)
    assert not unrolling.check_vanilla_step("tanh")
    assert unrolling.check_schedule_length(3, 3, 7)
    assert not unrolling.check_schedule_length(3, 3, 6)
    assert not unrolling.check_schedule_length(3, 3, "seven")
    out = capsys.readouterr().out
    assert "correct" in out and "not yet" in out and "ZeroDivisionError" in out


def test_exercise_checks_never_print_the_expected_value(capsys, numbers_in):
    wrong = [
        (lambda: unrolling.check_schedule_length(4, 5, 7), [10]),
        (lambda: unrolling.check_schedule_length(4, 5, 12), [10]),
        (lambda: unrolling.check_vanilla_step(lambda W, U, b, s, x: s), []),
        (lambda: unrolling.check_vanilla_step(lambda W, U, b, s, x: s[:, :2]), []),
    ]
    for call, secrets in wrong:
        assert call() is False
        out = capsys.readouterr().out
        assert "not yet" in out and len(out.strip()) > len("x: not yet.")  # a hint is given
        for value in secrets:
            for shown in numbers_in(out):
                assert not np.isclose(shown, value, rtol=1e-3, atol=1e-4), (out, value)


@pytest.mark.parametrize(
    "slip, hint",
    [
        (lambda W, U, b, s, x: np.tanh(s @ W + x @ U.T + b), "transposed"),
        (lambda W, U, b, s, x: s @ W.T + x @ U.T + b, "tanh"),
        (lambda W, U, b, s, x: np.tanh(s @ W.T + x @ U.T), "bias"),
        (lambda W, U, b, s, x: np.tanh(s @ W.T + b), "input term"),
        (lambda W, U, b, s, x: np.tanh(x @ U.T + b), "state term"),
        (lambda W, U, b, s, x: None, "return"),
    ],
)
def test_vanilla_step_check_names_common_slips(capsys, slip, hint):
    assert unrolling.check_vanilla_step(slip) is False
    assert hint in capsys.readouterr().out
