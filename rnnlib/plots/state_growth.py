"""Plots of the state-growth experiments over seeds (:mod:`rnnlib.experiments.state_growth`).

Each function takes the experiment's dict, draws the median over seeds with the range of the
seeds around it, and returns the figure; none calls ``plt.show()``.
"""

from __future__ import annotations

import numpy as np

from .part2 import CELL_COLORS, _label


def plot_boundedness_seeds(table: dict, fig=None):
    """State norm and saturated fraction against the weight scale: median and range of seeds."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(10, 3.6), facecolor="white", layout="constrained")
    scales = np.asarray(table["scales"], dtype=float)
    k = len(table["cells"])
    for a, name in enumerate(table["cells"]):
        shift = scales * (1 + 0.03 * (a - (k - 1) / 2))  # spread the markers a little
        for ax, key in zip(axes, ("norm", "saturated")):
            v = table[key][:, a, :]  # (S, K)
            med = np.median(v, axis=0)
            ax.errorbar(shift, med, yerr=[med - v.min(axis=0), v.max(axis=0) - med],
                        color=CELL_COLORS[name], marker="o", capsize=3, label=_label(name))
    s = len(table["seeds"])
    axes[0].set(xscale="log", yscale="log", xlabel="weight scale (x the default init)",
                ylabel="||s_T||", title=f"state norm after the run ({s} seeds)")
    axes[1].set(xscale="log", xlabel="weight scale (x the default init)", ylabel="fraction",
                title="saturated gates (second half of the run)", ylim=(-0.03, 1.03))
    for ax in axes:
        ax.set_xticks(scales, [f"{x:g}" for x in scales])
        ax.minorticks_off()
    axes[0].legend(fontsize=8)
    fig.suptitle("Median over seeds, bars from the smallest to the largest seed: only the "
                 "prototype's state runs away")
    return fig


def plot_early_training(record: dict, fig=None):
    """State norm and saturated fraction over the first updates: median line, range band."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(10, 3.6), facecolor="white", layout="constrained")
    steps = np.arange(record["norm"].shape[2])
    for a, name in enumerate(record["cells"]):
        color = CELL_COLORS[name]
        for ax, key in zip(axes, ("norm", "saturated")):
            v = record[key][a]  # (S, steps)
            ax.fill_between(steps, v.min(axis=0), v.max(axis=0), color=color, alpha=0.12, lw=0)
            ax.plot(steps, np.median(v, axis=0), color=color, label=_label(name))
    s = len(record["seeds"])
    axes[0].set(xlabel="training step", ylabel="||s_T|| (last step of the batch)",
                yscale="log", title=f"state norm: median of {s} seeds, band = range")
    axes[1].set(xlabel="training step", ylabel="fraction", ylim=(-0.03, 1.03),
                title="saturated gates: median and range")
    axes[0].legend(fontsize=8)
    fig.suptitle("Early training: the prototype's state grows, and so do the pseudo and basic "
                 "LSTMs'")
    return fig
