"""Long lags: the vanilla RNN, the LSTM (forget bias 1) and the GRU on the adding problem at
growing sequence lengths, with equal parameter budgets, several seeds and a separate test set.

For every lag T and cell the experiment

1. picks the state size that brings the parameter count (readout included) closest to the
   budget (a basic LSTM with ``budget_hidden`` units), within 5 %, as the comparison does
   (:func:`rnnlib.experiments.compare.hidden_size_for`);
2. trains with Adam at one learning rate for every cell, gradients clipped by global norm, for a
   fixed number of steps (no tuning: the same budget for every cell and lag), the LSTM's forget
   bias ``b_f`` set to ``forget_bias`` after the usual initialization;
3. measures the mean squared error on a fixed test set of the lag (the same for every cell and
   seed) at the end, and on a validation set every ``eval_every`` steps (the learning curve).

A seed fixes the initial weights and the stream of training batches; the batch stream depends
on the lag and the seed only, so the three cells see the same sequences. The reference is the
chance MSE 1/6 of a model that ignores its inputs and always answers 1.

Run it from the shell (the results are package data, read back with :func:`load_results`)::

    python -m rnnlib.experiments.long_lag --quick   # seconds; rnnlib/data/long_lag/long_lag_quick.*
    python -m rnnlib.experiments.long_lag --full    # two processes; 22 min of CPU time

(The committed full run took 87 minutes of wall time: the two shared cores were busy.)
"""

from __future__ import annotations

import csv
import json
import math
import os
import platform
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from .compare import _jsonable, _loadavg, _spread, _unjson, hidden_size_for, param_count, versions

DATA_DIR = Path(__file__).resolve().parents[1] / "data" / "long_lag"
CELLS = ("vanilla", "lstm", "gru")
VAL_STREAM, TEST_STREAM, DATA_STREAM, INIT_STREAM = 11, 12, 13, 14


@dataclass(frozen=True)
class Config:
    """Everything that defines a run of the long-lag experiment (saved next to the results)."""

    name: str
    lags: tuple[int, ...] = (25, 50, 100, 200)
    cells: tuple[str, ...] = CELLS
    seeds: tuple[int, ...] = (1, 2, 3, 4, 5)
    steps: int = 1500
    batch_size: int = 16
    lr: float = 0.01
    clip_norm: float = 1.0
    forget_bias: float = 1.0
    budget_hidden: int = 20
    eval_every: int = 100
    n_val: int = 128
    n_test: int = 512
    init: str = "uniform"
    workers: int = 1
    notes: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return asdict(self)


FULL = Config(name="full", workers=2, notes={
    "tuning": "none: one learning rate (0.01) for every cell and lag, chosen before the run",
    "budget": "1,500 steps of batches of 16, planned to fit ~40 minutes on 2 shared cores"})
QUICK = Config(name="quick", lags=(10, 20), seeds=(1, 2), steps=40, eval_every=20, n_val=64,
               n_test=128)


def rng_for(stream: int, lag: int, seed: int = 0) -> np.random.Generator:
    """The generator of one purpose (validation, test, training batches, weights) at one lag."""
    return np.random.default_rng([stream, lag, seed])


def sizes(config: Config) -> dict:
    """The budget and, per cell, the state size and parameter count (the adding task: 2 in, 1 out)."""
    budget = param_count("lstm", 2, config.budget_hidden, 1)
    cells = {}
    for cell in config.cells:
        n = hidden_size_for(cell, 2, 1, budget)
        count = param_count(cell, 2, n, 1)
        if abs(count / budget - 1) > 0.05:
            raise ValueError(f"{cell}: {count} parameters is more than 5 % off the budget {budget}")
        cells[cell] = {"n_hidden": n, "n_params": count, "gap": round(count / budget - 1, 4)}
    return {"budget": budget, "cells": cells}


def make_model(cell: str, n_hidden: int, lag: int, seed: int, config: Config):
    """The model of one run: a cell (LSTM forget bias set) and its readout, seeded."""
    from rnnlib import make_cell
    from rnnlib.model import Model

    rng = rng_for(INIT_STREAM, lag, seed)
    recurrent = make_cell(cell, 2, n_hidden, rng, init=config.init)
    if cell == "lstm":
        recurrent.params["b_f"][:] = config.forget_bias  # forget gates start mostly open
    return Model(recurrent, 1, rng)


def run_one(job: dict) -> dict:
    """Train one cell at one lag and seed; return the test MSE, the curve and the cost.

    ``job`` holds ``config`` (a dict, see :class:`Config`), ``cell``, ``n_hidden``, ``lag`` and
    ``seed``.
    """
    from rnnlib import optim
    from rnnlib.tasks import AddingTask
    from rnnlib.train import train

    cfg = Config(**{k: tuple(v) if isinstance(v, list) else v for k, v in job["config"].items()})
    lag, seed = job["lag"], job["seed"]
    cpu_start, wall_start = time.process_time(), time.perf_counter()
    task = AddingTask(lag)
    val = task.sample(rng_for(VAL_STREAM, lag), cfg.n_val)
    test = task.sample(rng_for(TEST_STREAM, lag), cfg.n_test)
    model = make_model(job["cell"], job["n_hidden"], lag, seed, cfg)
    optimizer = optim.Adam(cfg.lr)
    data_rng = rng_for(DATA_STREAM, lag, seed)

    curve_steps, curve = [0], [model.loss(val, task.kind)]
    train_loss, done, diverged = [], 0, False
    # (rnnlib.bptt pauses the cyclic garbage collector itself while it builds and walks a graph)
    while done < cfg.steps and not diverged:
        chunk = min(cfg.eval_every, cfg.steps - done)
        history = train(model, task, chunk, optimizer, data_rng, batch_size=cfg.batch_size,
                        clip_norm=cfg.clip_norm, progress=False)
        train_loss.append(float(np.mean(history.loss)))
        done += history.steps
        diverged = history.diverged
        curve_steps.append(done)
        curve.append(math.inf if diverged else model.loss(val, task.kind))
    test_mse = math.inf if diverged else model.loss(test, task.kind)
    return {"cell": job["cell"], "lag": lag, "seed": seed, "n_hidden": job["n_hidden"],
            "n_params": model.n_params, "steps": done, "diverged": bool(diverged),
            "test_mse": test_mse, "val_mse": curve[-1],
            "cpu_time_s": time.process_time() - cpu_start,
            "wall_time_s": time.perf_counter() - wall_start,
            "curve_steps": curve_steps, "curve_val_mse": curve, "train_loss": train_loss}


def _map(jobs: list[dict], workers: int, log) -> list[dict]:
    """Run the jobs (longest first), in ``workers`` processes if more than one."""
    order = sorted(range(len(jobs)), key=lambda k: -jobs[k]["lag"] * _weight(jobs[k]["cell"]))
    results: list[dict | None] = [None] * len(jobs)
    start = time.perf_counter()

    def report(count, r):
        if log:
            log(f"[{count:3d}/{len(jobs)}] {time.perf_counter() - start:7.1f}s  T={r['lag']:<4d}"
                f"{r['cell']:8s} seed={r['seed']}  test MSE {r['test_mse']:.4g}  "
                f"({r['cpu_time_s']:.0f} s CPU)")

    if workers <= 1:
        for count, k in enumerate(order, 1):
            results[k] = run_one(jobs[k])
            report(count, results[k])
        return results  # type: ignore[return-value]
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        futures = {pool.submit(run_one, jobs[k]): k for k in order}
        for count, future in enumerate(as_completed(futures), 1):
            k = futures[future]
            results[k] = future.result()
            report(count, results[k])
    return results  # type: ignore[return-value]


def _weight(cell: str) -> float:
    return {"vanilla": 1.0, "gru": 1.5, "lstm": 2.0}.get(cell, 2.0)


def run_config(config: Config, workers: int | None = None, log=None) -> dict:
    """Run every cell at every lag and seed of ``config``; return the results as a dict."""
    workers = config.workers if workers is None else workers
    start, load_before = time.perf_counter(), _loadavg()
    size = sizes(config)
    cfg = config.to_dict()
    jobs = [{"config": cfg, "cell": c, "n_hidden": size["cells"][c]["n_hidden"], "lag": T,
             "seed": s} for T in config.lags for c in config.cells for s in config.seeds]
    runs = _map(jobs, workers, log)
    results = {
        "config": cfg, "sizes": size, "runs": runs, "chance_mse": 1.0 / 6.0,
        "wall_time_s": round(time.perf_counter() - start, 1), "workers": workers,
        "machine": {"load_before": load_before, "load_after": _loadavg(),
                    "cpu_count": os.cpu_count(), "platform": platform.platform(),
                    "processor": platform.processor() or platform.machine()},
        "versions": versions(),
    }
    results["summary"] = summarize(results)
    return results


def summarize(results: dict) -> list[dict]:
    """One row per lag and cell: test MSE mean, std (over seeds), min, max; CPU time."""
    rows = []
    for lag in results["config"]["lags"]:
        for cell in results["config"]["cells"]:
            runs = [r for r in results["runs"] if r["lag"] == lag and r["cell"] == cell]
            row = {"lag": lag, "cell": cell, "n_hidden": runs[0]["n_hidden"],
                   "n_params": runs[0]["n_params"], "n_seeds": len(runs),
                   "n_diverged": sum(r["diverged"] for r in runs),
                   "chance_mse": results["chance_mse"]}
            for stat, value in _spread([r["test_mse"] for r in runs]).items():
                row[f"test_mse_{stat}"] = value
            row["cpu_time_s_median"] = float(np.median([r["cpu_time_s"] for r in runs]))
            rows.append(row)
    return rows


def table(results: dict) -> dict:
    """``{(lag, cell): [test MSE per seed, in seed order]}`` (diverged runs are inf)."""
    out: dict = {}
    for r in sorted(results["runs"], key=lambda r: r["seed"]):
        out.setdefault((r["lag"], r["cell"]), []).append(r["test_mse"])
    return out


# -- files ---------------------------------------------------------------------------------
SUMMARY_FIELDS = ("lag", "cell", "n_hidden", "n_params", "n_seeds", "n_diverged", "chance_mse",
                  "test_mse_mean", "test_mse_std", "test_mse_min", "test_mse_max",
                  "cpu_time_s_median")
RUN_FIELDS = ("lag", "cell", "seed", "n_hidden", "n_params", "steps", "diverged", "test_mse",
              "val_mse", "cpu_time_s", "wall_time_s")


def save_results(results: dict, directory: Path | str = DATA_DIR) -> dict[str, Path]:
    """Write ``long_lag_<name>.json`` (everything), ``.csv`` (summary), ``_runs.csv`` (runs)."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    name = results["config"]["name"]
    paths = {"json": directory / f"long_lag_{name}.json",
             "csv": directory / f"long_lag_{name}.csv",
             "runs_csv": directory / f"long_lag_{name}_runs.csv"}
    paths["json"].write_text(json.dumps(_jsonable(results), indent=1) + "\n")
    for key, fields, rows in (("csv", SUMMARY_FIELDS, results["summary"]),
                              ("runs_csv", RUN_FIELDS, results["runs"])):
        with open(paths[key], "w", newline="") as f:
            writer = csv.DictWriter(f, fields, extrasaction="ignore")
            writer.writeheader()
            writer.writerows(rows)
    return paths


def load_results(name: str = "full") -> dict:
    """The committed results ``long_lag_<name>.json``, read as package data (works from a wheel)."""
    if name not in ("full", "quick"):
        raise ValueError(f"name must be 'full' or 'quick', got {name!r}")
    from importlib.resources import files

    text = files("rnnlib").joinpath("data", "long_lag", f"long_lag_{name}.json").read_text()
    return _unjson(json.loads(text))


# -- command line --------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m rnnlib.experiments.long_lag",
                                     description=__doc__.split("\n")[0])
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--quick", action="store_true", help="the small configuration (default)")
    which.add_argument("--full", action="store_true",
                       help="the full experiment (about 22 minutes of CPU time)")
    parser.add_argument("--workers", type=int, default=None, help="processes (full: 2)")
    parser.add_argument("--out", default=str(DATA_DIR), help="directory for the results")
    args = parser.parse_args(argv)
    config = FULL if args.full else QUICK
    os.environ.setdefault("OMP_NUM_THREADS", "1")  # one BLAS thread per worker process
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    results = run_config(config, workers=args.workers, log=lambda s: print(s, flush=True))
    print(f"{config.name}: {len(results['runs'])} runs in {results['wall_time_s']} s with "
          f"{results['workers']} worker(s)", flush=True)
    for path in save_results(results, args.out).values():
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())


# -- what the chapter concludes --------------------------------------------------------------
SOLVED = 0.01  # a test MSE under this counts as "learned" (the comparison's adding threshold)


def verdicts(results: dict, baseline: str = "vanilla") -> list[dict]:
    """Per lag and gated cell, how it compares with ``baseline`` and with chance, seed by seed.

    ``beats_baseline``: every seed of the cell has a lower test MSE than every seed of the
    baseline (the ranges do not overlap); ``n_solved``: seeds below :data:`SOLVED`;
    ``n_below_chance``: seeds below the chance MSE 1/6; the same counts for the baseline.
    """
    seeds = table(results)
    chance = results["chance_mse"]
    out = []
    for lag in results["config"]["lags"]:
        base = np.array(seeds[lag, baseline], dtype=np.float64)
        for cell in results["config"]["cells"]:
            if cell == baseline:
                continue
            mine = np.array(seeds[lag, cell], dtype=np.float64)
            out.append({
                "lag": lag, "cell": cell, "n_seeds": len(mine),
                "worst": float(mine.max()), "baseline_best": float(base.min()),
                "beats_baseline": bool(mine.max() < base.min()),
                "n_solved": int((mine < SOLVED).sum()),
                "n_below_chance": int((mine < chance).sum()),
                "baseline_n_solved": int((base < SOLVED).sum()),
                "baseline_n_below_chance": int((base < chance).sum()),
            })
    return out
