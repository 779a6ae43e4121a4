"""Plots of Part III: gradient norms across depth, NTM training, weightings over memory."""

from __future__ import annotations

import numpy as np

from . import new_figure

_FIXED = {"plain": "#777777", "residual": "#1f77b4"}
_HIGHWAY = ["#2ca02c", "#17becf", "#ff7f0e", "#d62728", "#9467bd", "#8c564b"]


def _color(label: str, k: int) -> str:
    return _FIXED.get(label, _HIGHWAY[k % len(_HIGHWAY)])


def _power_of_ten(value, _pos) -> str:
    return f"1e{round(np.log10(value)):d}" if value > 0 else "0"


def plot_gradient_norms(curves: dict[str, np.ndarray], ax=None, title: str | None = None):
    """``||dL/dy_l||`` against the layer ``l`` (log scale), one line per stack.

    Tick labels are plain text, not mathtext, so that a widget redraws in a few milliseconds.
    """
    from matplotlib.ticker import FuncFormatter, LogLocator, NullLocator

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
    ax.set_xlim(0, depth)
    ax.set_ylim(1e-12, 1e4)
    ax.yaxis.set_major_locator(LogLocator(base=100.0))
    ax.yaxis.set_major_formatter(FuncFormatter(_power_of_ten))
    ax.yaxis.set_minor_locator(NullLocator())
    ax.set_xlabel("layer l (0 = input, right = output)")
    ax.set_ylabel("gradient norm ‖∂L/∂y_l‖")
    ax.set_title(title or f"{depth} layers: what reaches layer l of the gradient at the top")
    ax.grid(True, which="major", alpha=0.3)
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


def plot_bit_errors(errors: dict[int, np.ndarray], train_max: int, ax=None):
    """Mean wrong bits per sequence for each length; the training lengths are shaded."""
    fig, ax = new_figure(ax, figsize=(6.4, 3.2))
    lengths = np.array(sorted(errors))
    means = np.array([errors[L].mean() for L in lengths])
    ax.axvspan(0.5, train_max + 0.5, color="#dddddd", label="lengths seen in training")
    ax.bar(lengths, means, color=["#1f77b4" if L <= train_max else "#ff7f0e" for L in lengths])
    for L, m in zip(lengths, means):
        ax.text(L, m, f"{m:.2f}", ha="center", va="bottom", fontsize=7)
    ax.set_xticks(lengths)
    ax.set_xlabel("sequence length")
    ax.set_ylabel("wrong bits per sequence (mean)")
    ax.set_title("Copying held-out sequences: exact in the trained range, then it degrades")
    ax.legend(fontsize=8, loc="upper left")
    return fig


def _heat(ax, data, title, xlabel, ylabel, cmap="viridis", vmin=0.0, vmax=1.0):
    im = ax.imshow(data, aspect="auto", cmap=cmap, vmin=vmin, vmax=vmax, interpolation="nearest")
    ax.set_title(title, fontsize=9)
    ax.set_xlabel(xlabel, fontsize=8)
    ax.set_ylabel(ylabel, fontsize=8)
    ax.tick_params(labelsize=7)
    return im


def plot_copy_episode(batch, episode, index: int = 0, fig=None):
    """Input, output, and the write and read weightings over memory rows for one copy episode.

    Time runs left to right in every panel; weightings are rows (memory slots) by time.
    """
    import matplotlib.pyplot as plt

    if fig is None:
        fig = plt.figure(figsize=(9.0, 5.6), facecolor="white", layout="constrained")
    axes = fig.subplots(2, 2)
    L = batch.length
    probs = 1.0 / (1.0 + np.exp(-episode.logits[:, index]))
    _heat(axes[0, 0], batch.xs[:, index].T, "input: the vectors, then the delimiter (last row)",
          "time step t", "input channel", cmap="Greys")
    _heat(axes[0, 1], probs.T, "output: bit probabilities (the copy comes after the delimiter)",
          "time step t", "output bit", cmap="Greys")
    _heat(axes[1, 0], episode.w_write[:, index].T, "write weighting $w^w_t(i)$", "time step t",
          "memory row i")
    im = _heat(axes[1, 1], episode.w_read[:, index].T, "read weighting $w^r_t(i)$", "time step t",
               "memory row i")
    for ax in axes.flat:
        ax.axvline(L, color="#d62728", lw=1, ls=":")
    fig.colorbar(im, ax=axes[1, :], shrink=0.8, label="weight")
    fig.suptitle("Copy episode: the write head walks down the rows, the read head walks them again")
    return fig


def plot_ntm_step(view: dict, fig=None):
    """The machine at one time step: memory after the write, the write and read weightings,
    the input and the output (for the episode widget)."""
    import matplotlib.pyplot as plt

    if fig is None:
        fig = plt.figure(figsize=(8.0, 3.6), facecolor="white")
    gs = fig.add_gridspec(1, 4, width_ratios=[3, 1.2, 1.2, 1.6], left=0.07, right=0.98,
                          bottom=0.14, top=0.84, wspace=0.45)
    ax_m, ax_w, ax_r, ax_io = (fig.add_subplot(gs[0, k]) for k in range(4))
    rows = np.arange(len(view["w_write"]))
    mem = view["memory"]
    lim = max(1e-6, float(np.abs(mem).max()))
    _heat(ax_m, mem, "memory $M_t$ (after the write)", "column", "memory row i", cmap="RdBu_r",
          vmin=-lim, vmax=lim)
    ax_w.barh(rows, view["w_write"], color="#ff7f0e")
    ax_r.barh(rows, view["w_read"], color="#1f77b4")
    for ax, name in ((ax_w, "write $w^w_t$"), (ax_r, "read $w^r_t$")):
        ax.set_ylim(rows[-1] + 0.5, -0.5)
        ax.set_xlim(0, 1)
        ax.set_title(name, fontsize=9)
        ax.set_xlabel("weight", fontsize=8)
        ax.tick_params(labelsize=7)
    n_bits = len(view["target"])
    ax_io.barh(np.arange(n_bits) - 0.2, view["x"][:n_bits], height=0.4, color="#999999", label="input")
    ax_io.barh(np.arange(n_bits) + 0.2, view["output"], height=0.4, color="#2ca02c", label="output")
    ax_io.set_ylim(n_bits - 0.5, -0.5)
    ax_io.set_xlim(0, 1)
    ax_io.set_title("bits at t", fontsize=9)
    ax_io.set_xlabel("value / probability", fontsize=8)
    ax_io.tick_params(labelsize=7)
    ax_io.legend(fontsize=7, loc="lower right")
    fig.suptitle(f"t = {view['t']} ({view['phase']})", fontsize=10)
    return fig
