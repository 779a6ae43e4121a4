"""One figure style for the whole book: the colours of the cells, font sizes, axes, log labels.

Every figure of the book is made by :func:`figure` (or drawn into axes a caller made with it),
so it has the same fonts and the same colour for the same cell in every chapter. A plot
function ends with ``return describe(fig, "...")``: the description is the figure's alt text on
the website, for a reader who cannot see it.
"""

from __future__ import annotations

import numpy as np

# One colour per cell, in every chapter (matplotlib's tab10 colours; the LSTM is blue and the
# vanilla RNN grey everywhere). CELL_LABELS are the names the prose uses.
CELL_COLORS = {
    "vanilla": "#7f7f7f",
    "prototype": "#d62728",
    "normalized": "#9467bd",
    "gru": "#2ca02c",
    "pseudo": "#ff7f0e",
    "lstm": "#1f77b4",
    "peephole": "#17becf",
}
CELL_LABELS = {
    "vanilla": "vanilla RNN",
    "prototype": "prototype LSTM",
    "normalized": "normalized prototype",
    "gru": "GRU",
    "pseudo": "pseudo LSTM",
    "lstm": "basic LSTM",
    "peephole": "peephole LSTM",
}
# One colour per gate kind: writing (i), keeping (f; the GRU's z), reading (o; the GRU's r).
GATE_COLORS = {"i": "#2ca02c", "f": "#ff7f0e", "z": "#ff7f0e", "o": "#9467bd", "r": "#9467bd"}

# Named colours for figures that are not about cells, and a cycle for series without a name.
BLUE, ORANGE, GREEN, RED, PURPLE, BROWN, PINK, GREY, CYAN, BLACK = (
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#17becf",
    "#222222",
)
COLORS = (BLUE, ORANGE, GREEN, RED, PURPLE, BROWN, PINK, CYAN)

# The book's matplotlib settings. Figures are drawn at 100 dpi and shown pixel-doubled on the
# site; 10 pt text is then legible in the 786 px column and, scaled down, on a phone.
BOOK_STYLE = {
    "figure.facecolor": "white",
    "axes.facecolor": "white",
    "savefig.facecolor": "white",
    "font.size": 10.0,
    "axes.titlesize": 10.0,
    "figure.titlesize": 10.0,
    "axes.labelsize": 10.0,
    "xtick.labelsize": 9.0,
    "ytick.labelsize": 9.0,
    "legend.fontsize": 9.0,
    "legend.frameon": True,  # a light backing, so a legend over lines stays readable
    "legend.framealpha": 0.85,
    "legend.edgecolor": "none",
    "axes.grid": False,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "lines.linewidth": 1.6,
}


def cell_color(name: str) -> str:
    """The colour of cell ``name`` (a key of :data:`CELL_COLORS`)."""
    if name not in CELL_COLORS:
        raise ValueError(f"no colour for cell {name!r}; expected one of {sorted(CELL_COLORS)}")
    return CELL_COLORS[name]


def cell_label(name: str) -> str:
    """The name the prose uses for cell ``name`` (``"lstm"`` -> ``"basic LSTM"``)."""
    return CELL_LABELS.get(name, name)


def use_book_style() -> None:
    """Apply :data:`BOOK_STYLE` to matplotlib (idempotent; :func:`figure` calls it)."""
    import matplotlib

    matplotlib.rcParams.update(BOOK_STYLE)


def figure(nrows: int = 1, ncols: int = 1, figsize=(6.4, 3.6), **subplots_kw):
    """A new figure in the book's style: ``(fig, ax)``, or ``(fig, axes)`` for a grid.

    ``figsize`` is in inches at 100 dpi (6.4 in fills the text column). Extra keywords go to
    ``plt.subplots`` (``sharex``, ``gridspec_kw``, ...). The layout is constrained.
    """
    import matplotlib.pyplot as plt

    use_book_style()
    return plt.subplots(nrows, ncols, figsize=figsize, layout="constrained", **subplots_kw)


def new_figure(ax=None, figsize=(6.4, 3.6)):
    """``(fig, ax)``: the figure of the given ``ax``, or a new one-axes figure in the book style.

    Plot functions take an optional ``ax`` so that a chapter can place several plots in one
    figure; without it they make their own.
    """
    if ax is not None:
        return ax.figure, ax
    return figure(figsize=figsize)


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


_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def decade_label(value, _pos=None) -> str:
    """``10⁻³`` in plain Unicode for a power of ten, else ``""``: no mathtext, which is slow to
    lay out (widgets redraw often)."""
    if value <= 0:
        return ""
    exponent = np.log10(value)
    if abs(exponent - round(exponent)) > 1e-6:
        return ""
    return "10" + str(round(exponent)).translate(_SUPERSCRIPT)


def log_axis(ax, axis: str = "y", every: int = 1, numticks: int = 7) -> None:
    """Put ``ax``'s ``axis`` ("x" or "y") on a log scale labelled in plain-text decades
    (``10⁻³``), with a tick every ``every`` decades and no minor labels: the book's one way of
    labelling a log axis."""
    from matplotlib.ticker import FuncFormatter, LogLocator, NullLocator

    if axis not in ("x", "y"):
        raise ValueError(f"axis must be 'x' or 'y'; got {axis!r}")
    if isinstance(every, bool) or not isinstance(every, int) or every < 1:
        raise ValueError(f"every must be a positive integer; got {every!r}")
    (ax.set_yscale if axis == "y" else ax.set_xscale)("log")
    target = ax.yaxis if axis == "y" else ax.xaxis
    target.set_major_locator(LogLocator(base=10.0**every, numticks=numticks))
    target.set_major_formatter(FuncFormatter(decade_label))
    target.set_minor_locator(NullLocator())


def running_mean(values, window: int) -> np.ndarray:
    """Mean of the last ``window`` values at each step (fewer at the start); same length."""
    values = np.asarray(values, dtype=np.float64)
    if isinstance(window, bool) or not isinstance(window, (int, np.integer)) or window < 1:
        raise ValueError(f"window must be a positive integer; got {window!r}")
    sums = np.cumsum(np.insert(values, 0, 0.0))
    counts = np.minimum(np.arange(1, len(values) + 1), window)
    return (sums[1:] - sums[np.arange(1, len(values) + 1) - counts]) / counts
