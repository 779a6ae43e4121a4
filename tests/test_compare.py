"""Tests of the comparison (chapter 7): budgets, the statistics, and the committed results."""

from __future__ import annotations

import csv
import math

import numpy as np
import pytest

from rnnlib.exercises import comparison as ex
from rnnlib.experiments import compare as C

NAMES = ("quick", "full")


@pytest.fixture(scope="module")
def committed():
    return {name: C.load_results(name) for name in NAMES if C.results_file(name).is_file()}


# -- the design ----------------------------------------------------------------------------
@pytest.mark.parametrize("config", [C.QUICK, C.FULL], ids=["quick", "full"])
def test_every_cell_gets_the_same_budget_within_5_percent(config):
    sizes = C.budgets(config)
    assert len(sizes) >= 3
    for task, info in sizes.items():
        assert set(info["cells"]) == set(C.CELL_NAMES)
        for cell, size in info["cells"].items():
            spec = next(s for s in config.tasks if s.name == task)
            t = spec.make()
            assert size["n_params"] == C.param_count(cell, t.n_in, size["n_hidden"], t.n_out)
            assert abs(size["n_params"] / info["budget"] - 1) <= 0.05, (task, cell, size)


def test_full_config_meets_the_issue():
    cfg = C.FULL
    assert len(cfg.seeds) >= 3 and cfg.sweep_seed not in cfg.seeds
    assert len(cfg.learning_rates) >= 3
    assert len(cfg.tasks) >= 3 and cfg.workers == 2
    assert set(cfg.cells) == set(C.CELL_NAMES)


def test_param_count_matches_a_built_model():
    from rnnlib import make_cell
    from rnnlib.model import Model

    rng = np.random.default_rng(0)
    for cell in C.CELL_NAMES:
        model = Model(make_cell(cell, 5, 7, rng), 3, rng)
        assert C.param_count(cell, 5, 7, 3) == model.n_params


def test_evaluation_loss_is_the_training_loss():
    """The validation loss the comparison reports is the loss the trainer minimizes."""
    from rnnlib import make_cell
    from rnnlib.model import Model

    for spec in C.QUICK.tasks:
        task = spec.make()
        rng = np.random.default_rng(3)
        model = Model(make_cell("pseudo", task.n_in, 6, rng), task.n_out, rng)
        batch = task.sample(rng, 8)
        loss, _, _ = model.loss_and_grads(batch, task.kind)
        got, acc = C.evaluate(model, task, batch, spec.acc_tol)
        assert got == pytest.approx(loss, rel=1e-12)
        assert 0.0 <= acc <= 1.0


def test_data_streams_do_not_depend_on_the_cell_or_the_rate():
    a = C.rng_for(C.DATA_STREAM, "adding", 2).random(5)
    b = C.rng_for(C.DATA_STREAM, "adding", 2).random(5)
    c = C.rng_for(C.DATA_STREAM, "adding", 3).random(5)
    d = C.rng_for(C.VAL_STREAM, "adding", 2).random(5)
    assert np.array_equal(a, b) and not np.array_equal(a, c) and not np.array_equal(a, d)


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
    assert C.choose_rates(sweep) == {"t": {"a": 0.03, "b": 0.01, "c": 0.01}}


def test_permutation_p():
    assert C.permutation_p([1, 2, 3], [4, 5, 6]) == pytest.approx(0.1)
    assert C.permutation_p([1, 2, 3, 4], [5, 6, 7, 8]) == pytest.approx(2 / 70)
    assert C.permutation_p([1, 2], [1, 2]) == 1.0
    assert C.permutation_p([1, 5, 3], [2, 4, 6]) > 0.5


def test_exercise_checks(capsys):
    assert ex.check_smallest_p(2 / 70, n_seeds=4)
    assert ex.check_smallest_p(2 / 252, n_seeds=5)
    assert not ex.check_smallest_p(0.05)
    assert ex.check_smallest_p(ex.smallest_p(len(C.FULL.seeds)))
    assert ex.check_gru_size(23)
    assert not ex.check_gru_size(20)
    assert "not yet" in capsys.readouterr().out
    # the callable helper of the package is not shadowed by the chapter's module
    import rnnlib.exercises

    assert callable(rnnlib.exercises.compare)


# -- the committed results -----------------------------------------------------------------
RESULT_KEYS = ("config", "sizes", "chosen_lr", "sweep", "runs", "summary", "verdicts",
               "thresholds", "chance_loss", "wall_time_s", "workers", "machine", "versions")
RUN_KEYS = C.RUN_FIELDS + ("curve_steps", "curve_val_loss", "train_loss")
VERDICT_KEYS = ("mean_first", "mean_second", "mean_difference", "outcome", "p",
                "first_wins_pairs", "pairs")


@pytest.mark.parametrize("name", NAMES)
def test_results_files_carry_every_field_the_chapter_reads(name, committed):
    if name not in committed:
        pytest.fail(f"rnnlib/data/comparison/compare_{name}.json is missing; run "
                    f"python -m rnnlib.experiments.compare --{name}")
    res = committed[name]
    for key in RESULT_KEYS:
        assert key in res, key
    for key in ("python", "numpy", "rnnlib"):
        assert res["versions"][key]
    cfg = res["config"]
    tasks = [t["name"] for t in cfg["tasks"]]
    assert tasks == list(res["sizes"])
    for run in res["runs"]:
        for key in RUN_KEYS:
            assert key in run, key
        assert len(run["curve_steps"]) == len(run["curve_val_loss"])
    for task in tasks:
        for cell in cfg["cells"]:
            runs = [r for r in res["runs"] if r["task"] == task and r["cell"] == cell]
            assert sorted(r["seed"] for r in runs) == sorted(cfg["seeds"])
            assert {r["lr"] for r in runs} == {res["chosen_lr"][task][cell]}
            sweep = [r for r in res["sweep"] if r["task"] == task and r["cell"] == cell]
            assert sorted(r["lr"] for r in sweep) == sorted(cfg["learning_rates"])
            curve = C.curves(res, task, cell)
            assert curve["mean"].shape == curve["steps"].shape
        for key in VERDICT_KEYS:
            assert key in res["verdicts"][task]
    assert len(res["summary"]) == len(tasks) * len(cfg["cells"])
    for row in res["summary"]:
        for key in C.SUMMARY_FIELDS:
            assert key in row, key
    with C.results_file(name, "csv").open(newline="") as f:
        rows = list(csv.DictReader(f))
    assert tuple(rows[0]) == C.SUMMARY_FIELDS and len(rows) == len(res["summary"])
    with C.results_file(name, "runs_csv").open(newline="") as f:
        assert len(list(csv.DictReader(f))) == len(res["sweep"]) + len(res["runs"])


def test_summary_and_verdicts_follow_from_the_runs(committed):
    for res in committed.values():
        for row, fresh in zip(res["summary"], C.summarize(res)):
            for key, value in fresh.items():
                if isinstance(value, float) and not math.isfinite(value):
                    continue
                assert row[key] == pytest.approx(value), (row["task"], row["cell"], key)
        assert C.verdicts(res) == res["verdicts"]


def test_quick_configuration_reproduces_the_committed_quick_results(committed):
    """The committed numbers come from this code: rerun the quick configuration and compare."""
    if "quick" not in committed:
        pytest.fail("rnnlib/data/comparison/compare_quick.json is missing")
    fresh = C.run_config(C.QUICK, workers=1)
    assert C.max_relative_difference(fresh, committed["quick"]) <= C.RTOL
    assert fresh["chosen_lr"] == committed["quick"]["chosen_lr"]
    assert fresh["sizes"] == committed["quick"]["sizes"]


@pytest.mark.parametrize("task, cell, seed", [("copy", "vanilla", 1), ("adding", "pseudo", 2)])
def test_single_runs_of_the_full_configuration_reproduce(committed, task, cell, seed):
    """Rerunning one committed full-run training run (a few seconds) gives the same numbers."""
    if "full" not in committed:
        pytest.fail("rnnlib/data/comparison/compare_full.json is missing")
    res = committed["full"]
    saved = next(r for r in res["runs"]
                 if (r["task"], r["cell"], r["seed"]) == (task, cell, seed))
    spec = next(t for t in res["config"]["tasks"] if t["name"] == task)
    fresh = C.run_one({"config": res["config"], "task": spec, "cell": cell, "lr": saved["lr"],
                       "seed": seed, "phase": "final", "n_hidden": saved["n_hidden"]})
    for key in C.MEASURES:
        assert fresh[key] == pytest.approx(saved[key], rel=C.RTOL), key
    np.testing.assert_allclose(fresh["curve_val_loss"], saved["curve_val_loss"], rtol=C.RTOL)
