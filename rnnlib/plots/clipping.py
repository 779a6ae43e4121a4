"""Figure of exploding gradients and clipping over several seeds (chapter 3)."""

from __future__ import annotations

import numpy as np

from .part1 import BLUE, GREEN, GREY, PURPLE, RED, _running_mean, _white_figure

CASE_COLORS = (RED, BLUE, GREEN, PURPLE)


def plot_clipping_seeds(runs: dict, chance: float, loss_top: float = 30.0, window: int = 20):
    """Top: training loss per step (mean of the last ``window`` steps, log scale), one thin
    line per seed, colour per case; a run that diverged ends in a cross where it stopped (its
    loss drawn up to ``loss_top``). Bottom: gradient norm before clipping per step.
    ``runs``: ``{label: [ClipRun per seed]}`` (``rnnlib.experiments.clipping``). Values are
    clipped to the drawn range before plotting, so a blown-up run cannot overflow the axes."""
    fig, (top, bottom) = _white_figure(2, 1, figsize=(7.5, 7.0))
    low = np.inf
    for color, (label, rs) in zip(CASE_COLORS, runs.items()):
        k = sum(r.diverged for r in rs)
        for j, r in enumerate(rs):
            steps = np.arange(len(r.loss))
            loss = np.clip(np.nan_to_num(r.loss, nan=loss_top, posinf=loss_top), 1e-12, loss_top)
            smooth = np.minimum(_running_mean(loss, window), loss_top)
            top.semilogy(steps, smooth, color=color, linewidth=1, alpha=0.8,
                         label=f"{label}: {k} of {len(rs)} diverged" if j == 0 else None)
            low = min(low, smooth.min())
            if r.diverged:
                top.plot(steps[-1], loss_top, marker="x", color=color, markersize=7)
            norm = np.clip(np.nan_to_num(r.grad_norm, nan=1e12, posinf=1e12), 1e-12, 1e12)
            bottom.semilogy(steps, norm, color=color, linewidth=0.8, alpha=0.7,
                            label=label if j == 0 else None)
    top.axhline(chance, color=GREY, linestyle="--", linewidth=1, label="always answer 1")
    top.set_ylim(max(low / 2, 1e-3), loss_top * 1.5)
    top.set_xlabel("training step")
    top.set_ylabel(f"training loss (MSE, mean of {window} steps)")
    top.set_title("One line per seed; a cross marks a run that diverged and was stopped",
                  fontsize=10)
    top.legend(fontsize=8, loc="upper right")
    bottom.set_xlabel("training step")
    bottom.set_ylabel("gradient norm before clipping")
    bottom.set_title("Unclipped at twice the sqrt(3/n) scale, most runs' gradients run away",
                     fontsize=10)
    bottom.legend(fontsize=8, loc="upper right")
    return fig
