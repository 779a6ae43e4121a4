"""The comparison's statistics: the learning-rate choice, spreads over seeds, the verdicts.

- :func:`choose_rates`: per task and cell, the rate of the sweep with the lowest final
  validation loss (a diverged run counts as infinitely bad; ties go to the smaller rate).
- :func:`summarize`: mean, standard deviation (ddof = 1), min and max over the seeds.
- :func:`permutation_p`: the exact two-sided permutation test of a difference of means: with
  groups ``a`` (size n) and ``b``, p is the share of the C(n + m, n) splits of the pooled runs
  whose ``|mean_1 - mean_2|`` is at least the observed one.
- :func:`verdicts`: the pseudo LSTM against the LSTM, task by task.
"""

from __future__ import annotations

import itertools
import math

import numpy as np


def spread(values: list[float]) -> dict:
    """Mean, std (ddof = 1; 0 for one value), min and max of the finite ``values``."""
    a = np.array(values, dtype=np.float64)
    finite = a[np.isfinite(a)]
    if len(finite) == 0:
        return {"mean": math.inf, "std": math.nan, "min": math.inf, "max": math.inf}
    return {
        "mean": float(finite.mean()),
        "std": float(finite.std(ddof=1)) if len(finite) > 1 else 0.0,
        "min": float(finite.min()),
        "max": float(finite.max()),
    }


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


def summarize(results: dict) -> list[dict]:
    """One row per task and cell: losses and accuracies as mean, std (over seeds), min, max."""
    rows = []
    for task, info in results["sizes"].items():
        for cell, size in info["cells"].items():
            runs = [r for r in results["runs"] if r["task"] == task and r["cell"] == cell]
            row = {
                "task": task,
                "cell": cell,
                "n_hidden": size["n_hidden"],
                "n_params": size["n_params"],
                "budget": info["budget"],
                "lr": results["chosen_lr"][task][cell],
                "n_seeds": len(runs),
                "n_diverged": sum(r["diverged"] for r in runs),
            }
            for key in ("test_loss", "test_acc", "val_loss", "val_acc"):
                for stat, value in spread([r[key] for r in runs]).items():
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


def runs_of(results: dict, task: str, cell: str) -> list[dict]:
    """The reporting runs (one per seed) of ``cell`` on ``task``."""
    return [r for r in results["runs"] if r["task"] == task and r["cell"] == cell]


def curves(results: dict, task: str, cell: str) -> dict:
    """Validation-loss curve of one task and cell over the seeds: ``steps`` (k,), ``mean``,
    ``min``, ``max`` (k,) and ``runs`` (seeds, k)."""
    runs = runs_of(results, task, cell)
    if not runs:
        raise ValueError(f"no runs of {cell!r} on {task!r} in these results")
    losses = np.array([r["curve_val_loss"] for r in runs], dtype=np.float64)
    return {
        "steps": np.array(runs[0]["curve_steps"]),
        "mean": losses.mean(axis=0),
        "min": losses.min(axis=0),
        "max": losses.max(axis=0),
        "runs": losses,
    }


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
        a = [r["test_loss"] for r in runs_of(results, task, first)]
        b = [r["test_loss"] for r in runs_of(results, task, second)]
        if len(a) < 2 or len(b) < 2:
            outcome = "too few seeds"
        elif max(a) < min(b):
            outcome = "better"
        elif min(a) > max(b):
            outcome = "worse"
        else:
            outcome = "overlap"
        out[task] = {
            "first": first,
            "second": second,
            "mean_first": float(np.mean(a)),
            "mean_second": float(np.mean(b)),
            "mean_difference": float(np.mean(a) - np.mean(b)),
            "outcome": outcome,
            "p": permutation_p(a, b),
            "first_wins_pairs": int(sum(x < y for x in a for y in b)),
            "pairs": len(a) * len(b),
        }
    return out
