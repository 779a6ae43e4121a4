"""Figures of the comparison (chapter 7): learning curves with their spread, final losses per seed.

Each function takes the results dict of :func:`rnnlib.book.comparison.run_config` (or
:func:`~rnnlib.book.comparison.load_results`) and an optional ``ax``, draws in the book's style
(:mod:`rnnlib.book.style`: one colour per cell, log axes labelled in decades), and returns the
figure with a description of what it shows (:func:`rnnlib.book.style.describe`).
"""

from __future__ import annotations

import numpy as np

from ..style import cell_color, cell_label, describe, figure, log_axis, new_figure
from .stats import curves, runs_of

TASK_TITLES = {
    "copy": "Copy after a delay",
    "adding": "Adding problem",
    "reber": "Embedded Reber",
    "charlm": "Character language model",
}
# Losses spanning orders of magnitude read best on a log scale; the language model's do not.
LINEAR_TASKS = ("charlm",)


def _log_scale(task: str, log: bool | None) -> bool:
    return task not in LINEAR_TASKS if log is None else bool(log)


def _title(task: str) -> str:
    return TASK_TITLES.get(task, task)


def _cells(results: dict, task: str, cells=None) -> list[str]:
    if task not in results["sizes"]:
        raise ValueError(f"unknown task {task!r}; these results hold {list(results['sizes'])}")
    return list(results["sizes"][task]["cells"]) if cells is None else list(cells)


def _final_means(results: dict, task: str, cells: list[str]) -> dict[str, float]:
    """Per cell, the mean over seeds of the last point of the validation curve."""
    return {cell: float(curves(results, task, cell)["mean"][-1]) for cell in cells}


def _extremes(means: dict[str, float]) -> str:
    """'lowest the GRU (0.000859), highest the basic LSTM (1.07)' for a dict cell -> value."""
    finite = {c: v for c, v in means.items() if np.isfinite(v)}
    low, high = min(finite, key=finite.get), max(finite, key=finite.get)
    return (
        f"lowest the {cell_label(low)} ({finite[low]:.3g}), highest the {cell_label(high)} "
        f"({finite[high]:.3g})"
    )


def plot_curves(results: dict, task: str, cells=None, ax=None, log: bool | None = None):
    """Validation loss against training steps for each cell on one task.

    The line is the mean over seeds, the band spans the best and the worst seed; a dotted
    line marks the loss of a model that ignores its inputs, a dashed one the threshold of the
    steps-to-threshold measure. ``log=None`` uses a log scale except for the language model.
    """
    log = _log_scale(task, log)
    cells = _cells(results, task, cells)
    fig, ax = new_figure(ax)
    for cell in cells:
        curve = curves(results, task, cell)
        color = cell_color(cell)
        ax.plot(curve["steps"], curve["mean"], color=color, lw=1.8, label=cell_label(cell))
        ax.fill_between(curve["steps"], curve["min"], curve["max"], color=color, alpha=0.15, lw=0)
    ax.axhline(results["chance_loss"][task], color="black", ls=":", lw=1, label="no memory")
    ax.axhline(results["thresholds"][task], color="black", ls="--", lw=0.8, label="threshold")
    if log:
        log_axis(ax, "y")
    ax.set_xlabel("training step")
    ax.set_ylabel("validation loss" + (" (log scale)" if log else ""))
    ax.set_title(_title(task))
    last = int(curves(results, task, cells[0])["steps"][-1])
    seeds = len(runs_of(results, task, cells[0]))
    return describe(
        fig,
        (
            f"Line plot of the validation loss{' (log scale)' if log else ''} against the training "
            f"step (0 to {last}) on the task '{_title(task)}': one line per cell, the mean over "
            f"{seeds} seeds with a band from the best to the worst seed; a dotted line at the "
            f"no-memory loss {results['chance_loss'][task]:.3g} and a dashed one at the threshold "
            f"{results['thresholds'][task]:g}. At step {last} the mean is "
            f"{_extremes(_final_means(results, task, cells))}."
        ),
    )


def _task_grid(results: dict, draw, panel_height: float):
    """One panel per task, two per row; ``draw(task, ax)`` fills each. Returns ``(fig, axes)``."""
    tasks = list(results["sizes"])
    cols = 2
    rows = (len(tasks) + cols - 1) // cols
    fig, axes = figure(rows, cols, figsize=(7.2, panel_height * rows), squeeze=False)
    for ax, task in zip(axes.flat, tasks):
        draw(task, ax)
    for ax in list(axes.flat)[len(tasks) :]:
        ax.set_visible(False)
    return fig, axes


def plot_all_curves(results: dict, cells=None, log: bool | None = None):
    """The learning curves of every task, one panel each, with one shared legend."""
    fig, axes = _task_grid(
        results, lambda task, ax: plot_curves(results, task, cells=cells, ax=ax, log=log), 2.9
    )
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncols=5)
    seeds = len(results["config"]["seeds"])
    fig.suptitle(
        f"Validation loss while training: mean over {seeds} seeds, band from the best "
        "to the worst seed"
    )
    parts = [
        f"{_title(t)}: {_extremes(_final_means(results, t, _cells(results, t, cells)))}"
        for t in results["sizes"]
    ]
    return describe(
        fig,
        (
            f"Four panels of line plots, one per task, of the validation loss (log scale except "
            "for "
            f"the language model) against the training step, one line per cell (mean over {seeds} "
            f"seeds, band from the best to the worst seed), dotted at the no-memory loss, dashed "
            "at "
            f"the threshold. Mean at the last step: " + "; ".join(parts) + "."
        ),
    )


def _finite(results: dict, task: str, cell: str, measure: str) -> np.ndarray:
    """The finite values of ``measure`` over the seeds (a diverged run's inf left out)."""
    values = np.array([r[measure] for r in runs_of(results, task, cell)], dtype=np.float64)
    return values[np.isfinite(values)]


def plot_final(
    results: dict, task: str, measure: str = "test_loss", ax=None, log: bool | None = None
):
    """Final test loss of every seed, one column per cell: is the gap larger than the spread?"""
    log = _log_scale(task, log)
    cells = _cells(results, task)
    fig, ax = new_figure(ax)
    means = {}
    for k, cell in enumerate(cells):
        values = _finite(results, task, cell, measure)
        jitter = np.linspace(-0.12, 0.12, len(values)) if len(values) > 1 else np.zeros(1)
        ax.scatter(k + jitter[: len(values)], values, color=cell_color(cell), s=22, zorder=3)
        if len(values):
            means[cell] = float(values.mean())
            ax.plot([k - 0.25, k + 0.25], [means[cell]] * 2, color="black", lw=1.2)
    ax.set_xticks(range(len(cells)), cells, rotation=30, ha="right")
    if log:
        log_axis(ax, "y")
    ax.set_ylabel(measure.replace("_", " ") + (" (log scale)" if log else ""))
    ax.set_title(f"{_title(task)}: each dot one seed, bar the mean")
    return describe(
        fig,
        (
            f"Dot plot of the final {measure.replace('_', ' ')} of every seed"
            f"{' (log scale)' if log else ''}, one column per cell, a bar at the mean, on the task "
            f"'{_title(task)}': mean {_extremes(means)}."
        ),
    )


def plot_all_final(results: dict, measure: str = "test_loss", log: bool | None = None):
    """:func:`plot_final` for every task, two panels per row."""
    parts = []

    def draw(task, ax):
        plot_final(results, task, measure=measure, ax=ax, log=log)
        ax.set_title(_title(task))
        means = {
            c: float(_finite(results, task, c, measure).mean())
            for c in _cells(results, task)
            if len(_finite(results, task, c, measure))
        }
        parts.append(f"{_title(task)}: {_extremes(means)}")

    fig, _ = _task_grid(results, draw, 2.9)
    fig.suptitle(
        f"Final {measure.replace('_', ' ')} of every seed (dots) and the mean (bar): "
        "is a gap larger than the spread?"
    )
    seeds = len(results["config"]["seeds"])
    return describe(
        fig,
        (
            f"Four panels of dot plots, one per task, of the final {measure.replace('_', ' ')} of "
            f"each of the {seeds} seeds (log scale except for the language model), one column per "
            f"cell with a bar at the mean. Mean: " + "; ".join(parts) + "."
        ),
    )
