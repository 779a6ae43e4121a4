"""Plots for the book: each function takes data (and an optional ``ax``) and returns the figure."""

from __future__ import annotations


def new_figure(ax=None, figsize=(6.4, 3.6)):
    """Return ``(fig, ax)``: the given axes and their figure, or a new white figure."""
    import matplotlib.pyplot as plt

    if ax is not None:
        return ax.figure, ax
    fig, ax = plt.subplots(figsize=figsize, facecolor="white", layout="constrained")
    ax.set_facecolor("white")
    return fig, ax
