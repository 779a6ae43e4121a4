"""Training runs of the comparison: one run (:func:`run_one`) and the whole comparison
(:func:`run_config`).

For every task and cell the comparison

1. picks the state size that brings the parameter count (readout included) closest to the
   task's budget, and checks that every cell lands within 5 % of it (:mod:`.config`);
2. trains once per learning rate of a small sweep (seed ``sweep_seed``) and keeps the rate with
   the lowest final *validation* loss (:func:`.stats.choose_rates`);
3. trains again at that rate on each of the reporting ``seeds`` and measures the final loss and
   accuracy on a separate *test* set, the steps until the validation loss first falls below the
   task's threshold, and the wall time per step.

Every run trains with the core's :func:`rnnlib.train.train` (one batch convention,
:mod:`rnnlib.tasks`; one Adam, :mod:`rnnlib.optim`), in chunks of ``eval_every`` steps with a
validation loss after each (:func:`train_in_chunks`, shared with the long-lag experiment).
"""

from __future__ import annotations

import math
import os
import platform
import time
from dataclasses import asdict

import numpy as np

from .config import Config, TaskSpec, budgets, config_from_dict
from .pool import map_jobs
from .results import loadavg, strip_curves, versions
from .stats import choose_rates, summarize, verdicts
from .streams import DATA_STREAM, INIT_STREAM, eval_sets, rng_for


def evaluate(model, task, batch, acc_tol: float | None) -> tuple[float, float]:
    """Loss and accuracy of ``model`` on ``batch``.

    Accuracy: for classification, the fraction of scored positions whose top logit is the
    target; for regression, the fraction whose absolute error is under ``acc_tol``.
    """
    loss = model.loss(batch, task.kind)
    if task.kind == "classify":
        return loss, model.accuracy(batch)
    if acc_tol is None:
        raise ValueError(
            f"{task!r} is a regression task: its accuracy needs acc_tol (the "
            "absolute error under which an answer counts as right), got None"
        )
    error = np.abs(model.predict(batch.xs) - batch.targets).max(axis=-1)  # (T, B)
    hits = (error < acc_tol) * batch.mask
    return loss, float(hits.sum() / batch.mask.sum())


def train_in_chunks(
    model,
    task,
    optimizer,
    data_rng: np.random.Generator,
    steps: int,
    eval_every: int,
    batch_size: int,
    clip_norm: float | None,
    val,
) -> dict:
    """Train ``model`` for ``steps`` steps with :func:`rnnlib.train.train`, in chunks of
    ``eval_every``, measuring the loss on the batch ``val`` at the start and after each chunk.

    Returns ``steps`` (done; fewer if training diverged), ``diverged``, ``curve_steps`` and
    ``curve`` (the validation loss there; inf after a divergence), ``train_loss`` (the mean
    training loss of each chunk) and ``step_times`` (seconds per step).
    """
    from rnnlib.train import train

    curve_steps, curve = [0], [model.loss(val, task.kind)]
    train_loss, step_times, done, diverged = [], [], 0, False
    while done < steps and not diverged:
        chunk = min(eval_every, steps - done)
        history = train(
            model,
            task,
            chunk,
            optimizer,
            data_rng,
            batch_size=batch_size,
            clip_norm=clip_norm,
            progress=False,
        )
        train_loss.append(float(np.mean(history.loss)))
        step_times.extend(np.diff(history.wall_time, prepend=0.0).tolist())
        done += history.steps
        diverged = history.diverged
        curve_steps.append(done)
        curve.append(math.inf if diverged else model.loss(val, task.kind))
    return {
        "steps": done,
        "diverged": bool(diverged),
        "curve_steps": curve_steps,
        "curve": curve,
        "train_loss": train_loss,
        "step_times": step_times,
    }


def run_one(job: dict) -> dict:
    """Train one cell on one task at one learning rate and seed; return what was measured.

    ``job`` holds ``config`` (a dict, see :class:`Config`), ``task`` (a TaskSpec as a dict),
    ``cell``, ``n_hidden``, ``lr``, ``seed`` and ``phase`` ("sweep" or "final").
    """
    from rnnlib import make_cell, optim
    from rnnlib.model import Model

    cpu_start = time.process_time()
    cfg, spec = job["config"], TaskSpec(**job["task"])
    task = spec.make()
    val, test = eval_sets(spec, config_from_dict(cfg), task)
    init_rng = rng_for(INIT_STREAM, spec.name, job["seed"])
    cell = make_cell(job["cell"], task.n_in, job["n_hidden"], init_rng, init=cfg["init"])
    model = Model(cell, task.n_out, init_rng)
    optimizer = getattr(optim, cfg["optimizer"])(job["lr"])
    data_rng = rng_for(DATA_STREAM, spec.name, job["seed"])
    run = train_in_chunks(
        model,
        task,
        optimizer,
        data_rng,
        cfg["steps"],
        cfg["eval_every"],
        cfg["batch_size"],
        cfg["clip_norm"],
        val,
    )

    diverged = run["diverged"]
    val_loss, val_acc = (math.inf, 0.0) if diverged else evaluate(model, task, val, spec.acc_tol)
    test_loss, test_acc = (math.inf, 0.0) if diverged else evaluate(model, task, test, spec.acc_tol)
    reached = [s for s, v in zip(run["curve_steps"], run["curve"]) if v <= spec.threshold]
    return {
        "task": spec.name,
        "cell": job["cell"],
        "phase": job["phase"],
        "lr": job["lr"],
        "seed": job["seed"],
        "n_hidden": job["n_hidden"],
        "n_params": model.n_params,
        "steps": run["steps"],
        "diverged": diverged,
        "val_loss": val_loss,
        "val_acc": val_acc,
        "test_loss": test_loss,
        "test_acc": test_acc,
        "steps_to_threshold": reached[0] if reached else None,
        "time_per_step_ms": 1000.0 * float(np.median(run["step_times"])),
        "cpu_time_s": time.process_time() - cpu_start,  # this process's CPU time for the run
        "curve_steps": run["curve_steps"],
        "curve_val_loss": run["curve"],
        "train_loss": run["train_loss"],
    }


def job_cost(job: dict) -> float:
    """A rough cost of a job (sequence length x gated-ness), to start the longest first."""
    weight = {
        "vanilla": 1,
        "prototype": 2,
        "gru": 2,
        "normalized": 3,
        "pseudo": 3,
        "lstm": 3,
        "peephole": 3.5,
    }[job["cell"]]
    size = {"copy": 1.0, "adding": 1.2, "reber": 1.0, "charlm": 2.0}[job["task"]["name"]]
    return weight * size


def print_progress(count: int, total: int, result: dict, seconds: float) -> None:
    """One line per finished run (the command line's progress)."""
    print(
        f"[{count:3d}/{total}] {seconds:7.1f}s  {result['task']:7s} "
        f"{result['cell']:10s} lr={result['lr']:<6g} seed={result['seed']} "
        f"val={result['val_loss']:.4f}  {result['time_per_step_ms']:.1f} ms/step",
        flush=True,
    )


def run_config(config: Config, workers: int | None = None, progress: bool = False) -> dict:
    """Run the whole comparison for ``config``; return the results as a JSON-ready dict."""
    if not isinstance(config, Config):
        raise TypeError(
            f"config must be a comparison Config (QUICK, FULL), got {type(config).__name__}"
        )
    workers = config.workers if workers is None else workers
    report = print_progress if progress else None
    start = time.perf_counter()
    load_before = loadavg()
    sizes = budgets(config)
    cfg = config.to_dict()
    specs = {s.name: asdict(s) for s in config.tasks}

    def job(task, cell, lr, seed, phase):
        return {
            "config": cfg,
            "task": specs[task],
            "cell": cell,
            "lr": lr,
            "seed": seed,
            "phase": phase,
            "n_hidden": sizes[task]["cells"][cell]["n_hidden"],
        }

    sweep_jobs = [
        job(t.name, c, lr, config.sweep_seed, "sweep")
        for t in config.tasks
        for c in config.cells
        for lr in config.learning_rates
    ]
    sweep = map_jobs(run_one, sweep_jobs, workers, job_cost, report)
    chosen = choose_rates(sweep)
    final_jobs = [
        job(t.name, c, chosen[t.name][c], s, "final")
        for t in config.tasks
        for c in config.cells
        for s in config.seeds
    ]
    final = map_jobs(run_one, final_jobs, workers, job_cost, report)
    results = {
        "config": cfg,
        "sizes": sizes,
        "chosen_lr": chosen,
        "sweep": [strip_curves(r) for r in sweep],
        "runs": final,
        "thresholds": {t.name: t.threshold for t in config.tasks},
        "chance_loss": {t.name: float(t.make().chance_loss()) for t in config.tasks},
        "wall_time_s": round(time.perf_counter() - start, 1),
        "workers": workers,
        "machine": {
            "load_before": load_before,
            "load_after": loadavg(),
            "cpu_count": os.cpu_count(),
            "platform": platform.platform(),
        },
        "versions": versions(),
    }
    results["summary"] = summarize(results)
    results["verdicts"] = verdicts(results)
    return results
