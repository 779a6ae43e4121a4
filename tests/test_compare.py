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
    # the package's helper compare() still works after the chapter's module was imported
    # (a module rnnlib/exercises/compare.py would shadow it)
    import rnnlib.exercises

    assert rnnlib.exercises.compare("x", [1.0, 2.0], [1.0, 2.0])
    assert not rnnlib.exercises.compare("x", [1.0, 2.5], [1.0, 2.0])
    assert capsys.readouterr().out.splitlines()[0] == "x: correct."


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


# -- reproducing the committed results ---------------------------------------------------------
# Two runs on one machine agree bit for bit: that is a property of the code (seeded generators,
# no hidden state), tested by rerunning. Against the committed numbers, which another machine's
# BLAS kernel does not reproduce to the last bit, the tests pin what chapter 7 concludes, with
# tolerances measured by rerunning under OpenBLAS's Haswell and SandyBridge kernels (this
# machine's default is SkylakeX):
# - the quick configuration (20 steps) moved by at most 4e-14 (relative): C.RTOL = 1e-6, the
#   tolerance chapter 7 prints, holds it with eight orders of magnitude to spare;
# - a 300-step run of the full configuration moves by an amount that depends on the run. Of
#   the 136 runs rerun under Haswell, most moved by 1e-16 to 1e-9; runs that do not learn at
#   their rate, or sit near a learning transition, moved much more: in the sweep the adding
#   task's vanilla RNN at rate 0.03 by 17 % and its pseudo LSTM at 0.01 by a factor 3, the
#   Reber task's vanilla RNN at 0.03 from learned (0.00085) to failed (0.785); among the
#   reporting runs the copy task's vanilla RNN, seed 2, by 1.2 times its cell's seed spread
#   (test loss 0.249 -> 0.115), while its seed 1 moved by 3e-3 (2e-4 of the spread). No
#   tolerance on a single run holds for every run. What chapter 7 concludes held there: all 28
#   chosen rates, and the four verdicts to their printed digits (outcome, pairs, p, means).
#   So single reruns are held to what the chapter draws from them, for runs measured to be
#   stable: whether the run learned; its test loss to a small fraction (SPREAD_FRACTION) of
#   its cell's spread over the five seeds, against which the chapter compares cells; and for a
#   sweep, which rate it chooses. The whole rerun and its conclusions are opt-in (below).
SPREAD_FRACTION = 0.1


def test_quick_configuration_reproduces_the_committed_quick_results(committed):
    """The committed numbers come from this code: rerun the quick configuration and compare
    every loss, accuracy and curve point (to C.RTOL) and the chosen learning rates (exactly)."""
    if "quick" not in committed:
        pytest.fail("rnnlib/data/comparison/compare_quick.json is missing")
    fresh = C.run_config(C.QUICK, workers=1)
    assert fresh["sizes"] == committed["quick"]["sizes"]
    assert fresh["chosen_lr"] == committed["quick"]["chosen_lr"]
    assert C.max_relative_difference(fresh, committed["quick"]) <= C.RTOL


def full_job(res: dict, task: str, cell: str, seed: int, lr: float | None = None) -> dict:
    """The job of one run of the committed full configuration (its reporting run, or with
    ``lr`` its sweep run)."""
    phase = "final" if lr is None else "sweep"
    lr = res["chosen_lr"][task][cell] if lr is None else lr
    spec = next(t for t in res["config"]["tasks"] if t["name"] == task)
    return {"config": res["config"], "task": spec, "cell": cell, "lr": lr, "seed": seed,
            "phase": phase, "n_hidden": res["sizes"][task]["cells"][cell]["n_hidden"]}


def saved_run(res: dict, job: dict) -> dict:
    runs = res["runs"] if job["phase"] == "final" else res["sweep"]
    return next(r for r in runs if (r["task"], r["cell"], r["seed"], r["lr"])
                == (job["task"]["name"], job["cell"], job["seed"], job["lr"]))


# Reruns of single full-configuration runs (a few seconds each):
# - copy, vanilla RNN, seed 1: of the runs measured, the reporting run that moved most across
#   BLAS kernels (3e-3): it learned, and must learn again;
# - Reber, LSTM, seed 5: the one LSTM run on the Reber task that the chapter says failed;
# - adding, vanilla RNN, the sweep's three rates: a sweep whose runs do not learn and move by up
#   to 17 % across kernels, with a small margin between the best and the next rate (3.7 %):
#   the rate it chooses is what the chapter uses.
FINAL_RERUNS = (("copy", "vanilla", 1), ("reber", "lstm", 5))
SWEEP_RERUN = ("adding", "vanilla")


@pytest.fixture(scope="module")
def full_reruns(committed):
    if "full" not in committed:
        pytest.fail("rnnlib/data/comparison/compare_full.json is missing")
    res = committed["full"]
    jobs = [full_job(res, *key) for key in FINAL_RERUNS]
    jobs += [full_job(res, *SWEEP_RERUN, res["config"]["sweep_seed"], lr)
             for lr in res["config"]["learning_rates"]]
    return [(job, C.run_one(job), saved_run(res, job)) for job in jobs]


def test_a_training_run_is_bitwise_repeatable_in_one_process_and_across_processes(full_reruns):
    """Same configuration and seed, same numbers to the last bit, whether the run goes again in
    this process or in a fresh worker process (as the full run's pool does)."""
    job, here, _ = full_reruns[0]
    again = C.run_one(job)
    (spawned,) = C._map([job], workers=2, progress=False)
    for other in (again, spawned):
        for key in C.MEASURES + ("steps_to_threshold", "diverged", "curve_steps",
                                 "curve_val_loss", "train_loss"):
            assert other[key] == here[key], key


def learned(run: dict) -> bool:
    """The chapter's 'learned': the validation loss reached the task's threshold."""
    return run["steps_to_threshold"] is not None


def test_single_reporting_runs_reach_the_committed_verdicts(full_reruns, committed):
    """Rerun here, each reporting run learned (or not) as the committed one did, classified the
    same share of test positions (to 1 %), and ended within SPREAD_FRACTION of its cell's
    seed-to-seed spread of the committed test loss."""
    rows = {(r["task"], r["cell"]): r for r in committed["full"]["summary"]}
    finals = [(job, fresh, saved) for job, fresh, saved in full_reruns if job["phase"] == "final"]
    assert len(finals) == len(FINAL_RERUNS)
    for job, fresh, saved in finals:
        where = (job["task"]["name"], job["cell"], job["seed"])
        assert not fresh["diverged"] and not saved["diverged"], where
        assert learned(fresh) == learned(saved), where
        assert fresh["test_acc"] == pytest.approx(saved["test_acc"], abs=0.01), where
        spread = rows[job["task"]["name"], job["cell"]]["test_loss_std"]
        assert abs(fresh["test_loss"] - saved["test_loss"]) <= SPREAD_FRACTION * spread, (
            where, fresh["test_loss"], saved["test_loss"], spread)


def test_the_learned_copy_run_learns_and_the_failed_reber_run_fails_again(full_reruns):
    """Chapter 7: the vanilla RNN learns the copy task on most seeds (seed 1 among them); one
    LSTM run on the Reber task (seed 5) never learns the long-range symbol."""
    runs = {(job["task"]["name"], job["cell"]): fresh for job, fresh, _ in full_reruns
            if job["phase"] == "final"}
    assert learned(runs["copy", "vanilla"]) and runs["copy", "vanilla"]["test_acc"] == 1.0
    assert not learned(runs["reber", "lstm"]) and runs["reber", "lstm"]["test_acc"] < 0.75


def test_a_fresh_sweep_chooses_the_committed_learning_rate(full_reruns, committed):
    task, cell = SWEEP_RERUN
    sweep = [fresh for job, fresh, _ in full_reruns if job["phase"] == "sweep"]
    assert len(sweep) == len(committed["full"]["config"]["learning_rates"])
    assert C.choose_rates(sweep) == {task: {cell: committed["full"]["chosen_lr"][task][cell]}}


# -- the whole full configuration, rerun (opt-in: --regenerate -m regenerate) --------------------
# About 10 minutes on two free cores. The conclusions must hold on any machine; the bitwise
# equality only on the machine (CPU and BLAS kernel) that wrote the committed files.
def best_cell(res: dict, task: str) -> str:
    rows = [r for r in res["summary"] if r["task"] == task]
    return min(rows, key=lambda r: r["test_loss_mean"])["cell"]


def conclusions(res: dict) -> dict:
    """What chapter 7 concludes from a full run: the chosen rates, the pseudo-LSTM-against-LSTM
    verdict per task, the best cell per task, and which cells learned the copy task."""
    rows = {(r["task"], r["cell"]): r for r in res["summary"]}
    return {"chosen_lr": res["chosen_lr"],
            "outcomes": {t: v["outcome"] for t, v in res["verdicts"].items()},
            "best": {t: best_cell(res, t) for t in res["sizes"]},
            "copy_learned_by": sorted(c for (t, c), r in rows.items()
                                      if t == "copy" and r["n_reached"] > 0)}


@pytest.fixture(scope="module")
def fresh_full():
    return C.run_config(C.FULL)


@pytest.mark.regenerate
def test_a_fresh_full_run_reaches_the_committed_conclusions(fresh_full, committed):
    assert conclusions(fresh_full) == conclusions(committed["full"])


@pytest.mark.regenerate
def test_the_committed_full_results_regenerate_exactly(fresh_full, committed):
    assert C.max_relative_difference(fresh_full, committed["full"]) == 0.0
    assert fresh_full["verdicts"] == committed["full"]["verdicts"]


@pytest.mark.regenerate
def test_the_committed_quick_results_regenerate_exactly(committed):
    fresh = C.run_config(C.QUICK, workers=1)
    assert C.max_relative_difference(fresh, committed["quick"]) == 0.0
    assert fresh["chosen_lr"] == committed["quick"]["chosen_lr"]
