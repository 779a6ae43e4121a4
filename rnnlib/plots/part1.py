"""Figures of Part I (chapters 1-3). Each function takes data and an optional ``ax`` (or a
figure), draws, and returns the figure; none calls ``plt.show()``."""

from __future__ import annotations

import numpy as np

from ..widgets import View
from . import new_figure

BLUE, ORANGE, GREEN, RED, PURPLE, GREY, BLACK = (
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#7f7f7f", "#222222")
COLORS = (BLUE, ORANGE, GREEN, RED, PURPLE, "#8c564b", "#e377c2")


_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def _decade_label(value, _pos=None) -> str:
    """``10⁻³`` in plain Unicode: no mathtext, which is slow to lay out (widgets redraw often)."""
    if value <= 0:
        return ""
    exponent = np.log10(value)
    if abs(exponent - round(exponent)) > 1e-6:
        return ""
    return "10" + str(round(exponent)).translate(_SUPERSCRIPT)


def plain_log_y(ax) -> None:
    """Label a log-scale y axis with plain-text decades (``10⁻³``) and no minor labels."""
    from matplotlib.ticker import FuncFormatter, LogLocator, NullLocator

    ax.yaxis.set_major_locator(LogLocator(base=10, numticks=7))
    ax.yaxis.set_major_formatter(FuncFormatter(_decade_label))
    ax.yaxis.set_minor_locator(NullLocator())


def _white_figure(nrows=1, ncols=1, figsize=(9.0, 3.6), **kw):
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(nrows, ncols, figsize=figsize, facecolor="white",
                             layout="constrained", **kw)
    for ax in np.atleast_1d(axes).ravel():
        ax.set_facecolor("white")
    return fig, axes


# ---------------------------------------------------------------------------------------------
# chapter 1: the loop and the unrolled view
# ---------------------------------------------------------------------------------------------
def _box(ax, x, y, w, h, text, color, fontsize=11):
    from matplotlib.patches import FancyBboxPatch

    ax.add_patch(FancyBboxPatch((x - w / 2, y - h / 2), w, h, boxstyle="round,pad=0.02",
                                facecolor=color, edgecolor="black", linewidth=1.2))
    ax.text(x, y, text, ha="center", va="center", fontsize=fontsize)


def _arrow(ax, start, end, color="black", style="-|>", connection="arc3"):
    from matplotlib.patches import FancyArrowPatch

    ax.add_patch(FancyArrowPatch(start, end, arrowstyle=style, mutation_scale=14, color=color,
                                 linewidth=1.4, connectionstyle=connection, shrinkA=0, shrinkB=0))


def plot_loop_and_unrolled(T: int = 4, ax=None):
    """The same RNN twice: one cell whose state loops back (left), and the cell copied once per
    time step with the state passed along (right)."""
    if ax is None:
        fig, ax = _white_figure(figsize=(10.0, 3.6))
    else:
        fig = ax.figure
    x0, dx = 5.4, 1.9  # centre of the first unrolled cell, spacing
    ax.set_xlim(-0.2, x0 + dx * (T - 1) + 0.8)
    ax.set_ylim(-0.2, 3.4)
    ax.set_aspect("equal")
    ax.axis("off")
    cell_color, io_color = "#dbe9f6", "#fdebd3"
    # left: the single-cell loop
    _box(ax, 0.9, 1.5, 1.1, 0.8, "cell", cell_color)
    _box(ax, 0.9, 0.2, 0.7, 0.4, r"$x_t$", io_color)
    _box(ax, 0.9, 2.8, 0.7, 0.4, r"$y_t$", io_color)
    _arrow(ax, (0.9, 0.4), (0.9, 1.1))
    _arrow(ax, (0.9, 1.9), (0.9, 2.6))
    ax.plot([1.45, 1.95, 1.95], [1.7, 1.7, 1.3], color=BLUE, linewidth=1.4)  # out, down ...
    _arrow(ax, (1.95, 1.3), (1.45, 1.3), color=BLUE)                        # ... and back in
    ax.text(2.05, 1.5, "new state $s_t$\nreplaces $s_{t-1}$", fontsize=9, color=BLUE,
            va="center")
    ax.text(0.9, 3.3, "single-cell loop", ha="center", fontsize=11, weight="bold")
    ax.plot([3.55, 3.55], [0.0, 3.3], color=GREY, linewidth=0.8, linestyle=":")
    # right: unrolled
    ax.text(x0 + dx * (T - 1) / 2, 3.3, f"unrolled over {T} steps (the same weights in every copy)",
            ha="center", fontsize=11, weight="bold")
    _box(ax, x0 - 1.3, 1.5, 0.55, 0.45, r"$s_0$", "#eeeeee", fontsize=10)
    for t in range(1, T + 1):
        x = x0 + dx * (t - 1)
        _box(ax, x, 1.5, 1.1, 0.8, "cell", cell_color)
        _box(ax, x, 0.2, 0.7, 0.4, f"$x_{t}$", io_color)
        _box(ax, x, 2.8, 0.7, 0.4, f"$y_{t}$", io_color)
        _arrow(ax, (x, 0.4), (x, 1.1))
        _arrow(ax, (x, 1.9), (x, 2.6))
        start = x0 - 1.3 + 0.3 if t == 1 else x - dx + 0.55
        _arrow(ax, (start, 1.5), (x - 0.55, 1.5), color=BLUE)
        ax.text((start + x - 0.55) / 2, 1.6, f"$s_{t - 1}$", fontsize=9, color=BLUE, ha="center")
    return fig


# ---------------------------------------------------------------------------------------------
# chapter 2: morphing
# ---------------------------------------------------------------------------------------------
def plot_morphing_sweep(curves: dict[float, np.ndarray], t0: int, ax=None,
                        linear: dict[float, np.ndarray] | None = None,
                        floor: float | None = None):
    """``||s'_t - s_t|| / eps`` against t, one line per weight norm, on a log scale.

    ``linear`` (optional): the linearized ratio per norm (same keys), drawn dashed. ``floor``
    (optional): the float64 floor of the ratio (distance floor / eps); the two runs' ratio is
    drawn only above it, and the band below it is shaded.
    """
    fig, ax = new_figure(ax, figsize=(7.0, 3.8))
    low = np.inf
    for color, (norm, ratio) in zip(COLORS, curves.items()):
        t = np.arange(len(ratio))
        keep = t >= t0
        if floor is not None:
            keep &= ratio > floor
        ax.semilogy(t[keep], np.maximum(ratio[keep], 1e-300), color=color,
                    label=f"$\\|W\\|_2$ = {norm:g}")
        if linear is not None:
            gain = linear[norm]
            on = (t >= t0) & (gain > 0)
            ax.semilogy(t[on], gain[on], color=color, linestyle="--", linewidth=1)
            low = min(low, gain[on].min())
    if floor is not None:
        bottom = min(low, floor) / 10 if np.isfinite(low) else floor / 100
        ax.axhspan(bottom, floor, color=GREY, alpha=0.15, linewidth=0)
        ax.text(len(ratio) - 1, floor * 1.5, "below: the float64 floor (two runs cannot resolve it)",
                fontsize=8, color=GREY, ha="right", va="bottom")
        ax.set_ylim(bottom, None)
    ax.axvline(t0, color=GREY, linestyle=":", linewidth=1)
    ax.set_xlabel("time step t")
    ax.set_ylabel(r"$\|s'_t - s_t\| \,/\, \varepsilon$")
    title = f"One nudge to the input at t = {t0}: it fades for small W, grows for large W"
    if linear is not None:
        title += "\nsolid: two float64 runs; dashed: linearized (exact to first order)"
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=9, loc="lower left")
    return fig


class MorphingView(View):
    """The morphing widget's figure: three state units of the original run (solid) and of the
    nudged run (dashed) on top; the distance between the runs (log scale) below.

    Built once; :meth:`update` moves the lines (blitting, see :class:`rnnlib.widgets.View`).
    ``self.original[k]``, ``self.nudged[k]`` and ``self.distance`` hold the plotted data.
    """

    YLIM = (1e-14, 1e2)

    def __init__(self, T: int = 60, units: int = 3):
        super().__init__(figsize=(7.5, 5.0), nrows=2, ncols=1, sharex=True)
        top, bottom = self.axes[:, 0]
        self.units = units
        self.original = [self.dynamic(top.plot([], [], color=COLORS[k], linewidth=1.4,
                                               label=f"unit {k + 1}")[0]) for k in range(units)]
        self.nudged = [self.dynamic(top.plot([], [], color=COLORS[k], linewidth=1.4,
                                             linestyle="--")[0]) for k in range(units)]
        self.t0_top = self.dynamic(top.axvline(1, color=GREY, linestyle=":", linewidth=1))
        self.distance = self.dynamic(bottom.semilogy([1], [1], color=BLACK)[0])
        self.eps_line = self.dynamic(bottom.axhline(1.0, color=GREY, linestyle="--", linewidth=1))
        self.t0_bottom = self.dynamic(bottom.axvline(1, color=GREY, linestyle=":", linewidth=1))
        self.caption = self.dynamic(self.figure.text(0.5, 0.995, "", ha="center", va="top",
                                                     fontsize=10))
        top.set_ylabel("state value")
        top.set_title(" ", fontsize=10)  # room for the caption
        top.legend(fontsize=8, loc="upper right", ncol=3)
        bottom.set_xlabel("time step t")
        bottom.set_ylabel("‖s′ₜ − sₜ‖ (distance)")
        bottom.text(0.99, 0.03, "dashed grey: the size of the nudge ε", fontsize=8, color=GREY,
                    va="bottom", ha="right", transform=bottom.transAxes)
        plain_log_y(bottom)
        # Fixed limits: the frame never has to be redrawn (fast), and two settings compare
        # at a glance. tanh states lie in (-1, 1); distances below 1e-14 are rounding.
        top.set_xlim(0, T)
        top.set_ylim(-1.15, 1.15)
        bottom.set_ylim(*self.YLIM)

    def update(self, m) -> None:
        """Show a ``Morphing`` (from :func:`rnnlib.experiments.part1.morphing`)."""
        t = np.arange(len(m.distance))
        keep = t >= m.t0
        for k in range(self.units):
            self.original[k].set_data(t, m.states[:, k])
            self.nudged[k].set_data(t, m.perturbed[:, k])
        self.t0_top.set_xdata([m.t0, m.t0])
        self.t0_bottom.set_xdata([m.t0, m.t0])
        self.distance.set_data(t[keep], np.maximum(m.distance[keep], 1e-30))
        self.eps_line.set_ydata([m.eps, m.eps])
        self.caption.set_text(f"solid: original run; dashed: input nudged by ε = {m.eps:.2g} "
                              f"at t = {m.t0}  (‖W‖₂ = {m.norm:.2g})")


def plot_morphing(m, units: int = 3):
    """The morphing widget's figure for one ``Morphing``, as a static figure."""
    view = MorphingView(T=len(m.distance) - 1, units=units)
    view.update(m)
    view.render()
    return view.figure


# ---------------------------------------------------------------------------------------------
# chapter 2: sensitivity against the bound
# ---------------------------------------------------------------------------------------------
def plot_sensitivity(curves: dict[float, tuple[np.ndarray, np.ndarray]], sweeps: dict[str, dict],
                     title_left: str = "tanh, inputs driving the state"):
    """Left: measured ``||ds_{t+k}/ds_t||`` (solid) and the bound ``||gamma W||^k`` (dashed)
    against k, one colour per weight norm. Right: per-step rates ``||ds_{t+k}/ds_t||^(1/k)``
    against the bound's rate ``gamma ||W||``, for each (activation, regime) of ``sweeps``."""
    fig, (left, right) = _white_figure(2, 1, figsize=(7.5, 8.0))
    for color, (norm, (measured, bound)) in zip(COLORS, curves.items()):
        k = np.arange(len(measured))
        left.semilogy(k, np.maximum(measured, 1e-300), color=color, label=f"$\\|W\\|_2$ = {norm:g}")
        left.semilogy(k, bound, color=color, linestyle="--", linewidth=1)
    left.set_xlabel("steps apart, k")
    left.set_ylabel(r"$\|\partial s_{t+k} / \partial s_t\|_2$")
    left.set_title(f"{title_left}\nsolid: measured, dashed: bound $\\|\\gamma W\\|^k$", fontsize=10)
    left.legend(fontsize=8, loc="lower left")
    markers = {"quiet": "o", "driven": "s"}
    colors = {"tanh": BLUE, "sigmoid": ORANGE}
    top = 0.0
    for key, sweep in sweeps.items():
        activation, regime = key.split(" ")
        right.plot(sweep["bound_rate"], sweep["rate"], marker=markers[regime], linestyle="-",
                   color=colors[activation], markersize=5, linewidth=1,
                   markerfacecolor="white" if regime == "driven" else colors[activation],
                   label=f"{activation}, {regime}")
        top = max(top, sweep["bound_rate"].max())
    right.plot([0, top], [0, top], color=BLACK, linestyle="--", linewidth=1, label="the bound")
    right.axvline(1.0, color=GREY, linestyle=":", linewidth=1)
    right.axhline(1.0, color=GREY, linestyle=":", linewidth=1)
    right.set_xlabel(r"$\gamma\,\|W\|_2$ (the bound's rate per step)")
    right.set_ylabel("measured rate per step")
    right.set_title("Never above the diagonal; on it when the state sits where $\\phi'$ peaks",
                    fontsize=10)
    right.legend(fontsize=8, loc="upper left")
    return fig


# ---------------------------------------------------------------------------------------------
# chapter 2: gradient norms across time (initializers; the gradient-decay widget)
# ---------------------------------------------------------------------------------------------
class GradientDecayView(View):
    """The gradient-decay widget's figure: ``||dL/ds_t||`` and the bound
    ``||gamma W||^(T-t) ||dL/ds_T||`` on a log scale, against the number of steps back from
    the loss, ``T - t``. ``self.measured`` and ``self.bound`` are the two lines (their data are
    in the order t = 0..T).

    Built once with fixed limits (up to ``T_MAX`` steps back, ``YLIM``), so an update only
    repaints the lines and the caption (blitting): fast, and two settings compare at a glance
    (every curve starts at the loss, at 0). Labels are plain text (mathtext is slow to lay out).
    """

    YLIM = (1e-12, 1e12)
    T_MAX = 200

    def __init__(self):
        super().__init__(figsize=(7.5, 3.8))
        ax = self.axes[0, 0]
        self.measured = self.dynamic(ax.semilogy([1], [1], color=BLUE, linewidth=2,
                                                 label="measured ‖∂L/∂sₜ‖")[0])
        self.bound = self.dynamic(ax.semilogy([1], [1], color=RED, linestyle="--", linewidth=1.5,
                                              label="bound ‖γW‖₂^(T−t) · ‖∂L/∂s_T‖")[0])
        self.caption = self.dynamic(self.figure.text(0.5, 0.995, "", ha="center", va="top",
                                                     fontsize=10))
        ax.set_title(" ", fontsize=10)  # room for the caption
        ax.set_xlabel("steps back from the loss, T − t (the loss is read at the last step)")
        ax.set_ylabel("gradient norm")
        ax.legend(fontsize=8, loc="lower left")
        plain_log_y(ax)
        ax.set_xlim(0, self.T_MAX)
        ax.set_ylim(*self.YLIM)  # lines may leave the chart at the extremes

    def update(self, gd) -> None:
        """Show a ``GradientDecay`` (from :func:`rnnlib.experiments.part1.gradient_decay`)."""
        T = len(gd.grad_norms) - 1
        back = T - np.arange(T + 1)  # steps back from the loss, for t = 0..T
        self.measured.set_data(back, np.clip(gd.grad_norms, 1e-30, 1e30))
        self.bound.set_data(back, np.clip(gd.bound, 1e-30, 1e30))
        rate = gd.gamma * gd.op_norm
        trend = "shrinks" if rate < 1 - 1e-6 else "grows" if rate > 1 + 1e-6 else "stays level"
        self.caption.set_text(
            f"‖W‖₂ = {gd.op_norm:.2f}, spectral radius {gd.radius:.2f}, γ‖W‖₂ = {rate:.2f}: "
            f"the bound {trend} going back in time")


def plot_gradient_decay(gd):
    """The gradient-decay widget's figure for one ``GradientDecay``, as a static figure."""
    view = GradientDecayView()
    view.update(gd)
    view.render()
    return view.figure


def plot_init_comparison(results: dict[str, dict], ax=None):
    """Relative gradient norm ``||dL/ds_t|| / ||dL/ds_T||`` against t, one line per init."""
    fig, ax = new_figure(ax, figsize=(7.5, 4.0))
    styles = ["-", "--", "-", "-", "-"]
    for color, style, (label, r) in zip(COLORS, styles, results.items()):
        rel = r["relative"]
        ax.semilogy(np.arange(len(rel)), rel, color=color, linestyle=style, linewidth=1.8,
                    label=f"{label}: $\\|W\\|_2$ = {r['op_norm']:.2f}, radius {r['radius']:.2f}")
    ax.set_xlabel("time step t (the loss is read at the last step)")
    ax.set_ylabel(r"$\|\partial L/\partial s_t\| \,/\, \|\partial L/\partial s_T\|$")
    ax.set_title("At initialization: too small a scale kills early gradients, too large blows them up",
                 fontsize=10)
    ax.legend(fontsize=8, loc="best")
    return fig


# ---------------------------------------------------------------------------------------------
# chapter 3
# ---------------------------------------------------------------------------------------------
def plot_contributions(norms: np.ndarray, ax=None):
    """The size of each step's contribution to ``dL/dW`` against t (log scale)."""
    fig, ax = new_figure(ax, figsize=(7.0, 3.4))
    ax.semilogy(np.arange(1, len(norms) + 1), norms, color=BLUE, marker="o", markersize=3)
    ax.set_xlabel("time step t")
    ax.set_ylabel(r"$\|\delta_t\, s_{t-1}^\top\|$")
    ax.set_title("dL/dW is a sum over steps; steps far from the loss add almost nothing",
                 fontsize=10)
    return fig


def _running_mean(values: np.ndarray, window: int) -> np.ndarray:
    """Mean of the last ``window`` values at each step (fewer at the start)."""
    sums = np.cumsum(np.insert(values, 0, 0.0))
    counts = np.minimum(np.arange(1, len(values) + 1), window)
    return (sums[1:] - sums[np.arange(1, len(values) + 1) - counts]) / counts


def plot_init_spread(with_inputs: dict[str, dict], without_inputs: dict[str, dict],
                     labels=("uniform sqrt(3/n)", "orthogonal")):
    """Each seed's ``||dL/ds_0|| / ||dL/ds_T||`` (one dot per seed, a bar at the geometric
    mean) for the initializers ``labels``: left with random inputs, right with none.
    ``with_inputs``, ``without_inputs``: results of ``init_comparison`` (``ratio_per_seed``)."""
    fig, axes = _white_figure(1, 2, figsize=(8.0, 3.6), sharey=False)
    panels = ((with_inputs, "random inputs (units saturate)"),
              (without_inputs, "no inputs (state at 0, φ′ = 1)"))
    for ax, (results, title) in zip(axes, panels):
        for i, (label, color) in enumerate(zip(labels, (BLUE, GREEN))):
            ratios = np.asarray(results[label]["ratio_per_seed"])
            jitter = np.linspace(-0.12, 0.12, len(ratios))
            ax.scatter(i + jitter, ratios, color=color, s=18, zorder=3)
            mean = float(np.exp(np.mean(np.log(ratios))))
            ax.plot([i - 0.25, i + 0.25], [mean, mean], color=BLACK, linewidth=1.5)
        ax.set_yscale("log")
        ax.set_xticks(range(len(labels)), [label.split(" ")[0] for label in labels])
        ax.set_xlim(-0.6, len(labels) - 0.4)
        ax.set_title(title, fontsize=10)
        ax.set_ylabel("‖∂L/∂s₀‖ / ‖∂L/∂s_T‖ (one dot per seed)")
    fig.suptitle("Orthogonal is predictable: every seed gives about the same; uniform scatters "
                 "over decades", fontsize=10)
    return fig
