"""Plots of Part II: written memories, gates, bounded states, gradient flow, cell diagrams.

Each function takes data (the dicts of :mod:`rnnlib.experiments.part2`) and an optional ``ax``
and returns the figure; none calls ``plt.show()``.
"""

from __future__ import annotations

import numpy as np

from ..widgets import View, stable_limits
from . import new_figure

CELL_COLORS = {
    "vanilla": "#7f7f7f", "prototype": "#d62728", "normalized": "#9467bd", "gru": "#2ca02c",
    "pseudo": "#1f77b4", "lstm": "#ff7f0e", "peephole": "#8c564b", "written": "#1f77b4",
    "uncoordinated": "#d62728",
}
GATE_COLORS = {"i": "#2ca02c", "f": "#ff7f0e", "o": "#9467bd", "r": "#9467bd", "z": "#ff7f0e"}


def _label(name: str) -> str:
    from ..experiments.part2 import LABELS

    return LABELS.get(name, name)


# -- item 9 and 10 ---------------------------------------------------------------------------


def plot_message_survival(data: dict, fig=None):
    """Three panels: size of the message difference, its direction, and ||dL/ds_t||."""
    import matplotlib.pyplot as plt

    names = [k for k in ("vanilla", "written", "uncoordinated") if k in data]
    fig, axes = plt.subplots(1, 3, figsize=(11, 3.4), facecolor="white", layout="constrained")
    t = data["t"]
    labels = {"vanilla": "vanilla RNN", "written": "written memory (writes see only x)",
              "uncoordinated": "written, writes see the state"}
    for name in names:
        kw = {"color": CELL_COLORS[name], "label": labels[name]}
        axes[0].semilogy(t, np.maximum(data[name]["ratio"], 1e-20), **kw)
        axes[1].plot(t, data[name]["cosine"], **kw)
        axes[2].semilogy(t, np.maximum(data[name]["grad"], 1e-20), **kw)
    axes[0].set(xlabel="time step t", ylabel="||d_t|| / ||d_0||", title="size of the message")
    axes[1].set(xlabel="time step t", ylabel="cos(d_t, d_0)", title="direction of the message",
                ylim=(-1.05, 1.05))
    axes[2].set(xlabel="time step t", ylabel="||dL/ds_t||",
                title="gradient of L = g·s_T reaching step t")
    axes[0].legend(fontsize=8)
    fig.suptitle("Only the pure written memory keeps the message (1.0 throughout)")
    return fig


def plot_read_write(data: dict, ax=None):
    """Bars: the change of each element of s_t when one read or one write is switched off."""
    fig, ax = new_figure(ax, figsize=(7, 3.2))
    n = len(data["s"])
    k = np.arange(n)
    ax.bar(k - 0.2, data["read_change"], 0.4, color=GATE_COLORS["o"],
           label=f"read of element {data['unit']} off (o = 0)")
    ax.bar(k + 0.2, data["write_change"], 0.4, color=GATE_COLORS["i"],
           label=f"write to element {data['unit']} off (i = 0)")
    ax.axhline(0, color="black", lw=0.6)
    ax.set(xlabel="element of the new state s_t", ylabel="change of s_t",
           title="A read moves every element of s_t; a write moves only its own")
    ax.set_xticks(k)
    ax.legend(fontsize=8)
    return fig


# -- items 12 and 13 ------------------------------------------------------------------------


class GateTraceView(View):
    """The gate playground's four panels: state units, state norm, saturated gates, output."""

    def __init__(self, units: int = 4):
        super().__init__(figsize=(10, 5.2), nrows=2, ncols=2, sharex=True)
        self.units = units
        (a, b), (c, d) = self.axes
        self.unit_lines = [self.dynamic(a.plot([], [], lw=1)[0]) for _ in range(units)]
        self.norm_line = self.dynamic(b.plot([], [])[0])
        self.saturated_line = self.dynamic(c.plot([], [], color="black")[0])
        self.pinned_note = self.dynamic(
            c.text(0.5, 0.5, "every gate is pinned:\nnothing to saturate", ha="center",
                   va="center", transform=c.transAxes))
        self.output_lines = [self.dynamic(d.plot([], [], lw=1)[0]) for _ in range(units)]
        a.set(ylabel="state units")
        b.set(ylabel="||s_t||", title="state norm (mean over the batch)", ylim=(0, 1))
        c.set(xlabel="time step t", ylabel="fraction", ylim=(-0.03, 1.03),
              title="computed gates < 0.01 or > 0.99")
        d.set(xlabel="time step t", ylabel="output units", title="output (first units)")

    def update(self, trace: dict) -> None:
        (a, b), (_, d) = self.axes
        states, T = trace["states"][:, 0, :self.units], len(trace["saturated"])
        outputs = trace["outputs"][:, 0, :self.units]
        t, steps = np.arange(T + 1), np.arange(1, T + 1)
        for k, line in enumerate(self.unit_lines):
            line.set_data(t, states[:, k])
        a.set_title(f"{_label(trace['cell'])}: {self.units} units of the state")
        self.norm_line.set_data(t, trace["norms"])
        self.norm_line.set_color(CELL_COLORS.get(trace["cell"], "black"))
        pinned = bool(np.all(np.isnan(trace["saturated"])))
        self.saturated_line.set_data(steps, trace["saturated"])
        self.saturated_line.set_visible(not pinned)
        self.pinned_note.set_visible(pinned)
        for k, line in enumerate(self.output_lines):
            line.set_data(steps, outputs[:, k])
        stable_limits(a, 0, T, axis="x", pad=0.0)  # shared by all four panels
        stable_limits(a, states.min(), states.max())
        stable_limits(b, 0.0, trace["norms"].max())
        stable_limits(d, outputs.min(), outputs.max())


def plot_boundedness(table: dict, fig=None):
    """State norm at the last step and saturated fraction against the weight scale, per cell."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(10, 3.6), facecolor="white", layout="constrained")
    for a, name in enumerate(table["cells"]):
        kw = {"color": CELL_COLORS[name], "marker": "o", "label": _label(name)}
        axes[0].semilogy(table["scales"], table["norm"][a], **kw)
        axes[1].plot(table["scales"], table["saturated"][a], **kw)
    axes[0].set(xlabel="weight scale (x the default init)", ylabel="||s_T||",
                title="state norm after the run")
    axes[1].set(xlabel="weight scale (x the default init)", ylabel="fraction",
                title="saturated gates (second half of the run)", ylim=(-0.03, 1.03))
    axes[0].legend(fontsize=8)
    fig.suptitle("Only the prototype's state runs away once the weights grow")
    return fig


def plot_training_record(records: dict, fig=None):
    """State norm and saturated fraction over the first training steps, one line per cell."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(10, 3.4), facecolor="white", layout="constrained")
    for name, rec in records.items():
        kw = {"color": CELL_COLORS[name], "label": _label(name)}
        steps = np.arange(len(rec["norm"]))
        axes[0].plot(steps, rec["norm"], **kw)
        axes[1].plot(steps, rec["saturated"], **kw)
    axes[0].set(xlabel="training step", ylabel="||s_T|| (last step of the batch)",
                title="state norm at the start of training")
    axes[1].set(xlabel="training step", ylabel="fraction", ylim=(-0.03, 1.03),
                title="saturated gates at the start of training")
    axes[0].legend(fontsize=8)
    return fig


# -- items 14 and 15 ------------------------------------------------------------------------


def plot_grad_flow(norms: dict, ax=None, title=None, carousel: dict | None = None):
    """``||dL/ds_t||`` against t, one line per cell (a dict name -> (T + 1,) array).

    ``carousel`` (optional, name -> (T + 1,)): a prediction drawn dotted in the cell's color,
    e.g. the LSTM's diag(f)-only (constant error carousel) prediction, on the same axes.
    """
    fig, ax = new_figure(ax, figsize=(7, 3.6))
    for name, g in norms.items():
        ax.semilogy(np.arange(len(g)), np.maximum(g, 1e-30), color=CELL_COLORS.get(name),
                    label=_label(name))
    for name, g in (carousel or {}).items():
        ax.semilogy(np.arange(len(g)), np.maximum(g, 1e-30), color=CELL_COLORS.get(name),
                    ls=":", lw=2, label=f"{_label(name)}: carousel alone (product of f)")
    ax.set(xlabel="time step t", ylabel="||dL/ds_t|| (log scale)",
           title=title or "How much of the final error reaches step t")
    ax.legend(fontsize=8)
    return fig


class ForgetBiasView(View):
    """The forget-bias widget: LSTM ``||dL/dc_t||``, its diag(f)-only prediction, the vanilla RNN's.

    ``update`` takes the dict of :func:`rnnlib.experiments.part2.lstm_cell_grads_fast` plus
    ``"forget_bias"``; the dotted line is its ``"carousel"`` entry (the product of the forget
    gates applied to ``dL/dc_T``: what the constant error carousel alone would carry back).
    """

    def __init__(self):
        super().__init__(figsize=(7, 3.6))
        ax = self.axes[0, 0]
        self.lstm_line = self.dynamic(ax.semilogy([1], [1], color=CELL_COLORS["lstm"])[0])
        self.carousel_line = self.dynamic(ax.semilogy([1], [1], color=CELL_COLORS["lstm"],
                                                      ls=":", lw=2)[0])
        self.vanilla_line = self.dynamic(ax.semilogy([1], [1], color=CELL_COLORS["vanilla"],
                                                     ls="--")[0])
        # above the axes, so that no setting of the sliders hides a line under it
        self.legend = self.dynamic(self.figure.legend(
            [self.lstm_line, self.carousel_line, self.vanilla_line],
            ["basic LSTM, forget bias +0.0 (measured)", "carousel alone: product of f_t",
             "vanilla RNN (same init)"],
            fontsize=8, loc="outside upper center", ncols=2))
        ax.set(xlabel="time step t", ylabel="||dL/dc_t||, vanilla ||dL/ds_t|| (log)",
               title="Gradient reaching step t from a loss at the last step", ylim=(1e-12, 1e3))

    def update(self, data: dict) -> None:
        ax = self.axes[0, 0]
        t = data["t"]
        self.lstm_line.set_data(t, np.maximum(data["lstm"], 1e-30))
        self.carousel_line.set_data(t, np.maximum(data["carousel"], 1e-30))
        self.vanilla_line.set_data(t, np.maximum(data["vanilla"], 1e-30))
        stable_limits(ax, t[0], t[-1], axis="x", pad=0.0)
        self.legend.get_texts()[0].set_text(
            f"basic LSTM, forget bias {data['forget_bias']:+.1f} (measured)")


def plot_shadow_state(data: dict, fig=None):
    """c, h and the read gate o of a few LSTM steps, with the last input changed or not."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(10, 3.2), facecolor="white", layout="constrained")
    T = len(data["o"])
    t = np.arange(T + 1)
    axes[0].plot(t, data["c"][:, 0], "o-", color=CELL_COLORS["lstm"], label="cell state c (unit 0)")
    axes[0].plot(t, data["h"][:, 0], "s-", color=CELL_COLORS["pseudo"], label="shadow h = o·tanh(c)")
    axes[0].set(xlabel="time step t", ylabel="value", title="c is written; h is what is read of it")
    axes[0].legend(fontsize=8)
    steps = np.arange(1, T + 1)
    axes[1].plot(steps, data["o"][:, 0], "o-", color="black", label="original inputs")
    axes[1].plot(steps, data["o_changed_input"][:, 0], "x--", color="#d62728",
                 label=f"x_{T} changed")
    axes[1].set(xlabel="time step t", ylabel="o_t (unit 0)",
                title="the read gate of step t is made from h_{t-1}")
    axes[1].legend(fontsize=8)
    return fig


def plot_peephole(result: dict, fig=None):
    """Timing hits per seed (bars) and the training loss of each run."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(10, 3.4), facecolor="white", layout="constrained")
    seeds = result["seeds"]
    x = np.arange(len(seeds))
    for k, name in enumerate(("lstm", "peephole")):
        axes[0].bar(x + (k - 0.5) * 0.38, result[name]["hit"], 0.38, color=CELL_COLORS[name],
                    label=_label(name))
        for loss in result[name]["loss"]:
            axes[1].semilogy(loss, color=CELL_COLORS[name], alpha=0.7)
    axes[0].set_xticks(x, [f"seed {s}" for s in seeds])
    axes[0].set(ylabel="pulses exactly on time", ylim=(0, 1.05),
                title="timing accuracy on fresh sequences")
    axes[0].legend(fontsize=8)
    axes[1].set(xlabel="training step", ylabel="loss (log scale)",
                title="training loss, one line per seed")
    return fig


# -- dataflow diagrams: in their own module; kept here for the chapters that import them ----

from .cell_diagrams import (  # noqa: F401
    CELL_DIAGRAMS,
    NODE_STYLE,
    diagram_geometry,
    diagram_layout,
    draw_cell_diagram,
)
