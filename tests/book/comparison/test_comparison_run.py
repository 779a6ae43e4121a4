"""Training runs of the comparison (rnnlib/book/comparison/run.py), and the committed results
reproduced from them."""

from __future__ import annotations

import json

import numpy as np
import pytest

from rnnlib.book import comparison


def test_evaluation_loss_is_the_training_loss():
    """The validation loss the comparison reports is the loss the trainer minimizes."""
    from rnnlib import make_cell
    from rnnlib.model import Model

    for spec in comparison.QUICK.tasks:
        task = spec.make()
        rng = np.random.default_rng(3)
        model = Model(make_cell("pseudo", task.n_in, 6, rng), task.n_out, rng)
        batch = task.sample(rng, 8)
        loss, _, _ = model.loss_and_grads(batch, task.kind)
        got, acc = comparison.evaluate(model, task, batch, spec.acc_tol)
        assert got == pytest.approx(loss, rel=1e-12)
        assert 0.0 <= acc <= 1.0
    with pytest.raises(ValueError, match="needs acc_tol"):
        adding = comparison.QUICK.tasks[1].make()
        comparison.evaluate(
            Model(make_cell("gru", 2, 3, rng), 1, rng), adding, adding.sample(rng, 2), None
        )


def test_training_in_chunks_is_one_call_of_the_core_trainer():
    """The one training loop (merged: compare.py and long_lag.py had their own chunked loops):
    train_in_chunks is rnnlib.train.train split into chunks, with the same optimizer, so it
    ends with the same parameters and losses to the last bit as one uninterrupted call."""
    from rnnlib import make_cell, optim
    from rnnlib.model import Model
    from rnnlib.train import train

    task = comparison.QUICK.tasks[2].make()  # Reber: variable lengths, masks

    def model():
        rng = np.random.default_rng(4)
        return Model(make_cell("lstm", task.n_in, 5, rng), task.n_out, rng)

    val = task.sample(np.random.default_rng(1), 8)
    chunked, whole = model(), model()
    run = comparison.train_in_chunks(
        chunked,
        task,
        optim.Adam(0.03),
        np.random.default_rng(7),
        steps=12,
        eval_every=5,
        batch_size=4,
        clip_norm=1.0,
        val=val,
    )
    history = train(
        whole,
        task,
        12,
        optim.Adam(0.03),
        np.random.default_rng(7),
        batch_size=4,
        clip_norm=1.0,
        progress=False,
    )
    for name, value in whole.params.items():
        assert np.array_equal(chunked.params[name], value), name
    assert run["curve_steps"] == [0, 5, 10, 12] and run["steps"] == 12 and not run["diverged"]
    assert run["train_loss"] == [float(np.mean(history.loss[i : i + 5])) for i in (0, 5, 10)]
    assert run["curve"][-1] == whole.loss(val, task.kind)
    assert len(run["step_times"]) == 12


def job_of(res: dict, task: str, cell: str, seed: int, lr: float | None = None) -> dict:
    """The job of one run of committed results ``res`` (its reporting run, or with ``lr`` its
    sweep run)."""
    phase = "final" if lr is None else "sweep"
    lr = res["chosen_lr"][task][cell] if lr is None else lr
    spec = next(t for t in res["config"]["tasks"] if t["name"] == task)
    return {
        "config": res["config"],
        "task": spec,
        "cell": cell,
        "lr": lr,
        "seed": seed,
        "phase": phase,
        "n_hidden": res["sizes"][task]["cells"][cell]["n_hidden"],
    }


def saved_run(res: dict, job: dict) -> dict:
    runs = res["runs"] if job["phase"] == "final" else res["sweep"]
    return next(
        r
        for r in runs
        if (r["task"], r["cell"], r["seed"], r["lr"])
        == (job["task"]["name"], job["cell"], job["seed"], job["lr"])
    )


def test_quick_configuration_reproduces_the_committed_quick_results(quick):
    """The committed numbers come from this code: rerun every reporting run of the quick
    configuration at its committed rate and compare every loss, accuracy and curve point (to
    RTOL); the budgets and the rate choice follow from what was committed. (The whole quick
    pipeline, sweep included, runs in chapter 7, whose nbval-checked cell compares it with the
    committed file, and bit for bit in the opt-in regenerate test below.)"""
    assert comparison.budgets(comparison.QUICK) == quick["sizes"]
    assert json.loads(json.dumps(comparison.QUICK.to_dict())) == quick["config"]
    assert comparison.choose_rates(quick["sweep"]) == quick["chosen_lr"]
    jobs = [
        job_of(quick, t, c, s)
        for t in quick["sizes"]
        for c in quick["config"]["cells"]
        for s in quick["config"]["seeds"]
    ]
    fresh = comparison.map_jobs(comparison.run_one, jobs)
    mine = {"sweep": [], "runs": fresh}
    theirs = {"sweep": [], "runs": quick["runs"]}
    assert comparison.max_relative_difference(mine, theirs) <= comparison.RTOL
    for run, saved in zip(fresh, quick["runs"]):
        assert run["steps_to_threshold"] == saved["steps_to_threshold"]


# -- reproducing the committed full results --------------------------------------------------
# Two runs on one machine agree bit for bit: that is a property of the code (seeded generators,
# no hidden state), tested by rerunning (test_comparison_pool.py). Against the committed
# numbers, which another machine's BLAS kernel does not reproduce to the last bit, the tests pin
# what chapter 7 concludes, with tolerances measured by rerunning under OpenBLAS's Haswell and
# SandyBridge kernels (this machine's default is SkylakeX):
# - the quick configuration (20 steps) moved by at most 4e-14 (relative): RTOL = 1e-6, the
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
# Reruns of single full-configuration runs (a second or less each):
# - copy, vanilla RNN, seed 1: of the runs measured, the reporting run that moved most across
#   BLAS kernels (3e-3): it learned, and must learn again;
# - Reber, LSTM, seed 5: the one LSTM run on the Reber task that the chapter says failed;
# - adding, vanilla RNN, the sweep's three rates: a sweep whose runs do not learn and move by up
#   to 17 % across kernels, with a small margin between the best and the next rate (3.7 %):
#   the rate it chooses is what the chapter uses.
FINAL_RERUNS = (("copy", "vanilla", 1), ("reber", "lstm", 5))
SWEEP_RERUN = ("adding", "vanilla")


@pytest.fixture(scope="module")
def full_reruns(full):
    jobs = [job_of(full, *key) for key in FINAL_RERUNS]
    jobs += [
        job_of(full, *SWEEP_RERUN, full["config"]["sweep_seed"], lr)
        for lr in full["config"]["learning_rates"]
    ]
    return [(job, comparison.run_one(job), saved_run(full, job)) for job in jobs]


def learned(run: dict) -> bool:
    """The chapter's 'learned': the validation loss reached the task's threshold."""
    return run["steps_to_threshold"] is not None


@pytest.mark.slow
def test_single_reporting_runs_reach_the_committed_verdicts(full_reruns, full):
    """Rerun here, each reporting run learned (or not) as the committed one did, classified the
    same share of test positions (to 1 %), and ended within SPREAD_FRACTION of its cell's
    seed-to-seed spread of the committed test loss."""
    rows = {(r["task"], r["cell"]): r for r in full["summary"]}
    finals = [(job, fresh, saved) for job, fresh, saved in full_reruns if job["phase"] == "final"]
    assert len(finals) == len(FINAL_RERUNS)
    for job, fresh, saved in finals:
        where = (job["task"]["name"], job["cell"], job["seed"])
        assert not fresh["diverged"] and not saved["diverged"], where
        assert learned(fresh) == learned(saved), where
        assert fresh["test_acc"] == pytest.approx(saved["test_acc"], abs=0.01), where
        spread = rows[job["task"]["name"], job["cell"]]["test_loss_std"]
        assert abs(fresh["test_loss"] - saved["test_loss"]) <= SPREAD_FRACTION * spread, (
            where,
            fresh["test_loss"],
            saved["test_loss"],
            spread,
        )


@pytest.mark.slow
def test_the_learned_copy_run_learns_and_the_failed_reber_run_fails_again(full_reruns):
    """Chapter 7: the vanilla RNN learns the copy task on most seeds (seed 1 among them); one
    LSTM run on the Reber task (seed 5) never learns the long-range symbol."""
    runs = {
        (job["task"]["name"], job["cell"]): fresh
        for job, fresh, _ in full_reruns
        if job["phase"] == "final"
    }
    assert learned(runs["copy", "vanilla"]) and runs["copy", "vanilla"]["test_acc"] == 1.0
    assert not learned(runs["reber", "lstm"]) and runs["reber", "lstm"]["test_acc"] < 0.75


@pytest.mark.slow
def test_a_fresh_sweep_chooses_the_committed_learning_rate(full_reruns, full):
    task, cell = SWEEP_RERUN
    sweep = [fresh for job, fresh, _ in full_reruns if job["phase"] == "sweep"]
    assert len(sweep) == len(full["config"]["learning_rates"])
    assert comparison.choose_rates(sweep) == {task: {cell: full["chosen_lr"][task][cell]}}


# -- the whole configurations, rerun (opt-in: --regenerate -m regenerate) ----------------------
# The full one takes about 10 minutes on two free cores. The conclusions must hold on any
# machine; the bitwise equality only on the machine (CPU and BLAS kernel) that wrote the files.
def best_cell(res: dict, task: str) -> str:
    rows = [r for r in res["summary"] if r["task"] == task]
    return min(rows, key=lambda r: r["test_loss_mean"])["cell"]


def conclusions(res: dict) -> dict:
    """What chapter 7 concludes from a full run: the chosen rates, the pseudo-LSTM-against-LSTM
    verdict per task, the best cell per task, and which cells learned the copy task."""
    rows = {(r["task"], r["cell"]): r for r in res["summary"]}
    return {
        "chosen_lr": res["chosen_lr"],
        "outcomes": {t: v["outcome"] for t, v in res["verdicts"].items()},
        "best": {t: best_cell(res, t) for t in res["sizes"]},
        "copy_learned_by": sorted(
            c for (t, c), r in rows.items() if t == "copy" and r["n_reached"] > 0
        ),
    }


@pytest.fixture(scope="module")
def fresh_full():
    return comparison.run_config(comparison.FULL)


@pytest.mark.regenerate
def test_a_fresh_full_run_reaches_the_committed_conclusions(fresh_full, full):
    assert conclusions(fresh_full) == conclusions(full)


@pytest.mark.regenerate
def test_the_committed_full_results_regenerate_exactly(fresh_full, full):
    assert comparison.max_relative_difference(fresh_full, full) == 0.0
    assert fresh_full["verdicts"] == full["verdicts"]


@pytest.mark.regenerate
def test_the_committed_quick_results_regenerate_exactly(quick):
    fresh = comparison.run_config(comparison.QUICK, workers=1)
    assert comparison.max_relative_difference(fresh, quick) == 0.0
    assert fresh["chosen_lr"] == quick["chosen_lr"]
    assert fresh["sizes"] == quick["sizes"] and fresh["verdicts"] == quick["verdicts"]
