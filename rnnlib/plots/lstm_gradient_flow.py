"""Plots of the LSTM's gradient flow: measured against the constant-error-carousel prediction.

The data are the dicts of :mod:`rnnlib.experiments.lstm_gradient_flow`; each function takes an
optional figure or axes and returns the figure, never calling ``plt.show()``.
"""

from __future__ import annotations

import numpy as np

from . import new_figure

MEASURED, CAROUSEL, SCALAR = "#ff7f0e", "#1f77b4", "black"


def plot_carousel_table(table: dict, ax=None, title: str | None = None):
    """``||dL/dc_0|| / ||dL/dc_T||`` against the forget bias: measured, diag(f) and sigma(b)^T.

    ``table``: the dict of :func:`~rnnlib.experiments.lstm_gradient_flow.carousel_table`. One
    dot per seed for the measured ratio and for the diag(f)-only prediction on the same run,
    a line through their medians (geometric), and ``sigma(b)^T`` dashed.
    """
    fig, ax = new_figure(ax, figsize=(6, 3.8))
    b = table["biases"]
    S = len(table["seeds"])
    jitter = (np.arange(S) - (S - 1) / 2) * 0.04
    for key, color, label in (("full", MEASURED, "measured (exact gradient)"),
                              ("carousel", CAROUSEL, "carousel alone: product of f_t")):
        values = table[key]
        for j in range(S):
            ax.semilogy(b + jitter[j], values[:, j], "o", ms=3.5, color=color, alpha=0.6)
        ax.semilogy(b, np.exp(np.log(values).mean(axis=1)), "-", color=color, label=label)
    ax.semilogy(b, table["scalar"], "--", color=SCALAR, label=f"sigma(b)^{table['T']}")
    ax.axhline(1.0, color="0.6", lw=0.8)
    ax.set(xlabel="forget-gate bias b", ylabel=f"||dL/dc_0|| / ||dL/dc_{table['T']}|| (log)",
           title=title or "measured gradient against the carousel prediction")
    ax.legend(fontsize=8, loc="lower right")
    return fig
