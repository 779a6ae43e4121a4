"""Plots of Part III: gradient norms across depth, NTM training, weightings over memory."""

from __future__ import annotations

import numpy as np

from ..widgets import View
from . import new_figure

_FIXED = {"plain": "#777777", "residual": "#1f77b4"}
_HIGHWAY = ["#2ca02c", "#17becf", "#ff7f0e", "#d62728", "#9467bd", "#8c564b"]


def _color(label: str, k: int) -> str:
    return _FIXED.get(label, _HIGHWAY[k % len(_HIGHWAY)])


def _power_of_ten(value, _pos) -> str:
    return f"1e{round(np.log10(value)):d}" if value > 0 else "0"


def _gradient_axis(ax, depth: int, xlabel: str, title: str) -> None:
    """Layers 0..depth across, ``||dL/dy_l||`` from 1e-12 to 1e4 up, in plain-text decades."""
    from matplotlib.ticker import FuncFormatter, LogLocator, NullLocator

    ax.set_yscale("log")
    ax.set_xlim(0, depth)
    ax.set_ylim(1e-12, 1e4)
    ax.yaxis.set_major_locator(LogLocator(base=100.0))
    ax.yaxis.set_major_formatter(FuncFormatter(_power_of_ten))
    ax.yaxis.set_minor_locator(NullLocator())
    ax.set_xlabel(xlabel)
    ax.set_ylabel("gradient norm ‖∂L/∂y_l‖")
    ax.set_title(title)
    ax.grid(True, which="major", alpha=0.3)


def plot_gradient_norms(curves: dict[str, np.ndarray], ax=None, title: str | None = None):
    """``||dL/dy_l||`` against the layer ``l`` (log scale), one line per stack.

    Tick labels are plain text, not mathtext, so that a widget redraws in a few milliseconds.
    """
    if ax is None:  # fixed margins: constrained layout costs more than the drawing itself
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots(figsize=(6.4, 3.8), facecolor="white")
        fig.subplots_adjust(left=0.12, right=0.97, bottom=0.13, top=0.9)
    fig = ax.figure
    k = 0
    for label, norms in curves.items():
        ax.semilogy(np.arange(len(norms)), np.maximum(norms, 1e-300), label=label, lw=1.8,
                    color=_color(label, k), ls="--" if label == "plain" else "-")
        k += label not in _FIXED
    depth = len(next(iter(curves.values()))) - 1
    _gradient_axis(ax, depth, "layer l (0 = input, right = output)",
                   title or f"{depth} layers: what reaches layer l of the gradient at the top")
    ax.legend(fontsize=8, loc="lower right", ncol=2)
    return fig


def plot_training(history: dict, ax=None, window: int = 50):
    """Training loss (running mean over ``window`` steps) and held-out bit errors per sequence."""
    fig, ax = new_figure(ax, figsize=(6.4, 3.4))
    loss = np.asarray(history["loss"])
    smooth = np.convolve(loss, np.ones(window) / window, mode="valid")
    steps = np.arange(window, len(loss) + 1)
    ax.semilogy(steps, smooth, color="#1f77b4", label=f"training loss (mean of {window} steps)")
    ax.set_xlabel("training step (batches of 16 sequences)")
    ax.set_ylabel("bit cross-entropy (nats)", color="#1f77b4")
    ax2 = ax.twinx()
    ax2.plot(history["eval_step"], history["eval_errors"], "o-", color="#d62728", ms=3,
             label="held-out bit errors per sequence")
    ax2.set_ylabel("held-out wrong bits per sequence", color="#d62728")
    ax2.set_ylim(bottom=0)
    ax.set_title("The copy NTM learns: loss falls, wrong bits go to zero")
    lines = ax.get_lines() + ax2.get_lines()
    ax.legend(lines, [line.get_label() for line in lines], fontsize=8, loc="upper right")
    return fig


def plot_bit_errors(errors: dict[int, np.ndarray], train_max: int, n_rows: int | None = None, ax=None):
    """Share of sequences copied without a single wrong bit, per length (bars), with the mean
    number of wrong bits per sequence written above each bar; training lengths shaded."""
    fig, ax = new_figure(ax, figsize=(6.4, 3.4))
    lengths = np.array(sorted(errors))
    exact = np.array([100.0 * (errors[L] == 0).mean() for L in lengths])
    wrong = np.array([errors[L].mean() for L in lengths])
    ax.axvspan(0.5, train_max + 0.5, color="#e8e8e8", label="lengths seen in training")
    if n_rows is not None:
        ax.axvline(n_rows + 0.5, color="#d62728", ls=":", label=f"memory full ({n_rows} rows)")
    ax.bar(lengths, exact, color=["#1f77b4" if L <= train_max else "#ff7f0e" for L in lengths])
    for L, e, w in zip(lengths, exact, wrong):
        ax.text(L, e + 1.5, f"{w:.2g}", ha="center", va="bottom", fontsize=7, rotation=90)
    ax.set_xticks(lengths)
    ax.set_ylim(0, 125)
    ax.set_yticks([0, 25, 50, 75, 100])
    ax.set_xlabel("sequence length (vectors of 8 bits)")
    ax.set_ylabel("sequences copied exactly (%)")
    ax.set_title("Copying test sequences (numbers: mean wrong bits per sequence)", fontsize=10)
    ax.legend(fontsize=8, loc="upper right")
    return fig


def _heat(ax, data, title, xlabel, ylabel, cmap="viridis", vmin=0.0, vmax=1.0):
    from matplotlib.ticker import MaxNLocator

    im = ax.imshow(data, aspect="auto", cmap=cmap, vmin=vmin, vmax=vmax, interpolation="nearest")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_title(title, fontsize=10)
    ax.set_xlabel(xlabel, fontsize=9)
    ax.set_ylabel(ylabel, fontsize=9)
    ax.tick_params(labelsize=8)
    return im


def plot_copy_episode(batch, episode, index: int = 0, fig=None):
    """Input, output, and the write and read weightings over memory rows for one copy episode.

    Time runs left to right in every panel; weightings are rows (memory slots) by time.
    """
    import matplotlib.pyplot as plt

    if fig is None:
        fig = plt.figure(figsize=(8.0, 6.4), facecolor="white", layout="constrained")
    axes = fig.subplots(2, 2)
    L = batch.length
    probs = 1.0 / (1.0 + np.exp(-episode.logits[:, index]))
    _heat(axes[0, 0], batch.xs[:, index].T, "input (delimiter = last row)",
          "time step t", "input channel", cmap="Greys")
    _heat(axes[0, 1], probs.T, "output probabilities (scored after t = L)",
          "time step t", "output bit", cmap="Greys")
    _heat(axes[1, 0], episode.w_write[:, index].T, "write weighting $w^w_t(i)$", "time step t",
          "memory row i")
    im = _heat(axes[1, 1], episode.w_read[:, index].T, "read weighting $w^r_t(i)$", "time step t",
               "memory row i")
    for ax in axes.flat:
        ax.axvline(L, color="#d62728", lw=1, ls=":")
    fig.colorbar(im, ax=axes[1, :], shrink=0.8, label="weight")
    fig.suptitle("One row per vector: the read head retraces the write head's path")
    return fig


class GradientNormFigure(View):
    """Gradient norm per layer of a plain, a residual and a highway stack, on a fixed 0..200 layer
    axis so that only the lines and a caption change between updates."""

    LABELS = ("plain", "residual", "highway")

    def __init__(self, max_depth: int = 200):
        super().__init__(figsize=(6.4, 3.8))
        ax = self.ax = self.axes[0, 0]
        _gradient_axis(ax, max_depth, "layer l (0 = input; the top of the stack is at l = depth)",
                       "Gradient reaching layer l, from a loss on the top layer")
        styles = {"plain": ("#777777", "--"), "residual": ("#1f77b4", "-"), "highway": ("#2ca02c", "-")}
        self.lines = {}
        for label in self.LABELS:
            color, ls = styles[label]
            (line,) = ax.plot([], [], color=color, ls=ls, lw=1.8, label=label)
            self.lines[label] = self.dynamic(line)
        ax.legend(fontsize=8, loc="lower right")
        self.caption = self.dynamic(ax.text(0.02, 0.96, "", transform=ax.transAxes, va="top", fontsize=8,
                                           bbox={"facecolor": "white", "edgecolor": "#bbbbbb"}))

    def update(self, data: dict) -> None:
        """``data["curves"]`` maps ``plain``, ``residual`` and ``highway ...`` to norms for
        l = 0..depth; ``data["caption"]`` says which setting they belong to."""
        for label, norms in data["curves"].items():
            key = label.split()[0]
            self.lines[key].set_data(np.arange(len(norms)), np.maximum(norms, 1e-300))
        self.caption.set_text(data["caption"])


class NTMStepFigure(View):
    """The machine at one time step: memory after the write, write and read weightings over the
    rows, and the bits going in or expected with the bits coming out."""

    def __init__(self, n_rows: int, width: int, n_bits: int, memory_limit: float):
        from matplotlib.ticker import MaxNLocator

        super().__init__(figsize=(8.0, 3.6), nrows=1, ncols=4,
                         gridspec_kw={"width_ratios": [3, 1.2, 1.2, 1.6]})
        ax_m, ax_w, ax_r, ax_io = self.axes[0]
        rows = np.arange(n_rows)
        self.memory = self.dynamic(_heat(ax_m, np.zeros((n_rows, width)), "memory M_t (after the write)",
                                        "column", "memory row i", cmap="RdBu_r",
                                        vmin=-memory_limit, vmax=memory_limit))
        colorbar = self.figure.colorbar(self.memory, ax=ax_m, fraction=0.08, pad=0.04)
        colorbar.ax.tick_params(labelsize=7)
        self.w_write = [self.dynamic(p) for p in ax_w.barh(rows, np.zeros(n_rows), color="#ff7f0e")]
        self.w_read = [self.dynamic(p) for p in ax_r.barh(rows, np.zeros(n_rows), color="#1f77b4")]
        for ax, name in ((ax_w, "write weighting"), (ax_r, "read weighting")):
            ax.set_ylim(n_rows - 0.5, -0.5)
            ax.set_xlim(0, 1)
            ax.yaxis.set_major_locator(MaxNLocator(integer=True))
            ax.set_title(name, fontsize=9)
            ax.set_xlabel("weight", fontsize=8)
            ax.tick_params(labelsize=7)
        bits = np.arange(n_bits)
        self.given = [self.dynamic(p) for p in ax_io.barh(bits - 0.2, np.zeros(n_bits), height=0.4,
                                                         color="#999999")]
        self.output = [self.dynamic(p) for p in ax_io.barh(bits + 0.2, np.zeros(n_bits), height=0.4,
                                                          color="#2ca02c")]
        ax_io.set_ylim(n_bits - 0.5, -0.5)
        ax_io.set_xlim(0, 1.45)
        ax_io.set_xticks([0, 0.5, 1])
        ax_io.set_title("bits: grey in, green out", fontsize=8)
        ax_io.set_xlabel("value / probability", fontsize=8)
        ax_io.set_ylabel("bit", fontsize=8)
        ax_io.tick_params(labelsize=7)
        self.title = self.dynamic(self.figure.suptitle(" ", fontsize=10))

    def update(self, view: dict) -> None:
        """Show a view from :func:`rnnlib.widgets.part3.ntm_step_view`."""
        self.memory.set_data(view["memory"])
        for patch, value in zip(self.w_write, view["w_write"]):
            patch.set_width(value)
        for patch, value in zip(self.w_read, view["w_read"]):
            patch.set_width(value)
        answering = view["phase"] == "writing the copy out"
        n_bits = len(view["target"])
        given = view["target"] if answering else view["x"][:n_bits]
        for patch, value in zip(self.given, given):
            patch.set_width(value)
        for patch, value in zip(self.output, view["output"]):
            patch.set_width(value)
        self.title.set_text(f"t = {view['t']}: {view['phase']}")


def plot_ntm_step(view: dict, memory_limit: float | None = None):
    """A static figure of the machine at one step (the widget's picture, for the book)."""
    n_rows, width = view["memory"].shape
    limit = memory_limit if memory_limit is not None else max(1e-6, float(np.abs(view["memory"]).max()))
    figure = NTMStepFigure(n_rows, width, len(view["target"]), limit)
    figure.update(view)
    return figure.still()
