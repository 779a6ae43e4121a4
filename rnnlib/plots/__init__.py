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


def describe(fig, text: str):
    """Give ``fig`` a description of what it shows, for a reader who cannot see it (one or two
    sentences: the kind of plot, its axes, what to notice). The site build makes it the alt text
    of the figure's image. Returns ``fig``, so a plot function can end with
    ``return describe(fig, f"...")``."""
    from matplotlib.figure import Figure

    if not isinstance(fig, Figure):
        raise TypeError(f"describe() expects a matplotlib Figure, got {type(fig).__name__}")
    if not isinstance(text, str) or not text.strip():
        raise ValueError(f"describe() expects a non-empty description string, got {text!r}")
    fig._wm_description = " ".join(text.split())
    return fig
