"""The comparison's files: the committed results (package data), how they are written and read.

The committed results are package data, ``rnnlib/data/comparison/`` (:data:`RESULTS`), read
with :mod:`importlib.resources`, so chapter 7 finds them wherever rnnlib is installed (an
editable checkout, or a wheel on Colab). The command line writes there by default, which in a
checkout (an editable install) is the repository's copy. A results dict is written as
``compare_<name>.json`` (everything; an infinite loss as the string ``"inf"``),
``compare_<name>.csv`` (the summary, one row per task and cell) and ``compare_<name>_runs.csv``
(one row per run, sweep included). The long-lag experiment writes its files with the same
helpers (:func:`write_files`, :func:`read_json`).
"""

from __future__ import annotations

import csv
import json
import math
import os
import platform
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

import numpy as np

# The committed results: package data of rnnlib (declared in pyproject.toml), found through
# importlib.resources, never through a path into the repository.
RESULTS: Traversable = resources.files("rnnlib") / "data" / "comparison"
# Two runs of the same configuration on one machine give bitwise equal numbers. Another
# machine's BLAS kernel rounds differently, and training amplifies that: the quick
# configuration (20 steps) moved by at most 4e-14 under OpenBLAS's Haswell and SandyBridge
# kernels; 300-step runs of the full configuration by 1e-16 to 3e-3 when they learn, by up to
# 17 % (or a factor 3 near a learning transition) when they do not. RTOL is the tolerance of
# `--check` and of chapter 7 for the quick configuration; the full one meets it only on the
# machine that wrote it (tests/book/comparison/ pin its conclusions instead).
RTOL = 1e-6

SUMMARY_FIELDS = (
    "task",
    "cell",
    "n_hidden",
    "n_params",
    "budget",
    "lr",
    "n_seeds",
    "n_diverged",
    "test_loss_mean",
    "test_loss_std",
    "test_loss_min",
    "test_loss_max",
    "test_acc_mean",
    "test_acc_std",
    "test_acc_min",
    "test_acc_max",
    "val_loss_mean",
    "val_loss_std",
    "val_acc_mean",
    "val_acc_std",
    "threshold",
    "n_reached",
    "steps_to_threshold_median",
    "time_per_step_ms_median",
    "cpu_time_s_median",
)
RUN_FIELDS = (
    "task",
    "cell",
    "phase",
    "lr",
    "seed",
    "n_hidden",
    "n_params",
    "steps",
    "diverged",
    "val_loss",
    "val_acc",
    "test_loss",
    "test_acc",
    "steps_to_threshold",
    "time_per_step_ms",
    "cpu_time_s",
)
CURVE_KEYS = ("curve_steps", "curve_val_loss", "train_loss")
MEASURES = ("val_loss", "val_acc", "test_loss", "test_acc")


# -- provenance ------------------------------------------------------------------------------
def versions() -> dict:
    """The versions of what produced the numbers."""
    import rnnlib

    return {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "rnnlib": rnnlib.__version__,
        "git_commit": _git_commit(),
    }


def _git_commit() -> str | None:
    import subprocess

    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=Path(__file__).parent,
            check=False,
            capture_output=True,
            text=True,
            timeout=5,
        )
        return out.stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        return None


def loadavg() -> list[float] | None:
    """The machine's load averages (1, 5, 15 minutes), or None where the OS has none."""
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except (AttributeError, OSError):
        return None


def strip_curves(run: dict) -> dict:
    """A run without its learning curves (as the sweep is saved)."""
    return {k: v for k, v in run.items() if k not in CURVE_KEYS}


# -- JSON with infinities ----------------------------------------------------------------------
def jsonable(x):
    """``x`` with numpy scalars as Python numbers, inf as ``"inf"`` and NaN as None."""
    if isinstance(x, dict):
        return {str(k): jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [jsonable(v) for v in x]
    if isinstance(x, (np.floating, float)):
        x = float(x)
        return x if math.isfinite(x) else None if math.isnan(x) else ("inf" if x > 0 else "-inf")
    if isinstance(x, np.integer):
        return int(x)
    return x


def unjson(x):
    """The inverse of :func:`jsonable` for what it writes (``"inf"`` back to ``math.inf``)."""
    if isinstance(x, dict):
        return {k: unjson(v) for k, v in x.items()}
    if isinstance(x, list):
        return [unjson(v) for v in x]
    if x == "inf":
        return math.inf
    return x


def read_json(path: Traversable | Path) -> dict:
    """A results file written by :func:`write_files`, infinities restored."""
    return unjson(json.loads(path.read_text()))


def write_files(
    results: dict,
    directory: Path | str,
    prefix: str,
    tables: dict[str, tuple[tuple[str, ...], list[dict]]],
) -> dict[str, Path]:
    """Write ``<prefix>_<name>.json`` (all of ``results``) and one CSV per entry of ``tables``
    (``{"csv": (fields, rows), "runs_csv": (fields, rows)}`` -> ``<prefix>_<name>.csv``,
    ``<prefix>_<name>_runs.csv``) into ``directory``; return the paths by kind."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    name = results["config"]["name"]
    paths = {"json": directory / f"{prefix}_{name}.json"}
    paths["json"].write_text(json.dumps(jsonable(results), indent=1) + "\n")
    for kind, (fields, rows) in tables.items():
        suffix = {"csv": ".csv", "runs_csv": "_runs.csv"}[kind]
        paths[kind] = directory / f"{prefix}_{name}{suffix}"
        with open(paths[kind], "w", newline="") as f:
            writer = csv.DictWriter(f, fields, extrasaction="ignore")
            writer.writeheader()
            writer.writerows(rows)
    return paths


def package_dir(data: Traversable) -> Path:
    """``data`` (a folder of rnnlib's package data) as a filesystem path, for writing into it.

    rnnlib installed from a directory (a checkout, a wheel) keeps its package data on disk; an
    installation that does not (a zip) has to be given a directory explicitly (``--out DIR``).
    """
    if isinstance(data, Path):
        return data
    raise OSError(
        f"rnnlib's package data is not on the filesystem ({data!r}); "
        "pass a directory to write the results into (--out DIR)"
    )


# -- the comparison's files ----------------------------------------------------------------------
def results_dir() -> Path:
    """The directory of the committed results, as a filesystem path (for writing them)."""
    return package_dir(RESULTS)


def save_results(results: dict, directory: Path | str | None = None) -> dict[str, Path]:
    """Write ``compare_<name>.json`` (everything), ``compare_<name>.csv`` (the summary table)
    and ``compare_<name>_runs.csv`` (one row per run, sweep included) into ``directory``
    (default: the package's own copy, :func:`results_dir`)."""
    directory = results_dir() if directory is None else directory
    runs = results["sweep"] + [strip_curves(r) for r in results["runs"]]
    return write_files(
        results,
        directory,
        "compare",
        {"csv": (SUMMARY_FIELDS, results["summary"]), "runs_csv": (RUN_FIELDS, runs)},
    )


def results_file(
    name: str, kind: str = "json", directory: Path | str | Traversable | None = None
) -> Traversable:
    """The file ``compare_<name>.json`` (``kind="json"``), ``compare_<name>.csv`` (``"csv"``)
    or ``compare_<name>_runs.csv`` (``"runs_csv"``) in ``directory`` (default: the committed
    results, :data:`RESULTS`)."""
    suffixes = {"json": ".json", "csv": ".csv", "runs_csv": "_runs.csv"}
    if kind not in suffixes:
        raise ValueError(f"kind must be one of {sorted(suffixes)}, got {kind!r}")
    if not isinstance(name, str) or not name:
        raise TypeError(
            f"name must be a configuration name such as 'full' or 'quick', got {name!r}"
        )
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
        raise FileNotFoundError(
            f"no compare_{name}.json in {where}; run python -m rnnlib.book.comparison --{name}"
        )
    return read_json(path)


def max_relative_difference(a: dict, b: dict) -> float:
    """The largest relative difference between two results' per-run measures and curves."""

    def key(r):
        return r["task"], r["cell"], r["phase"], r["lr"], r["seed"]

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
