"""The comparison's statistics (rnnlib/book/comparison/stats.py)."""

from __future__ import annotations

import math

import pytest

from rnnlib.book import comparison


def test_choose_rates_takes_the_lowest_validation_loss_and_skips_divergence():
    sweep = [
        {"task": "t", "cell": "a", "lr": 0.01, "val_loss": 0.5},
        {"task": "t", "cell": "a", "lr": 0.03, "val_loss": 0.2},
        {"task": "t", "cell": "a", "lr": 0.003, "val_loss": math.inf},
        {"task": "t", "cell": "b", "lr": 0.03, "val_loss": math.inf},
        {"task": "t", "cell": "b", "lr": 0.01, "val_loss": 0.7},
        {"task": "t", "cell": "c", "lr": 0.03, "val_loss": 0.4},
        {"task": "t", "cell": "c", "lr": 0.01, "val_loss": 0.4},
    ]
    assert comparison.choose_rates(sweep) == {"t": {"a": 0.03, "b": 0.01, "c": 0.01}}


def test_permutation_p():
    assert comparison.permutation_p([1, 2, 3], [4, 5, 6]) == pytest.approx(0.1)
    assert comparison.permutation_p([1, 2, 3, 4], [5, 6, 7, 8]) == pytest.approx(2 / 70)
    assert comparison.permutation_p([1, 2], [1, 2]) == 1.0
    assert comparison.permutation_p([1, 5, 3], [2, 4, 6]) > 0.5


def test_summary_and_verdicts_follow_from_the_runs(committed):
    assert set(committed) == {"quick", "full"}
    for res in committed.values():
        for row, fresh in zip(res["summary"], comparison.summarize(res)):
            for key, value in fresh.items():
                if isinstance(value, float) and not math.isfinite(value):
                    continue
                assert row[key] == pytest.approx(value), (row["task"], row["cell"], key)
        assert comparison.verdicts(res) == res["verdicts"]
        assert comparison.choose_rates(res["sweep"]) == res["chosen_lr"]


def test_curves_span_the_seeds_and_name_a_missing_cell(full):
    curve = comparison.curves(full, "copy", "gru")
    assert curve["runs"].shape == (len(full["config"]["seeds"]), len(curve["steps"]))
    assert (curve["min"] <= curve["mean"]).all() and (curve["mean"] <= curve["max"]).all()
    with pytest.raises(ValueError, match="no runs of 'lstm2' on 'copy'"):
        comparison.curves(full, "copy", "lstm2")
