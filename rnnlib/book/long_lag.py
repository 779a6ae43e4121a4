"""Long lags (chapter 7): the vanilla RNN, the LSTM (forget bias 1) and the GRU on the adding
problem at growing sequence lengths, with equal parameter budgets, several seeds and a separate
test set. Holds the experiment, its committed results (package data, ``rnnlib/data/long_lag/``),
the conclusions the chapter draws (:func:`verdicts`) and its figure (:func:`plot_long_lag`).

For every lag T and cell the experiment

1. picks the state size that brings the parameter count (readout included) closest to the
   budget (a basic LSTM with ``budget_hidden`` units), within 5 %, as the comparison does
   (:func:`rnnlib.book.comparison.equal_budget`);
2. trains with Adam at one learning rate for every cell, gradients clipped by global norm, for a
   fixed number of steps (no tuning: the same budget for every cell and lag), the LSTM's forget
   bias ``b_f`` set to ``forget_bias`` after the usual initialization;
3. measures the mean squared error on a fixed test set of the lag (the same for every cell and
   seed) at the end, and on a validation set every ``eval_every`` steps (the learning curve).

A seed fixes the initial weights and the stream of training batches; the batch stream depends
on the lag and the seed only, so the three cells see the same sequences. The reference is the
chance MSE 1/6 of a model that ignores its inputs and always answers 1. Training is the
comparison's (:func:`rnnlib.book.comparison.train_in_chunks`: :func:`rnnlib.train.train` with
:class:`rnnlib.optim.Adam` on :class:`rnnlib.tasks.AddingTask` batches).

Run it from the shell (the results are package data, read back with :func:`load_results`)::

    python -m rnnlib.book.long_lag --quick   # seconds; rnnlib/data/long_lag/long_lag_quick.*
    python -m rnnlib.book.long_lag --full    # two processes; 22 min of CPU time

(The committed full run took 87 minutes of wall time: the two shared cores were busy.)
"""

from __future__ import annotations

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

from .comparison.config import equal_budget
from .comparison.pool import map_jobs
from .comparison.results import loadavg, package_dir, read_json, versions, write_files
from .comparison.run import train_in_chunks
from .comparison.stats import spread
from .comparison.streams import generator
from .style import cell_color, cell_label, describe, log_axis, new_figure

RESULTS: Traversable = resources.files("rnnlib") / "data" / "long_lag"
CELLS = ("vanilla", "lstm", "gru")
VAL_STREAM, TEST_STREAM, DATA_STREAM, INIT_STREAM = 11, 12, 13, 14
SOLVED = 0.01  # a test MSE under this counts as "learned" (the comparison's adding threshold)


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


FULL = Config(
    name="full",
    workers=2,
    notes={
        "tuning": "none: one learning rate (0.01) for every cell and lag, chosen before the run",
        "budget": "1,500 steps of batches of 16, planned to fit ~40 minutes on 2 shared cores",
    },
)
QUICK = Config(
    name="quick", lags=(10, 20), seeds=(1, 2), steps=40, eval_every=20, n_val=64, n_test=128
)


def rng_for(stream: int, lag: int, seed: int = 0) -> np.random.Generator:
    """The generator of one purpose (validation, test, training batches, weights) at one lag."""
    return generator(stream, lag, seed)


def sizes(config: Config) -> dict:
    """The budget and, per cell, the state size and parameter count (the adding task: 2 inputs,
    1 output)."""
    return equal_budget(config.cells, 2, 1, config.budget_hidden, 0.05)


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

    cfg = Config(**{k: tuple(v) if isinstance(v, list) else v for k, v in job["config"].items()})
    lag, seed = job["lag"], job["seed"]
    cpu_start, wall_start = time.process_time(), time.perf_counter()
    task = AddingTask(lag)
    val = task.sample(rng_for(VAL_STREAM, lag), cfg.n_val)
    test = task.sample(rng_for(TEST_STREAM, lag), cfg.n_test)
    model = make_model(job["cell"], job["n_hidden"], lag, seed, cfg)
    run = train_in_chunks(
        model,
        task,
        optim.Adam(cfg.lr),
        rng_for(DATA_STREAM, lag, seed),
        cfg.steps,
        cfg.eval_every,
        cfg.batch_size,
        cfg.clip_norm,
        val,
    )
    test_mse = math.inf if run["diverged"] else model.loss(test, task.kind)
    return {
        "cell": job["cell"],
        "lag": lag,
        "seed": seed,
        "n_hidden": job["n_hidden"],
        "n_params": model.n_params,
        "steps": run["steps"],
        "diverged": run["diverged"],
        "test_mse": test_mse,
        "val_mse": run["curve"][-1],
        "cpu_time_s": time.process_time() - cpu_start,
        "wall_time_s": time.perf_counter() - wall_start,
        "curve_steps": run["curve_steps"],
        "curve_val_mse": run["curve"],
        "train_loss": run["train_loss"],
    }


def _cost(job: dict) -> float:
    return job["lag"] * {"vanilla": 1.0, "gru": 1.5, "lstm": 2.0}.get(job["cell"], 2.0)


def run_config(config: Config, workers: int | None = None, log=None) -> dict:
    """Run every cell at every lag and seed of ``config``; return the results as a dict.

    ``log``, if given, receives one line of text per finished run."""
    workers = config.workers if workers is None else workers
    start, load_before = time.perf_counter(), loadavg()
    size = sizes(config)
    cfg = config.to_dict()
    jobs = [
        {"config": cfg, "cell": c, "n_hidden": size["cells"][c]["n_hidden"], "lag": T, "seed": s}
        for T in config.lags
        for c in config.cells
        for s in config.seeds
    ]

    def report(count, total, r, seconds):
        log(
            f"[{count:3d}/{total}] {seconds:7.1f}s  T={r['lag']:<4d}{r['cell']:8s} "
            f"seed={r['seed']}  test MSE {r['test_mse']:.4g}  ({r['cpu_time_s']:.0f} s CPU)"
        )

    runs = map_jobs(run_one, jobs, workers, _cost, report if log else None)
    results = {
        "config": cfg,
        "sizes": size,
        "runs": runs,
        "chance_mse": 1.0 / 6.0,
        "wall_time_s": round(time.perf_counter() - start, 1),
        "workers": workers,
        "machine": {
            "load_before": load_before,
            "load_after": loadavg(),
            "cpu_count": os.cpu_count(),
            "platform": platform.platform(),
            "processor": platform.processor() or platform.machine(),
        },
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
            row = {
                "lag": lag,
                "cell": cell,
                "n_hidden": runs[0]["n_hidden"],
                "n_params": runs[0]["n_params"],
                "n_seeds": len(runs),
                "n_diverged": sum(r["diverged"] for r in runs),
                "chance_mse": results["chance_mse"],
            }
            for stat, value in spread([r["test_mse"] for r in runs]).items():
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
            out.append(
                {
                    "lag": lag,
                    "cell": cell,
                    "n_seeds": len(mine),
                    "worst": float(mine.max()),
                    "baseline_best": float(base.min()),
                    "beats_baseline": bool(mine.max() < base.min()),
                    "n_solved": int((mine < SOLVED).sum()),
                    "n_below_chance": int((mine < chance).sum()),
                    "baseline_n_solved": int((base < SOLVED).sum()),
                    "baseline_n_below_chance": int((base < chance).sum()),
                }
            )
    return out


# -- files ---------------------------------------------------------------------------------
SUMMARY_FIELDS = (
    "lag",
    "cell",
    "n_hidden",
    "n_params",
    "n_seeds",
    "n_diverged",
    "chance_mse",
    "test_mse_mean",
    "test_mse_std",
    "test_mse_min",
    "test_mse_max",
    "cpu_time_s_median",
)
RUN_FIELDS = (
    "lag",
    "cell",
    "seed",
    "n_hidden",
    "n_params",
    "steps",
    "diverged",
    "test_mse",
    "val_mse",
    "cpu_time_s",
    "wall_time_s",
)


def save_results(results: dict, directory: Path | str | None = None) -> dict[str, Path]:
    """Write ``long_lag_<name>.json`` (everything), ``.csv`` (summary), ``_runs.csv`` (runs)
    into ``directory`` (default: the package's own copy, ``rnnlib/data/long_lag/``)."""
    directory = package_dir(RESULTS) if directory is None else directory
    return write_files(
        results,
        directory,
        "long_lag",
        {"csv": (SUMMARY_FIELDS, results["summary"]), "runs_csv": (RUN_FIELDS, results["runs"])},
    )


def results_file(name: str, kind: str = "json") -> Traversable:
    """The committed ``long_lag_<name>.json`` (``kind="json"``), ``.csv`` or ``_runs.csv``."""
    suffixes = {"json": ".json", "csv": ".csv", "runs_csv": "_runs.csv"}
    if name not in ("full", "quick"):
        raise ValueError(f"name must be 'full' or 'quick', got {name!r}")
    if kind not in suffixes:
        raise ValueError(f"kind must be one of {sorted(suffixes)}, got {kind!r}")
    return RESULTS / f"long_lag_{name}{suffixes[kind]}"


def load_results(name: str = "full") -> dict:
    """The committed results ``long_lag_<name>.json``, read as package data (works from a wheel)."""
    return read_json(results_file(name))


# -- the figure -----------------------------------------------------------------------------------
def plot_long_lag(results: dict, ax=None):
    """Test MSE against the lag for each cell of the long-lag experiment (log-log).

    Each dot is one seed (diverged runs are left out), the line joins the means over seeds,
    and the dotted line is the chance MSE 1/6 of a model that ignores its inputs.
    """
    fig, ax = new_figure(ax, figsize=(7.2, 4.0))
    lags = list(results["config"]["lags"])
    cells = list(results["config"]["cells"])
    seeds = table(results)
    offsets = np.linspace(-0.04, 0.04, len(cells))  # spread the cells apart (log-x factors)
    trends = []
    for offset, cell in zip(offsets, cells):
        means = []
        for lag in lags:
            values = np.array(seeds[lag, cell], dtype=np.float64)
            values = values[np.isfinite(values)]
            ax.scatter(
                np.full(len(values), lag * 10**offset),
                values,
                color=cell_color(cell),
                s=18,
                alpha=0.8,
                zorder=3,
            )
            means.append(values.mean() if len(values) else np.nan)
        label = cell_label(cell) + (
            f" (forget bias {results['config']['forget_bias']:g})" if cell == "lstm" else ""
        )
        ax.plot(np.array(lags) * 10**offset, means, color=cell_color(cell), lw=1.6, label=label)
        trends.append(
            f"from {means[0]:.2g} at T = {lags[0]} to {means[-1]:.2g} at T = "
            f"{lags[-1]} for the {cell_label(cell)}"
        )
    ax.axhline(results["chance_mse"], color="black", ls=":", lw=1.2, label="chance (1/6)")
    log_axis(ax, "y")
    log_axis(ax, "x")
    ax.set_xticks(lags, [str(t) for t in lags])  # the lags themselves, not decades
    ax.set_xlabel("sequence length T (the lag to bridge), log scale")
    ax.set_ylabel("test MSE (log scale)")
    n_seeds = len(results["config"]["seeds"])
    ax.set_title(
        f"Adding problem, {results['config']['steps']} Adam steps: dots are the "
        f"{n_seeds} seeds, lines their mean"
    )
    ax.legend()
    return describe(
        fig,
        (
            f"Log-log plot of the test MSE against the sequence length T = "
            f"{', '.join(map(str, lags))}: a dot per seed ({n_seeds} per cell and lag), a line "
            f"through the means, a dotted line at the chance MSE {results['chance_mse']:.3f}. The "
            f"mean test MSE goes {'; '.join(trends)}."
        ),
    )


# -- command line --------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    """``python -m rnnlib.book.long_lag [--quick | --full] [--workers N] [--out DIR]``."""
    import argparse

    parser = argparse.ArgumentParser(
        prog="python -m rnnlib.book.long_lag",
        description="Long lags (chapter 7): the vanilla RNN, the LSTM and the GRU on the adding "
        "problem at growing sequence lengths.",
    )
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--quick", action="store_true", help="the small configuration (default)")
    which.add_argument(
        "--full", action="store_true", help="the full experiment (about 22 minutes of CPU time)"
    )
    parser.add_argument("--workers", type=int, default=None, help="processes (full: 2)")
    parser.add_argument(
        "--out",
        default=None,
        help="directory for the results (default: rnnlib/data/long_lag, the "
        "committed results shipped with rnnlib)",
    )
    args = parser.parse_args(argv)
    config = FULL if args.full else QUICK
    os.environ.setdefault("OMP_NUM_THREADS", "1")  # one BLAS thread per worker process
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    results = run_config(config, workers=args.workers, log=lambda s: print(s, flush=True))
    print(
        f"{config.name}: {len(results['runs'])} runs in {results['wall_time_s']} s with "
        f"{results['workers']} worker(s)",
        flush=True,
    )
    for path in save_results(results, args.out).values():
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
