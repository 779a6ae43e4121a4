"""Chapter 8, depth as time: how far a gradient gets down a deep stack of layers.

The stacks are :class:`rnnlib.layers.Stack` (plain ``y = phi(W x + b)``, residual
``y = x + phi(W x + b)``, highway ``y = T H + (1 - T) x`` with ``T = sigma(W_T x + b_T)``). With
the loss ``L = mean_batch(u . y_depth)`` the gradient at the top is ``u / B`` whatever the stack
does, so ``||dL/dy_l||`` for l = 0..depth shows only how the layers carry it back down. A
highway layer's carry path alone keeps ``(1 - sigma(b_T))`` per layer, ``(1 - sigma(b_T))^depth``
over the stack (:func:`carry_product`).

Holds: the experiment (:func:`deep_stack`, :func:`probe_batch`, :func:`depth_gradients`,
:func:`carry_product`, :func:`weight_spectra`, :func:`extended_precision_ratio`), its figure
(:func:`plot_gradient_norms`), the depth widget (:func:`depth_widget`, its view
:class:`GradientNormFigure`, :func:`draw_depth` for the still copy) and the exercise check
:func:`check_carry_bias`.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from ..layers import Stack, draw_normals
from ..widgets import LiveWidget, View
from . import style
from .judge import judge

MAX_DEPTH = 200

# The three kinds of stack: plain is the vanilla RNN unrolled in depth (grey, dashed), the
# residual stack blue; highway stacks take the remaining colours, one per carry bias.
KIND_COLORS = {"plain": style.GREY, "residual": style.BLUE}
HIGHWAY_COLORS = (style.GREEN, style.CYAN, style.ORANGE, style.RED, style.PURPLE, style.BROWN)
# The gradient axis of every depth figure: 10^-12 to 10^4, a label every second decade.
NORM_LIMITS = (1e-12, 1e4)


# ---------------------------------------------------------------------------------------
# The experiment
# ---------------------------------------------------------------------------------------


@lru_cache(maxsize=16)
def _normals(kind: str, width: int, seed: int) -> list[dict[str, np.ndarray]]:
    return draw_normals(kind, width, MAX_DEPTH, np.random.default_rng(seed))


def deep_stack(
    kind: str,
    depth: int,
    gate_bias: float = -2.0,
    init_scale: float = 0.8,
    width: int = 32,
    seed: int = 0,
) -> Stack:
    """``Stack(kind, width, depth, default_rng(seed), gate_bias, init_scale)``, built from draws
    cached per kind: the first ``depth`` layers of one fixed 200-layer draw, so changing the
    depth adds or removes layers and changes nothing else, and changing the bias or scale draws
    nothing."""
    if not 1 <= depth <= MAX_DEPTH:
        raise ValueError(f"depth must lie in [1, {MAX_DEPTH}], got {depth}")
    return Stack.from_normals(kind, _normals(kind, width, seed)[:depth], gate_bias, init_scale)


def probe_batch(width: int = 32, batch: int = 8, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """The inputs ``x`` (batch, width) and the readout direction ``u`` (width,) of the
    experiment."""
    rng = np.random.default_rng([seed, 7])
    return rng.normal(size=(batch, width)), rng.normal(size=width)


def depth_gradients(
    depth: int = 100,
    gate_biases=(-6.0, -4.0, -2.0, 0.0),
    init_scale: float = 0.8,
    width: int = 32,
    batch: int = 8,
    seed: int = 0,
    method: str = "by_hand",
) -> dict[str, np.ndarray]:
    """``||dL/dy_l||`` (depth + 1,) for l = 0..depth, for a plain, a residual and highway stacks
    (one per carry bias in ``gate_biases``).

    Keys: ``"plain"``, ``"residual"``, ``"highway b_T=-2"`` and so on.
    """
    x, u = probe_batch(width, batch, seed)
    curves = {}
    for kind in ("plain", "residual"):
        stack = deep_stack(kind, depth, 0.0, init_scale, width, seed)
        curves[kind] = stack.gradient_norms(x, u, method)
    for b in gate_biases:
        stack = deep_stack("highway", depth, b, init_scale, width, seed)
        curves[f"highway b_T={b:g}"] = stack.gradient_norms(x, u, method)
    return curves


def carry_product(gate_bias: float, depth: int) -> float:
    """``(1 - sigma(b_tau))^depth``: what the carry path alone keeps of a gradient over ``depth``
    layers (``b_tau``, the transform-gate bias, is ``b_T`` in the code).

    Computed in log space, ``exp(-depth * log(1 + e^b))``, so that neither ``1 - sigma(b)`` nor
    the power loses digits; the result underflows to 0 only below about 1e-308.
    """
    return float(np.exp(-depth * np.logaddexp(0.0, gate_bias)))


def weight_spectra(
    kind: str = "plain", depth: int = 100, init_scale: float = 0.8, width: int = 32, seed: int = 0
) -> dict[str, np.ndarray]:
    """Per layer of :func:`deep_stack`: the spectral norm ``||W_l||_2`` (largest singular value)
    and the spectral radius (largest ``|eigenvalue|``) of its weight matrix ``W_l`` (n, n).

    Returns ``{"norm": (depth,), "radius": (depth,), "rms": (depth,)}``, ``rms`` being the
    root-mean-square singular value ``||W_l||_F / sqrt(n)``, the factor by which ``W_l``
    stretches a random direction on average. For entries drawn from N(0, s^2/n) the radius and
    the rms are close to ``s`` but the norm close to ``2 s``: the chapter-2 bound, which needs
    ``gamma ||W|| < 1``, can fail while the products still shrink.
    """
    weights = [p["W"] for p in deep_stack(kind, depth, 0.0, init_scale, width, seed).layers]
    return {
        "norm": np.array([np.linalg.norm(W, 2) for W in weights]),
        "radius": np.array([np.abs(np.linalg.eigvals(W)).max() for W in weights]),
        "rms": np.array([np.linalg.norm(W) / np.sqrt(W.shape[0]) for W in weights]),
    }


def extended_precision_ratio(
    kind: str,
    depth: int,
    gate_bias: float,
    init_scale: float = 0.8,
    width: int = 32,
    batch: int = 8,
    seed: int = 0,
) -> float:
    """``||dL/dy_0|| / ||dL/dy_depth||`` recomputed in ``np.longdouble`` (80-bit extended on x86,
    plain float64 where the platform has nothing wider): a check that a tiny float64 ratio is a
    measurement and not rounding noise."""
    x, u = probe_batch(width, batch, seed)
    stack = deep_stack(kind, depth, gate_bias, init_scale, width, seed)
    for p in stack.layers:
        for k in p:
            p[k] = p[k].astype(np.longdouble)
    norms = stack.gradient_norms(x.astype(np.longdouble), u.astype(np.longdouble))
    return float(norms[0] / norms[-1])


# ---------------------------------------------------------------------------------------
# The figure
# ---------------------------------------------------------------------------------------


def _color(label: str, k: int) -> str:
    return KIND_COLORS.get(label, HIGHWAY_COLORS[k % len(HIGHWAY_COLORS)])


def _gradient_axis(ax, depth: int, xlabel: str, title: str) -> None:
    """Layers 0..depth across, ``||dL/dy_l||`` from 10⁻¹² to 10⁴ up, a decade label every 2."""
    style.log_axis(ax, "y", every=2, numticks=10)
    ax.set_xlim(0, depth)
    ax.set_ylim(*NORM_LIMITS)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("gradient norm ‖∂L/∂y_l‖")
    ax.set_title(title)


def _ratio_text(value: float) -> str:
    return f"{value:.2g}".replace("e-0", "e-").replace("e+0", "e+")


def plot_gradient_norms(curves: dict[str, np.ndarray], ax=None, title: str | None = None):
    """``||dL/dy_l||`` against the layer ``l`` (log scale), one line per stack of ``curves``
    (from :func:`depth_gradients`: label -> (depth + 1,) norms).

    Tick labels are plain text, not mathtext, so that a widget redraws in a few milliseconds.
    """
    fig, ax = style.new_figure(ax, figsize=(6.4, 3.8))
    k = 0
    for label, norms in curves.items():
        ax.plot(
            np.arange(len(norms)),
            np.maximum(norms, 1e-300),
            label=label,
            lw=1.8,
            color=_color(label, k),
            ls="--" if label == "plain" else "-",
        )
        k += label not in KIND_COLORS
    depth = len(next(iter(curves.values()))) - 1
    _gradient_axis(
        ax,
        depth,
        "layer l (0 = input, right = output)",
        title or f"{depth} layers: what reaches layer l of the gradient at the top",
    )
    ax.legend(loc="lower right", ncol=2)
    kept = "; ".join(
        f"{label} {_ratio_text(norms[0] / norms[-1])}" for label, norms in curves.items()
    )
    return style.describe(
        fig,
        (
            f"Line plot of the gradient norm (log scale, 10⁻¹² to 10⁴) against the layer "
            f"l = 0..{depth}, one line per stack. The gradient at the input divided by the "
            "gradient "
            f"at the top: {kept}."
        ),
    )


class GradientNormFigure(View):
    """Gradient norm per layer of a plain, a residual and a highway stack, on a fixed 0..200 layer
    axis so that only the lines and a caption change between updates."""

    LABELS = ("plain", "residual", "highway")
    DESCRIPTION = (
        "Line plot of the gradient norm (log scale, 10⁻¹² to 10⁴) against the layer "
        "l = 0..200, for a plain stack (grey, dashed), a residual stack (blue) and a "
        "highway stack (green) at the depth, carry-gate bias and weight scale the "
        "caption names; a line falling to the left is a gradient lost on its way down."
    )

    def __init__(self, max_depth: int = MAX_DEPTH):
        style.use_book_style()
        super().__init__(figsize=(6.4, 3.8))
        ax = self.ax = self.axes[0, 0]
        _gradient_axis(
            ax,
            max_depth,
            "layer l (0 = input; the top of the stack is at l = depth)",
            "Gradient reaching layer l, from a loss on the top layer",
        )
        styles = {
            "plain": (style.GREY, "--"),
            "residual": (style.BLUE, "-"),
            "highway": (style.GREEN, "-"),
        }
        self.lines = {}
        for label in self.LABELS:
            color, ls = styles[label]
            (line,) = ax.plot([], [], color=color, ls=ls, lw=1.8, label=label)
            self.lines[label] = self.dynamic(line)
        ax.legend(loc="lower right")
        self.caption = self.dynamic(
            ax.text(
                0.02,
                0.96,
                "",
                transform=ax.transAxes,
                va="top",
                bbox={"facecolor": "white", "edgecolor": "#bbbbbb"},
            )
        )
        style.describe(self.figure, self.DESCRIPTION)

    def update(self, data: dict) -> None:
        """``data["curves"]`` maps ``plain``, ``residual`` and ``highway ...`` to norms for
        l = 0..depth; ``data["caption"]`` says which setting they belong to."""
        for label, norms in data["curves"].items():
            key = label.split()[0]
            self.lines[key].set_data(np.arange(len(norms)), np.maximum(norms, 1e-300))
        self.caption.set_text(data["caption"])


# ---------------------------------------------------------------------------------------
# The widget
# ---------------------------------------------------------------------------------------


def depth_view(
    depth: int = 100, gate_bias: float = -2.0, init_scale: float = 0.8
) -> dict[str, np.ndarray]:
    """Gradient norm per layer for a plain, a residual and a highway stack (carry bias
    ``gate_bias``)."""
    return depth_gradients(depth, gate_biases=(gate_bias,), init_scale=init_scale)


def depth_compute(depth: int = 100, gate_bias: float = -2.0, init_scale: float = 0.8) -> dict:
    """What the depth widget draws: the curves of :func:`depth_view` and a caption."""
    return {
        "curves": depth_view(depth, gate_bias, init_scale),
        "caption": f"depth {depth}, b_T {gate_bias:g}, scale {init_scale:g}",
    }


def draw_depth(depth: int = 100, gate_bias: float = -2.0, init_scale: float = 0.8):
    """The widget's figure as a still: :func:`depth_view` drawn by :func:`plot_gradient_norms`."""
    return plot_gradient_norms(
        depth_view(depth, gate_bias, init_scale),
        title=f"{depth} layers, weight scale {init_scale:g}, carry-gate bias {gate_bias:g}",
    )


def depth_widget(depth: int = 100, gate_bias: float = -2.0, init_scale: float = 0.8) -> LiveWidget:
    """Sliders for depth, carry-gate bias and weight scale; the gradient norm per layer."""
    import ipywidgets as w

    from ..widgets.static import Step

    slider_style = {"description_width": "initial"}
    controls = {
        "depth": w.IntSlider(
            value=depth, min=10, max=200, step=10, description="depth", style=slider_style
        ),
        "gate_bias": w.FloatSlider(
            value=gate_bias,
            min=-8.0,
            max=4.0,
            step=0.5,
            description="carry bias b_T",
            style=slider_style,
        ),
        "init_scale": w.FloatSlider(
            value=init_scale,
            min=0.4,
            max=1.6,
            step=0.1,
            description="weight scale",
            style=slider_style,
        ),
    }
    # On the website: depth 50, 100, 150 or 200, b_T in whole numbers, every weight scale.
    grid = {"depth": Step(50, min=50), "gate_bias": Step(1.0)}
    return LiveWidget(
        controls,
        depth_compute,
        GradientNormFigure(max_depth=MAX_DEPTH),
        w.VBox(list(controls.values())),
        static_grid=grid,
        alt=GradientNormFigure.DESCRIPTION,
    )


# ---------------------------------------------------------------------------------------
# The exercise
# ---------------------------------------------------------------------------------------


def carry_bias_for(keep: float, depth: int) -> float:
    """The carry-gate bias ``b`` with ``(1 - sigma(b))^depth = keep``, i.e.
    ``b = -logit(keep^(1/depth))``."""
    k = keep ** (1.0 / depth)
    return float(-np.log(k / (1.0 - k)))


def check_carry_bias(answer: float) -> bool:
    """Chapter 8: the transform-gate bias ``b_tau`` whose carry path alone keeps half the
    gradient over 100 layers, ``(1 - sigma(b_tau))^100 = 1/2``."""
    expected = carry_bias_for(0.5, 100)
    hint = (
        "Solve (1 - sigma(b))^100 = 1/2: the carry gate must keep k = 0.5^(1/100) per "
        "layer, and 1 - sigma(b) = sigma(-b)."
    )
    try:
        b = float(answer)
    except (TypeError, ValueError):
        b = None
    if b is not None and np.isfinite(b) and not np.isclose(b, expected, rtol=1e-3, atol=1e-3):
        kept = carry_product(b, 100)  # what the reader's bias keeps
        more = (
            "more than half: a bias closer to zero"
            if kept > 0.5
            else "less than half: a more negative bias"
        )
        hint = (
            f"With b = {b:g} the carry path keeps {kept:.3g} of the gradient over 100 layers, "
            f"{more} is needed. " + hint
        )
    return judge(
        "transform-gate bias",
        answer,
        expected,
        hint=hint,
        rtol=1e-3,
        atol=1e-3,
        near={
            "logit": (
                -expected,
                (
                    "Right size, wrong sign: the carry gate is "
                    "1 - sigma(b), so a gate that keeps most needs b < 0."
                ),
            )
        },
    )
