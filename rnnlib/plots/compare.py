"""Plots of the comparison chapter: learning curves with their spread, and final losses per seed.

Each function takes the results dict of :mod:`rnnlib.experiments.compare` (and an optional
``ax``) and returns the figure.
"""

from __future__ import annotations

import numpy as np

from . import new_figure

# One colour per cell, the same in every figure of the chapter (matplotlib's tab10 colours).
CELL_COLORS = {
    "vanilla": "#7f7f7f", "prototype": "#8c564b", "normalized": "#9467bd", "gru": "#2ca02c",
    "pseudo": "#d62728", "lstm": "#1f77b4", "peephole": "#17becf",
}
TASK_TITLES = {
    "copy": "Copy after a delay", "adding": "Adding problem", "reber": "Embedded Reber",
    "charlm": "Character language model",
}


# Losses spanning orders of magnitude read best on a log scale; the language model's do not.
LINEAR_TASKS = ("charlm",)


def _log_scale(task: str, log: bool | None) -> bool:
    return task not in LINEAR_TASKS if log is None else bool(log)


def _runs(results: dict, task: str, cell: str) -> list[dict]:
    return [r for r in results["runs"] if r["task"] == task and r["cell"] == cell]


def plot_curves(results: dict, task: str, cells=None, ax=None, log: bool | None = None):
    """Validation loss against training steps for each cell on one task.

    The line is the mean over seeds, the band spans the best and the worst seed; a dotted
    line marks the loss of a model that ignores its inputs, a dashed one the threshold of the
    steps-to-threshold measure. ``log=None`` uses a log scale except for the language model.
    """
    log = _log_scale(task, log)
    fig, ax = new_figure(ax)
    cells = list(results["sizes"][task]["cells"]) if cells is None else list(cells)
    for cell in cells:
        runs = _runs(results, task, cell)
        steps = np.array(runs[0]["curve_steps"])
        losses = np.array([r["curve_val_loss"] for r in runs], dtype=np.float64)  # (seeds, k)
        color = CELL_COLORS.get(cell)
        ax.plot(steps, losses.mean(axis=0), color=color, lw=1.8, label=cell)
        ax.fill_between(steps, losses.min(axis=0), losses.max(axis=0), color=color, alpha=0.15,
                        lw=0)
    ax.axhline(results["chance_loss"][task], color="black", ls=":", lw=1, label="no memory")
    ax.axhline(results["thresholds"][task], color="black", ls="--", lw=0.8, label="threshold")
    if log:
        ax.set_yscale("log")
    ax.set_xlabel("training step")
    ax.set_ylabel("validation loss" + (" (log scale)" if log else ""))
    ax.set_title(TASK_TITLES.get(task, task))
    return fig


def _task_grid(results: dict, draw, panel_height: float):
    """One panel per task, two per row; ``draw(task, ax)`` fills each. Returns ``(fig, axes)``."""
    import matplotlib.pyplot as plt

    tasks = list(results["sizes"])
    cols = 2
    rows = (len(tasks) + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(11, panel_height * rows), facecolor="white",
                             layout="constrained", squeeze=False)
    for ax, task in zip(axes.flat, tasks):
        ax.set_facecolor("white")
        draw(task, ax)
    for ax in list(axes.flat)[len(tasks):]:
        ax.set_visible(False)
    return fig, axes


def plot_all_curves(results: dict, cells=None, log: bool | None = None):
    """The learning curves of every task, one panel each, with one shared legend."""
    fig, axes = _task_grid(
        results, lambda task, ax: plot_curves(results, task, cells=cells, ax=ax, log=log), 3.6)
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside right center", frameon=False)
    seeds = len(results["config"]["seeds"])
    fig.suptitle(f"Validation loss while training: mean over {seeds} seeds, band from the best "
                 "to the worst seed")
    return fig


def plot_final(results: dict, task: str, measure: str = "test_loss", ax=None,
               log: bool | None = None):
    """Final test loss of every seed, one column per cell: is the gap larger than the spread?"""
    fig, ax = new_figure(ax)
    log = _log_scale(task, log)
    cells = list(results["sizes"][task]["cells"])
    for k, cell in enumerate(cells):
        values = np.array([r[measure] for r in _runs(results, task, cell)], dtype=np.float64)
        values = values[np.isfinite(values)]
        jitter = np.linspace(-0.12, 0.12, len(values)) if len(values) > 1 else np.zeros(1)
        ax.scatter(k + jitter, values, color=CELL_COLORS.get(cell), s=22, zorder=3)
        if len(values):
            ax.plot([k - 0.25, k + 0.25], [values.mean()] * 2, color="black", lw=1.2)
    ax.set_xticks(range(len(cells)), cells, rotation=30, ha="right")
    if log:
        ax.set_yscale("log")
    ax.set_ylabel(measure.replace("_", " "))
    ax.set_title(f"{TASK_TITLES.get(task, task)}: each dot one seed, bar the mean")
    return fig


def plot_all_final(results: dict, measure: str = "test_loss", log: bool | None = None):
    """:func:`plot_final` for every task, two panels per row."""

    def draw(task, ax):
        plot_final(results, task, measure=measure, ax=ax, log=log)
        ax.set_title(TASK_TITLES.get(task, task))

    fig, _ = _task_grid(results, draw, 3.4)
    fig.suptitle(f"Final {measure.replace('_', ' ')} of every seed (dots) and the mean (bar): "
                 "is a gap between two cells larger than their spread?")
    return fig


def plot_long_lag(results: dict, ax=None):
    """Test MSE against the lag for each cell of the long-lag experiment (log-log).

    Each dot is one seed (diverged runs are left out), the line joins the means over seeds,
    and the dotted line is the chance MSE 1/6 of a model that ignores its inputs.
    """
    from matplotlib.ticker import NullLocator

    fig, ax = new_figure(ax, figsize=(7.2, 4.0))
    lags = list(results["config"]["lags"])
    cells = list(results["config"]["cells"])
    offsets = np.linspace(-0.04, 0.04, len(cells))  # spread the cells apart (log-x factors)
    for offset, cell in zip(offsets, cells):
        color = CELL_COLORS.get(cell)
        means = []
        for lag in lags:
            values = np.array([r["test_mse"] for r in results["runs"]
                               if r["lag"] == lag and r["cell"] == cell], dtype=np.float64)
            values = values[np.isfinite(values)]
            ax.scatter(np.full(len(values), lag * 10 ** offset), values, color=color, s=18,
                       alpha=0.8, zorder=3)
            means.append(values.mean() if len(values) else np.nan)
        label = cell + (f" (forget bias {results['config']['forget_bias']:g})"
                        if cell == "lstm" else "")
        ax.plot(np.array(lags) * 10 ** offset, means, color=color, lw=1.6, label=label)
    ax.axhline(results["chance_mse"], color="black", ls=":", lw=1.2, label="chance (1/6)")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xticks(lags, [str(t) for t in lags])
    ax.xaxis.set_minor_locator(NullLocator())
    ax.set_xlabel("sequence length T (the lag to bridge), log scale")
    ax.set_ylabel("test MSE (log scale)")
    seeds = len(results["config"]["seeds"])
    ax.set_title(f"Adding problem, {results['config']['steps']} Adam steps: dots are the "
                 f"{seeds} seeds, lines their mean")
    ax.legend(frameon=False, fontsize=9)
    return fig
