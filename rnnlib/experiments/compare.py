"""The empirical comparison of the seven cells (chapter 7): same tasks, data, seeds and budget.

For every task and cell the experiment

1. picks the state size that brings the parameter count (readout included) closest to the
   task's budget, and checks that every cell lands within 5 % of it;
2. trains once per learning rate of a small sweep (seed ``sweep_seed``) and keeps the rate with
   the lowest final *validation* loss;
3. trains again at that rate on each of the reporting ``seeds`` and measures the final loss and
   accuracy on a separate *test* set, the steps until the validation loss first falls below the
   task's threshold, and the wall time per step.

A seed fixes the model's initial weights and the stream of training batches; the batch stream
depends on the seed and the task only, so every cell sees exactly the same data. Validation
and test sets are fixed per task. Clipping, optimizer and batch size are the same for all.

Run it from the shell::

    python -m rnnlib.experiments.compare --quick     # seconds; writes compare_quick.*
    python -m rnnlib.experiments.compare --full      # both cores, minutes; compare_full.*
    python -m rnnlib.experiments.compare --full --out DIR    # write into DIR instead
    python -m rnnlib.experiments.compare --quick --check     # rerun, compare, write nothing

or from Python with :func:`run_config` (``QUICK`` or ``FULL``) and :func:`save_results`.

The committed results are package data, ``rnnlib/data/comparison/`` (:data:`RESULTS`), read
with :mod:`importlib.resources`, so chapter 7 finds them wherever rnnlib is installed (an
editable checkout, or a wheel on Colab). The command line writes there by default, which in a
checkout (an editable install) is the repository's copy.
"""

from __future__ import annotations

import csv
import itertools
import json
import math
import os
import platform
import sys
import time
from dataclasses import asdict, dataclass, field
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

import numpy as np

CELL_NAMES = ("vanilla", "prototype", "normalized", "gru", "pseudo", "lstm", "peephole")
# The committed results: package data of rnnlib (declared in pyproject.toml), found through
# importlib.resources, never through a path into the repository.
RESULTS: Traversable = resources.files("rnnlib") / "data" / "comparison"
# Two runs of the same configuration on one machine give bitwise equal numbers. Another
# machine's BLAS kernel rounds differently, and training amplifies that: the quick
# configuration (20 steps) moved by at most 4e-14 under OpenBLAS's Haswell and SandyBridge
# kernels; 300-step runs of the full configuration by 1e-16 to 3e-3 when they learn, by up to
# 17 % (or a factor 3 near a learning transition) when they do not. RTOL is the tolerance of
# `--check` and of chapter 7 for the quick configuration; the full one meets it only on the
# machine that wrote it (tests/test_compare.py pins its conclusions instead).
RTOL = 1e-6


# -- configuration -------------------------------------------------------------------------
@dataclass(frozen=True)
class TaskSpec:
    """One task of the comparison and how it is scored.

    ``threshold`` is the validation loss that counts as "learned" for the steps-to-threshold
    measure; ``acc_tol`` (regression only) is the absolute error under which an answer counts
    as correct.
    """

    name: str
    kwargs: dict
    budget_hidden: int  # the budget is the parameter count of a basic LSTM with this state size
    threshold: float
    acc_tol: float | None = None
    label: str = ""

    def make(self):
        from rnnlib.tasks import get_task

        return get_task(self.name, **self.kwargs)


@dataclass(frozen=True)
class Config:
    """Everything that defines a run of the comparison (it is saved next to the results)."""

    name: str
    tasks: tuple[TaskSpec, ...]
    cells: tuple[str, ...] = CELL_NAMES
    learning_rates: tuple[float, ...] = (0.003, 0.01, 0.03)
    sweep_seed: int = 0
    seeds: tuple[int, ...] = (1, 2, 3, 4, 5)
    steps: int = 300
    batch_size: int = 32
    eval_every: int = 20
    n_val: int = 256
    n_test: int = 512
    clip_norm: float = 1.0
    optimizer: str = "Adam"
    init: str = "uniform"
    budget_tolerance: float = 0.05
    workers: int = 1
    notes: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        d = asdict(self)
        d["tasks"] = [asdict(t) for t in self.tasks]
        return d


FULL_TASKS = (
    TaskSpec("copy", {"n_symbols": 4, "length": 3, "delay": 15}, budget_hidden=20,
             threshold=0.1, label="copy: recall 3 symbols after 15 blank steps"),
    TaskSpec("adding", {"length": 25}, budget_hidden=20, threshold=0.01, acc_tol=0.04,
             label="adding problem, 25 steps"),
    TaskSpec("reber", {"score": "long", "max_length": 30}, budget_hidden=20, threshold=0.1,
             label="embedded Reber, the long-range symbol"),
    TaskSpec("charlm", {"seq_len": 20}, budget_hidden=20, threshold=2.5,
             label="character language model, 20 characters"),
)

QUICK_TASKS = (
    TaskSpec("copy", {"n_symbols": 4, "length": 2, "delay": 4}, budget_hidden=12,
             threshold=1.0, label="copy: recall 2 symbols after 4 blank steps"),
    TaskSpec("adding", {"length": 8}, budget_hidden=12, threshold=0.1, acc_tol=0.04,
             label="adding problem, 8 steps"),
    TaskSpec("reber", {"score": "long", "max_length": 14}, budget_hidden=12, threshold=0.6,
             label="embedded Reber, the long-range symbol"),
    TaskSpec("charlm", {"seq_len": 8}, budget_hidden=12, threshold=3.0,
             label="character language model, 8 characters"),
)

FULL = Config(name="full", tasks=FULL_TASKS, workers=2)
QUICK = Config(name="quick", tasks=QUICK_TASKS, learning_rates=(0.01, 0.03), seeds=(1,),
               steps=20, batch_size=16, eval_every=5, n_val=64, n_test=64)


# -- budgets -------------------------------------------------------------------------------
def param_count(cell: str, n_in: int, n_hidden: int, n_out: int) -> int:
    """Parameters of a cell of state size ``n_hidden`` plus its readout ``V (n_out, n), c``."""
    from rnnlib import make_cell

    probe = make_cell(cell, n_in, n_hidden, np.random.default_rng(0))
    return probe.n_params + n_out * n_hidden + n_out


def hidden_size_for(cell: str, n_in: int, n_out: int, budget: int) -> int:
    """The state size whose parameter count (readout included) is closest to ``budget``."""
    best, best_gap = 1, math.inf
    for n in range(1, 400):
        count = param_count(cell, n_in, n, n_out)
        gap = abs(count - budget)
        if gap < best_gap:
            best, best_gap = n, gap
        if count > budget:
            break
    return best


def budgets(config: Config) -> dict:
    """Per task: the budget and, per cell, the chosen state size and its parameter count."""
    out = {}
    for spec in config.tasks:
        task = spec.make()
        budget = param_count("lstm", task.n_in, spec.budget_hidden, task.n_out)
        cells = {}
        for cell in config.cells:
            n = hidden_size_for(cell, task.n_in, task.n_out, budget)
            count = param_count(cell, task.n_in, n, task.n_out)
            gap = count / budget - 1.0
            if abs(gap) > config.budget_tolerance:
                raise ValueError(
                    f"{cell} on {spec.name}: the closest state size {n} gives {count} parameters, "
                    f"{gap:+.1%} off the budget {budget}; the tolerance is "
                    f"{config.budget_tolerance:.0%}"
                )
            cells[cell] = {"n_hidden": n, "n_params": count, "gap": round(gap, 4)}
        out[spec.name] = {"budget": budget, "cells": cells}
    return out


# -- data ----------------------------------------------------------------------------------
TASK_INDEX = {"copy": 0, "adding": 1, "reber": 2, "charlm": 3}
VAL_STREAM, TEST_STREAM, DATA_STREAM, INIT_STREAM = 1, 2, 3, 4


def rng_for(stream: int, task: str, seed: int = 0) -> np.random.Generator:
    """The generator of one purpose (validation, test, training batches, weights)."""
    return np.random.default_rng([stream, TASK_INDEX[task], seed])


def eval_sets(spec: TaskSpec, config: Config, task=None):
    """The fixed validation and test batches of a task (the same for every cell and seed)."""
    task = spec.make() if task is None else task
    return (task.sample(rng_for(VAL_STREAM, spec.name), config.n_val),
            task.sample(rng_for(TEST_STREAM, spec.name), config.n_test))


def evaluate(model, task, batch, acc_tol: float | None) -> tuple[float, float]:
    """Loss and accuracy on ``batch``.

    Accuracy: for classification, the fraction of scored positions whose top logit is the
    target; for regression, the fraction whose absolute error is under ``acc_tol``.
    """
    loss = model.loss(batch, task.kind)
    if task.kind == "classify":
        return loss, model.accuracy(batch)
    error = np.abs(model.predict(batch.xs) - batch.targets).max(axis=-1)  # (T, B)
    hits = (error < acc_tol) * batch.mask
    return loss, float(hits.sum() / batch.mask.sum())


# -- one training run ------------------------------------------------------------------------
def run_one(job: dict) -> dict:
    """Train one cell on one task at one learning rate and seed; return what was measured.

    ``job`` holds ``config`` (a dict, see :class:`Config`), ``task`` (a TaskSpec as a dict),
    ``cell``, ``n_hidden``, ``lr``, ``seed`` and ``phase`` ("sweep" or "final").
    """
    from rnnlib import make_cell, optim
    from rnnlib.model import Model
    from rnnlib.train import train

    cpu_start = time.process_time()
    cfg, spec = job["config"], TaskSpec(**job["task"])
    task = spec.make()
    val, test = eval_sets(spec, _config_from_dict(cfg), task)
    init_rng = rng_for(INIT_STREAM, spec.name, job["seed"])
    cell = make_cell(job["cell"], task.n_in, job["n_hidden"], init_rng, init=cfg["init"])
    model = Model(cell, task.n_out, init_rng)
    optimizer = getattr(optim, cfg["optimizer"])(job["lr"])
    data_rng = rng_for(DATA_STREAM, spec.name, job["seed"])

    curve_steps, curve_loss = [0], [evaluate(model, task, val, spec.acc_tol)[0]]
    train_loss, step_times, diverged, done = [], [], False, 0
    while done < cfg["steps"] and not diverged:
        chunk = min(cfg["eval_every"], cfg["steps"] - done)
        history = train(model, task, chunk, optimizer, data_rng, batch_size=cfg["batch_size"],
                        clip_norm=cfg["clip_norm"], progress=False)
        train_loss.extend(history.loss.tolist())
        step_times.extend(np.diff(history.wall_time, prepend=0.0).tolist())
        done += history.steps
        diverged = history.diverged
        curve_steps.append(done)
        curve_loss.append(evaluate(model, task, val, spec.acc_tol)[0] if not diverged else math.inf)

    val_loss, val_acc = (math.inf, 0.0) if diverged else evaluate(model, task, val, spec.acc_tol)
    test_loss, test_acc = (math.inf, 0.0) if diverged else evaluate(model, task, test, spec.acc_tol)
    reached = [s for s, v in zip(curve_steps, curve_loss) if v <= spec.threshold]
    return {
        "task": spec.name, "cell": job["cell"], "phase": job["phase"], "lr": job["lr"],
        "seed": job["seed"], "n_hidden": job["n_hidden"], "n_params": model.n_params,
        "steps": done, "diverged": bool(diverged),
        "val_loss": val_loss, "val_acc": val_acc, "test_loss": test_loss, "test_acc": test_acc,
        "steps_to_threshold": reached[0] if reached else None,
        "time_per_step_ms": 1000.0 * float(np.median(step_times)),
        "cpu_time_s": time.process_time() - cpu_start,  # this process's CPU time for the run
        "curve_steps": curve_steps, "curve_val_loss": curve_loss,
        "train_loss": [float(np.mean(train_loss[i:i + cfg["eval_every"]]))
                       for i in range(0, len(train_loss), cfg["eval_every"])],
    }


def _config_from_dict(d: dict) -> Config:
    d = dict(d)
    d["tasks"] = tuple(TaskSpec(**t) for t in d["tasks"])
    for key in ("cells", "learning_rates", "seeds"):
        d[key] = tuple(d[key])
    return Config(**d)


# -- the whole comparison ------------------------------------------------------------------
def _map(jobs: list[dict], workers: int, progress: bool) -> list[dict]:
    """Run the jobs, in ``workers`` processes if more than one; results in job order."""
    # Longest first (a rough cost: sequence length x gated-ness), so the pool ends together.
    order = sorted(range(len(jobs)), key=lambda k: -_cost(jobs[k]))
    results: list[dict | None] = [None] * len(jobs)
    start = time.perf_counter()
    if workers <= 1:
        for count, k in enumerate(order, 1):
            results[k] = run_one(jobs[k])
            _report(progress, count, len(jobs), results[k], start)
        return results  # type: ignore[return-value]
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    # "spawn": fresh interpreters that read OMP_NUM_THREADS=1 (set by main) before numpy loads.
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        futures = {pool.submit(run_one, jobs[k]): k for k in order}
        for count, future in enumerate(as_completed(futures), 1):
            k = futures[future]
            results[k] = future.result()
            _report(progress, count, len(jobs), results[k], start)
    return results  # type: ignore[return-value]


def _cost(job: dict) -> float:
    weight = {"vanilla": 1, "prototype": 2, "gru": 2, "normalized": 3, "pseudo": 3, "lstm": 3,
              "peephole": 3.5}[job["cell"]]
    size = {"copy": 1.0, "adding": 1.2, "reber": 1.0, "charlm": 2.0}[job["task"]["name"]]
    return weight * size


def _report(progress: bool, count: int, total: int, result: dict, start: float) -> None:
    if progress:
        print(f"[{count:3d}/{total}] {time.perf_counter() - start:7.1f}s  {result['task']:7s} "
              f"{result['cell']:10s} lr={result['lr']:<6g} seed={result['seed']} "
              f"val={result['val_loss']:.4f}  {result['time_per_step_ms']:.1f} ms/step",
              flush=True)


def choose_rates(sweep: list[dict]) -> dict:
    """Per task and cell, the learning rate with the lowest final validation loss.

    A diverged run counts as infinitely bad; ties go to the smaller rate.
    """
    best: dict = {}
    for r in sorted(sweep, key=lambda r: r["lr"]):
        key = (r["task"], r["cell"])
        if key not in best or r["val_loss"] < best[key]["val_loss"]:
            best[key] = r
    chosen: dict = {}
    for (task, cell), r in best.items():
        chosen.setdefault(task, {})[cell] = r["lr"]
    return chosen


def run_config(config: Config, workers: int | None = None, progress: bool = False) -> dict:
    """Run the whole comparison for ``config``; return the results as a JSON-ready dict."""
    workers = config.workers if workers is None else workers
    start = time.perf_counter()
    load_before = _loadavg()
    sizes = budgets(config)
    cfg = config.to_dict()
    specs = {s.name: asdict(s) for s in config.tasks}

    def job(task, cell, lr, seed, phase):
        return {"config": cfg, "task": specs[task], "cell": cell, "lr": lr, "seed": seed,
                "phase": phase, "n_hidden": sizes[task]["cells"][cell]["n_hidden"]}

    sweep_jobs = [job(t.name, c, lr, config.sweep_seed, "sweep")
                  for t in config.tasks for c in config.cells for lr in config.learning_rates]
    sweep = _map(sweep_jobs, workers, progress)
    chosen = choose_rates(sweep)
    final_jobs = [job(t.name, c, chosen[t.name][c], s, "final")
                  for t in config.tasks for c in config.cells for s in config.seeds]
    final = _map(final_jobs, workers, progress)
    results = {
        "config": cfg,
        "sizes": sizes,
        "chosen_lr": chosen,
        "sweep": [_strip_curves(r) for r in sweep],
        "runs": final,
        "thresholds": {t.name: t.threshold for t in config.tasks},
        "chance_loss": {t.name: float(t.make().chance_loss()) for t in config.tasks},
        "wall_time_s": round(time.perf_counter() - start, 1),
        "workers": workers,
        "machine": {"load_before": load_before, "load_after": _loadavg(),
                    "cpu_count": os.cpu_count(), "platform": platform.platform()},
        "versions": versions(),
    }
    results["summary"] = summarize(results)
    results["verdicts"] = verdicts(results)
    return results


def _strip_curves(r: dict) -> dict:
    return {k: v for k, v in r.items() if k not in ("curve_steps", "curve_val_loss", "train_loss")}


def _loadavg() -> list[float] | None:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except (AttributeError, OSError):
        return None


def versions() -> dict:
    """The versions of what produced the numbers."""
    import rnnlib

    return {"python": platform.python_version(), "numpy": np.__version__,
            "rnnlib": rnnlib.__version__, "git_commit": _git_commit()}


def _git_commit() -> str | None:
    import subprocess

    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=Path(__file__).parent, check=False,
                             capture_output=True, text=True, timeout=5)
        return out.stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        return None


# -- summaries -----------------------------------------------------------------------------
def _spread(values: list[float]) -> dict:
    a = np.array(values, dtype=np.float64)
    finite = a[np.isfinite(a)]
    if len(finite) == 0:
        return {"mean": math.inf, "std": math.nan, "min": math.inf, "max": math.inf}
    return {"mean": float(finite.mean()),
            "std": float(finite.std(ddof=1)) if len(finite) > 1 else 0.0,
            "min": float(finite.min()), "max": float(finite.max())}


def summarize(results: dict) -> list[dict]:
    """One row per task and cell: losses and accuracies as mean, std (over seeds), min, max."""
    rows = []
    for task, info in results["sizes"].items():
        for cell, size in info["cells"].items():
            runs = [r for r in results["runs"] if r["task"] == task and r["cell"] == cell]
            row = {"task": task, "cell": cell, "n_hidden": size["n_hidden"],
                   "n_params": size["n_params"], "budget": info["budget"],
                   "lr": results["chosen_lr"][task][cell], "n_seeds": len(runs),
                   "n_diverged": sum(r["diverged"] for r in runs)}
            for key in ("test_loss", "test_acc", "val_loss", "val_acc"):
                for stat, value in _spread([r[key] for r in runs]).items():
                    row[f"{key}_{stat}"] = value
            steps = [r["steps_to_threshold"] for r in runs if r["steps_to_threshold"] is not None]
            row["threshold"] = results["thresholds"][task]
            row["n_reached"] = len(steps)
            row["steps_to_threshold_median"] = float(np.median(steps)) if steps else None
            row["time_per_step_ms_median"] = float(np.median([r["time_per_step_ms"] for r in runs]))
            cpu = [r["cpu_time_s"] for r in runs if "cpu_time_s" in r]
            row["cpu_time_s_median"] = float(np.median(cpu)) if cpu else None
            rows.append(row)
    return rows


def curves(results: dict, task: str, cell: str) -> dict:
    """Validation-loss curve of one task and cell over the seeds: steps, mean, min, max."""
    runs = [r for r in results["runs"] if r["task"] == task and r["cell"] == cell]
    losses = np.array([r["curve_val_loss"] for r in runs], dtype=np.float64)
    return {"steps": np.array(runs[0]["curve_steps"]), "mean": losses.mean(axis=0),
            "min": losses.min(axis=0), "max": losses.max(axis=0), "runs": losses}


def permutation_p(a: list[float], b: list[float]) -> float:
    """Two-sided exact permutation p-value for a difference of means between ``a`` and ``b``.

    Every way of splitting the pooled runs into groups of the original sizes is equally likely
    if the two cells are equally good; p is the share of splits whose mean difference is at
    least as large (in absolute value) as the observed one.
    """
    pooled = np.array(list(a) + list(b), dtype=np.float64)
    n, observed = len(a), abs(np.mean(a) - np.mean(b))
    count = total = 0
    for idx in itertools.combinations(range(len(pooled)), n):
        mask = np.zeros(len(pooled), dtype=bool)
        mask[list(idx)] = True
        diff = abs(pooled[mask].mean() - pooled[~mask].mean())
        count += diff >= observed - 1e-12
        total += 1
    return count / total


def verdicts(results: dict, first: str = "pseudo", second: str = "lstm") -> dict:
    """Per task: did ``first`` reach a lower test loss than ``second``, and how surely?

    ``outcome`` is "better" or "worse" when every seed of one cell beat every seed of the
    other (the ranges do not overlap), "overlap" otherwise, "too few seeds" with fewer than two;
    ``p`` is the two-sided permutation p-value (:func:`permutation_p`).
    """
    out = {}
    for task in results["sizes"]:
        a = [r["test_loss"] for r in results["runs"] if r["task"] == task and r["cell"] == first]
        b = [r["test_loss"] for r in results["runs"] if r["task"] == task and r["cell"] == second]
        if len(a) < 2 or len(b) < 2:
            outcome = "too few seeds"
        elif max(a) < min(b):
            outcome = "better"
        elif min(a) > max(b):
            outcome = "worse"
        else:
            outcome = "overlap"
        out[task] = {"first": first, "second": second, "mean_first": float(np.mean(a)),
                     "mean_second": float(np.mean(b)),
                     "mean_difference": float(np.mean(a) - np.mean(b)),
                     "outcome": outcome, "p": permutation_p(a, b),
                     "first_wins_pairs": int(sum(x < y for x in a for y in b)),
                     "pairs": len(a) * len(b)}
    return out


# -- files ---------------------------------------------------------------------------------
SUMMARY_FIELDS = (
    "task", "cell", "n_hidden", "n_params", "budget", "lr", "n_seeds", "n_diverged",
    "test_loss_mean", "test_loss_std", "test_loss_min", "test_loss_max",
    "test_acc_mean", "test_acc_std", "test_acc_min", "test_acc_max",
    "val_loss_mean", "val_loss_std", "val_acc_mean", "val_acc_std",
    "threshold", "n_reached", "steps_to_threshold_median", "time_per_step_ms_median",
    "cpu_time_s_median",
)
RUN_FIELDS = ("task", "cell", "phase", "lr", "seed", "n_hidden", "n_params", "steps", "diverged",
              "val_loss", "val_acc", "test_loss", "test_acc", "steps_to_threshold",
              "time_per_step_ms", "cpu_time_s")


def results_dir() -> Path:
    """The directory of the committed results, as a filesystem path (for writing them).

    rnnlib installed from a directory (a checkout, a wheel) keeps its package data on disk; an
    installation that does not (a zip) has to be given ``directory`` explicitly.
    """
    if isinstance(RESULTS, Path):
        return RESULTS
    raise OSError(f"rnnlib's package data is not on the filesystem ({RESULTS!r}); "
                  "pass a directory to write the results into (--out DIR)")


def save_results(results: dict, directory: Path | str | None = None) -> dict[str, Path]:
    """Write ``compare_<name>.json`` (everything), ``compare_<name>.csv`` (the summary table)
    and ``compare_<name>_runs.csv`` (one row per run, sweep included) into ``directory``
    (default: the package's own copy, :func:`results_dir`)."""
    directory = results_dir() if directory is None else Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    name = results["config"]["name"]
    paths = {"json": directory / f"compare_{name}.json",
             "csv": directory / f"compare_{name}.csv",
             "runs_csv": directory / f"compare_{name}_runs.csv"}
    paths["json"].write_text(json.dumps(_jsonable(results), indent=1) + "\n")
    with open(paths["csv"], "w", newline="") as f:
        writer = csv.DictWriter(f, SUMMARY_FIELDS, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(results["summary"])
    with open(paths["runs_csv"], "w", newline="") as f:
        writer = csv.DictWriter(f, RUN_FIELDS, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(results["sweep"] + [_strip_curves(r) for r in results["runs"]])
    return paths


def _jsonable(x):
    if isinstance(x, dict):
        return {str(k): _jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_jsonable(v) for v in x]
    if isinstance(x, (np.floating, float)):
        x = float(x)
        return x if math.isfinite(x) else None if math.isnan(x) else ("inf" if x > 0 else "-inf")
    if isinstance(x, np.integer):
        return int(x)
    return x


def _unjson(x):
    if isinstance(x, dict):
        return {k: _unjson(v) for k, v in x.items()}
    if isinstance(x, list):
        return [_unjson(v) for v in x]
    if x == "inf":
        return math.inf
    return x


def results_file(name: str, kind: str = "json",
                 directory: Path | str | Traversable | None = None) -> Traversable:
    """The file ``compare_<name>.json`` (``kind="json"``), ``compare_<name>.csv`` (``"csv"``)
    or ``compare_<name>_runs.csv`` (``"runs_csv"``) in ``directory`` (default: the committed
    results, :data:`RESULTS`)."""
    suffixes = {"json": ".json", "csv": ".csv", "runs_csv": "_runs.csv"}
    if kind not in suffixes:
        raise ValueError(f"kind must be one of {sorted(suffixes)}, got {kind!r}")
    if not isinstance(name, str) or not name:
        raise TypeError(f"name must be a configuration name such as 'full' or 'quick', "
                        f"got {name!r}")
    base = RESULTS if directory is None else directory
    if isinstance(base, str):
        base = Path(base)
    return base / f"compare_{name}{suffixes[kind]}"


def load_results(name: str = "full", directory: Path | str | Traversable | None = None) -> dict:
    """Read ``compare_<name>.json`` back (infinite losses of diverged runs included), from
    ``directory`` or, by default, from the committed results shipped with rnnlib."""
    path = results_file(name, "json", directory)
    if not path.is_file():
        where = "rnnlib's package data" if directory is None else str(directory)
        raise FileNotFoundError(f"no compare_{name}.json in {where}; run "
                                f"python -m rnnlib.experiments.compare --{name}")
    return _unjson(json.loads(path.read_text()))


MEASURES = ("val_loss", "val_acc", "test_loss", "test_acc")


def max_relative_difference(a: dict, b: dict) -> float:
    """The largest relative difference between two results' per-run measures and curves."""
    key = lambda r: (r["task"], r["cell"], r["phase"], r["lr"], r["seed"])
    runs_a = {key(r): r for r in a["sweep"] + a["runs"]}
    runs_b = {key(r): r for r in b["sweep"] + b["runs"]}
    if runs_a.keys() != runs_b.keys():
        raise ValueError("the two results hold different runs; compare the same configuration")
    worst = 0.0
    for k, ra in runs_a.items():
        rb = runs_b[k]
        pairs = [(ra[m], rb[m]) for m in MEASURES]
        pairs += list(zip(ra.get("curve_val_loss", []), rb.get("curve_val_loss", [])))
        for x, y in pairs:
            if x == y:
                continue
            if not (math.isfinite(x) and math.isfinite(y)):
                return math.inf
            worst = max(worst, abs(x - y) / max(abs(y), 1e-12))
    return worst


# -- command line --------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m rnnlib.experiments.compare",
                                     description=__doc__.split("\n")[0])
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--quick", action="store_true", help="the small configuration (default)")
    which.add_argument("--full", action="store_true", help="the full comparison (minutes)")
    parser.add_argument("--workers", type=int, default=None, help="processes (full: 2)")
    parser.add_argument("--out", default=None,
                        help="directory for the results (default: rnnlib/data/comparison, the "
                             "committed results shipped with rnnlib)")
    parser.add_argument("--check", action="store_true",
                        help="compare with the saved results (in --out, or the committed ones) "
                             "instead of overwriting them")
    args = parser.parse_args(argv)
    config = FULL if args.full else QUICK
    os.environ.setdefault("OMP_NUM_THREADS", "1")  # one BLAS thread per worker process
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    results = run_config(config, workers=args.workers, progress=True)
    print(f"{config.name}: {len(results['sweep']) + len(results['runs'])} runs in "
          f"{results['wall_time_s']} s with {results['workers']} worker(s)")
    if args.check:
        diff = max_relative_difference(results, load_results(config.name, args.out))
        print(f"largest relative difference from the saved results: {diff:.3g} (tolerance {RTOL})")
        return 0 if diff <= RTOL else 1
    for path in save_results(results, args.out).values():
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
