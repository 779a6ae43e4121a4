"""Running many training runs (rnnlib/book/comparison/pool.py): in one process or in a pool,
the same numbers (merged: compare.py and long_lag.py had one pool each)."""

from __future__ import annotations

import pytest

from rnnlib.book import comparison


def quick_job(quick: dict, task: str = "charlm", cell: str = "lstm") -> dict:
    spec = next(t for t in quick["config"]["tasks"] if t["name"] == task)
    return {
        "config": quick["config"],
        "task": spec,
        "cell": cell,
        "seed": 1,
        "lr": quick["chosen_lr"][task][cell],
        "phase": "final",
        "n_hidden": quick["sizes"][task]["cells"][cell]["n_hidden"],
    }


KEYS = comparison.MEASURES + (
    "steps_to_threshold",
    "diverged",
    "curve_steps",
    "curve_val_loss",
    "train_loss",
)


def test_a_training_run_is_bitwise_repeatable_in_one_process_and_across_processes(quick):
    """Same configuration and seed, same numbers to the last bit, whether the run goes again in
    this process or in a fresh worker process (as the full run's pool does)."""
    job = quick_job(quick)
    here = comparison.run_one(job)
    again = comparison.run_one(job)
    (spawned,) = comparison.map_jobs(comparison.run_one, [job], workers=2)
    for other in (again, spawned):
        for key in KEYS:
            assert other[key] == here[key], key


def test_results_come_back_in_job_order_whatever_the_cost_order(quick):
    jobs = [quick_job(quick, "adding", "vanilla"), quick_job(quick, "copy", "gru")]
    seen = []
    out = comparison.map_jobs(
        comparison.run_one,
        jobs,
        cost=lambda j: j["task"]["name"] == "copy",
        report=lambda count, total, r, s: seen.append((count, r["task"])),
    )
    assert [r["task"] for r in out] == ["adding", "copy"]
    assert seen == [(1, "copy"), (2, "adding")]  # the costlier job started first
    with pytest.raises(ValueError, match="workers must be a positive integer"):
        comparison.map_jobs(comparison.run_one, jobs, workers=0)
