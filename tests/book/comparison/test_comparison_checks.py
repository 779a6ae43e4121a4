"""The exercise checks of chapter 7 (rnnlib/book/comparison/checks.py)."""

from __future__ import annotations

import pytest

from rnnlib.book import comparison


def test_exercise_checks(capsys):
    assert comparison.check_smallest_p(2 / 70, n_seeds=4)
    assert comparison.check_smallest_p(2 / 252, n_seeds=5)
    assert not comparison.check_smallest_p(0.05)
    assert comparison.check_smallest_p(comparison.smallest_p(len(comparison.FULL.seeds)))
    assert comparison.check_gru_size(23)
    assert not comparison.check_gru_size(20)
    out = capsys.readouterr().out
    assert "not yet" in out and "correct." in out


def test_checks_never_print_the_answer(capsys):
    assert not comparison.check_smallest_p(1 / 252)  # the one-sided slip has its own hint
    assert "one-sided" in capsys.readouterr().out
    assert not comparison.check_gru_size(24)
    out = capsys.readouterr().out
    assert "23" not in out and "0.00794" not in out
    with pytest.raises(ValueError, match="positive integer"):
        comparison.smallest_p(0)
