"""Figure of truncated BPTT over several seeds (chapter 3)."""

from __future__ import annotations

import numpy as np

from .part1 import COLORS, GREEN, GREY, RED, _white_figure


def plot_truncation_seeds(runs: dict, delay: int, chance: float, curve_ks=None):
    """Top: each seed's recall accuracy at the end (dots) and the mean (bar) against the window
    length k, with the number of updates under each k. Bottom: accuracy against the number of
    batches seen, mean over seeds with the min-max band, for ``curve_ks`` (default: all).
    ``runs``: ``{k: [TruncationRun per seed]}``. Returns the figure."""
    fig, (top, bottom) = _white_figure(2, 1, figsize=(7.5, 7.0))
    ks = list(runs)
    for i, k in enumerate(ks):
        acc = np.array([r.accuracy for r in runs[k]])
        color = GREEN if k > delay else GREY
        top.scatter(i + np.linspace(-0.15, 0.15, len(acc)), acc, color=color, s=16, zorder=3)
        top.plot([i - 0.3, i + 0.3], [acc.mean()] * 2, color=color, linewidth=2)
    top.set_xticks(range(len(ks)), [f"{k}\n{runs[k][0].updates} upd." for k in ks])
    top.axhline(chance, color=RED, linestyle="--", linewidth=1, label=f"chance ({chance:.2g})")
    top.set_ylim(0, 1.05)
    top.set_xlabel("truncation length k (steps per window) and number of updates made")
    top.set_ylabel("recall accuracy (fresh data)")
    top.set_title(f"One dot per seed: the symbol from {delay} steps back is learned only when "
                  f"k > {delay}", fontsize=10)
    top.legend(fontsize=8, loc="upper left")
    curve_ks = ks if curve_ks is None else list(curve_ks)
    for color, k in zip(COLORS, curve_ks):
        acc = np.array([r.curve for r in runs[k]])
        seen = np.array(runs[k][0].checkpoints)
        bottom.plot(seen, acc.mean(axis=0), color=color, marker="o", markersize=3,
                    label=f"k = {k}")
        bottom.fill_between(seen, acc.min(axis=0), acc.max(axis=0), color=color, alpha=0.15,
                            linewidth=0)
    bottom.axhline(chance, color=RED, linestyle="--", linewidth=1)
    bottom.set_ylim(0, 1.05)
    bottom.set_xlabel("batches of sequences seen (the same data for every k)")
    bottom.set_ylabel("recall accuracy")
    bottom.set_title("Per batch seen, long windows learn as fast as short ones (band: min-max "
                     "over seeds)", fontsize=10)
    bottom.legend(fontsize=8, loc="lower right", ncol=2)
    return fig
