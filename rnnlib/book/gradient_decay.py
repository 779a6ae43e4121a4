"""Chapter 2 (vanishing sensitivity), second half: the gradient across time, and how the
initialization of ``W`` sets it.

For a loss read at the last step only, ``L = u . s_T``, backpropagation through the vanilla RNN
gives ``dL/ds_T = u`` and ``dL/ds_{t-1} = W^T (phi'(a_t) * dL/ds_t)``
(:func:`rnnlib.bptt_by_hand.vanilla_bptt`), so

    ``||dL/ds_t|| <= (gamma ||W||_2)^(T - t) ||dL/ds_T||``.

An initializer that puts ``||W||_2`` near 1 (orthogonal; uniform ``sqrt(3/n)``, whose entries
give each column an expected squared norm of 1) keeps the gradient from vanishing at once; too
small a scale makes it vanish, too large makes it explode.

Holds: the experiment (:func:`gradient_decay`, :func:`init_comparison`), their figures
(:class:`GradientDecayView`, :func:`plot_gradient_decay`, :func:`plot_init_comparison`,
:func:`plot_init_spread`), the gradient-decay widget (:func:`gradient_decay_widget`) and the
initialization exercise's check (:func:`check_uniform_range`). The cell with a chosen
``||W||_2`` comes from :mod:`rnnlib.book.sensitivity`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..bptt_by_hand import vanilla_bptt
from ..cells import ACTIVATION_GAMMA, VanillaRNN
from ..unroll import bptt
from ..widgets import LiveWidget, View
from .judge import judge, number
from .sensitivity import operator_norm, spectral_radius, vanilla_with_norm
from .style import (
    BLACK,
    BLUE,
    COLORS,
    GREEN,
    RED,
    describe,
    figure,
    log_axis,
    new_figure,
    use_book_style,
)


# ---------------------------------------------------------------------------------------------
# the gradient norm across time
# ---------------------------------------------------------------------------------------------
@dataclass
class GradientDecay:
    """``||dL/ds_t||`` for t = 0..T of a loss read at the last step, and its bound.

    ``grad_norms`` (T + 1,): Frobenius norm over the batch, as ``BPTTResult.state_grad_norms``;
    ``bound`` (T + 1,): ``||gamma W||^(T - t) ||dL/ds_T||``; ``op_norm`` ``||W||_2``;
    ``radius`` the spectral radius of ``W``; ``gamma`` the bound on ``|phi'|``.
    """

    grad_norms: np.ndarray
    bound: np.ndarray
    op_norm: float
    radius: float
    gamma: float


def last_step_loss(u: np.ndarray):
    """A loss read at the last step only, as a ``loss_fn`` for :func:`rnnlib.bptt`:
    ``L = sum_b u . s_T``, so ``dL/ds_T = u`` (n,) for every sequence."""

    def loss_fn(outputs, window, extra):
        return (outputs[-1] * u).sum()

    return loss_fn


def decay_setup(norm, activation, T, init, n, n_in, B, seed, init_scale=None, inputs=True):
    """``(cell, xs (T, B, n_in), u (n,))``: the cell, inputs and unit readout direction the
    gradient-decay computations share.

    ``init_scale`` given: ``W`` is the initializer's own draw times ``init_scale``; else it is
    rescaled to ``||W||_2 = norm``. ``inputs=False``: all-zero inputs (with ``b = 0`` the state
    then stays at 0, where ``phi'`` is largest), so only ``W`` shapes the gradient."""
    rng = np.random.default_rng(seed)
    if init_scale is not None:  # the initializer's own scale, times init_scale
        cell = VanillaRNN(
            n_in,
            n,
            rng,
            init=init,
            init_scale=init_scale,
            input_init="uniform",
            activation=activation,
        )
    else:
        cell = vanilla_with_norm(n_in, n, norm, rng, activation, init)
    xs = rng.standard_normal((T, B, n_in))
    if not inputs:
        xs = np.zeros_like(xs)
    u = rng.standard_normal(n)
    u /= np.linalg.norm(u)
    return cell, xs, u


def last_step_state_grads(cell: VanillaRNN, xs: np.ndarray, u: np.ndarray) -> np.ndarray:
    """``dL/ds_t`` (T + 1, B, n) for t = 0..T of ``L = sum_b u . s_T``, by the hand-derived
    reverse loop :func:`rnnlib.bptt_by_hand.vanilla_bptt` (``dL/ds_T = u`` for every sequence,
    no other step read)."""
    T, B = xs.shape[:2]
    dL_dout = np.zeros((T, B, cell.n_hidden))
    dL_dout[-1] = u
    return vanilla_bptt(cell, xs, dL_dout)[1]


def gradient_decay(
    norm: float | None = 1.0,
    activation: str = "tanh",
    T: int = 50,
    init: str = "orthogonal",
    n: int = 32,
    n_in: int = 4,
    B: int = 8,
    seed: int = 0,
    init_scale: float | None = None,
) -> GradientDecay:
    """Forward over random inputs ``(T, B, n_in)``, then the reverse loop of
    :func:`rnnlib.bptt_by_hand.vanilla_bptt` from ``dL/ds_T = u``: ``||dL/ds_t||`` for
    t = 0..T (the same numbers as ``rnnlib.bptt``, tested) and the bound.

    Give either ``norm`` (rescale ``W`` to that operator norm) or ``init_scale`` (keep the
    initializer's draw, times ``init_scale``; then ``norm`` is ignored).
    """
    if isinstance(T, bool) or not isinstance(T, (int, np.integer)) or T < 1:
        raise ValueError(f"T must be an integer of at least 1, got {T!r}")
    cell, xs, u = decay_setup(norm, activation, T, init, n, n_in, B, seed, init_scale)
    norms = np.linalg.norm(last_step_state_grads(cell, xs, u), axis=(1, 2))  # (T + 1,)
    W = cell.params["W"]
    gamma = ACTIVATION_GAMMA[activation]
    op = operator_norm(W)
    bound = norms[T] * (gamma * op) ** np.arange(T, -1, -1, dtype=float)
    return GradientDecay(norms, bound, op, spectral_radius(W), gamma)


# ---------------------------------------------------------------------------------------------
# initializers compared
# ---------------------------------------------------------------------------------------------
INIT_CASES = {
    # label: (initializer, init_scale)
    "uniform sqrt(3/n)": ("uniform", 1.0),
    "Glorot": ("glorot", 1.0),
    "orthogonal": ("orthogonal", 1.0),
    "too small (uniform x 0.3)": ("uniform", 0.3),
    "too large (uniform x 3)": ("uniform", 3.0),
}


def init_comparison(
    T: int = 60, n: int = 64, seeds=(0, 1, 2), activation: str = "tanh", inputs: bool = True
) -> dict[str, dict[str, np.ndarray | float]]:
    """For each initializer of :data:`INIT_CASES`: ``||dL/ds_t|| / ||dL/ds_T||`` for t = 0..T
    at initialization, and ``||W||_2`` and the spectral radius. Computed by ``rnnlib.bptt``.

    Keys per initializer: ``relative`` (T + 1,) the geometric mean over seeds; ``per_seed``
    (len(seeds), T + 1) each seed's curve; ``ratio_per_seed`` (len(seeds),) each seed's
    ``||dL/ds_0|| / ||dL/ds_T||``; ``op_norm``, ``radius`` means over seeds.
    ``inputs=False`` runs on all-zero inputs (see :func:`decay_setup`)."""
    out = {}
    for label, (init, scale) in INIT_CASES.items():
        curves, ops, radii = [], [], []
        for seed in seeds:
            cell, xs, u = decay_setup(
                None, activation, T, init, n, 4, 8, seed, init_scale=scale, inputs=inputs
            )
            norms = bptt(cell, xs, last_step_loss(u)).state_grad_norms()
            curves.append(np.log(norms / norms[-1]))
            ops.append(operator_norm(cell.params["W"]))
            radii.append(spectral_radius(cell.params["W"]))
        per_seed = np.exp(np.array(curves))
        out[label] = {
            "relative": np.exp(np.mean(curves, axis=0)),
            "per_seed": per_seed,
            "ratio_per_seed": per_seed[:, 0],
            "op_norm": float(np.mean(ops)),
            "radius": float(np.mean(radii)),
        }
    return out


def plot_init_comparison(results: dict[str, dict], ax=None):
    """Relative gradient norm ``||dL/ds_t|| / ||dL/ds_T||`` against t, one line per init
    (``results``: from :func:`init_comparison`)."""
    fig, ax = new_figure(ax, figsize=(7.5, 4.0))
    log_axis(ax, "y")
    styles = ["-", "--", "-", "-", "-"]
    for color, style, (label, r) in zip(COLORS, styles, results.items()):
        rel = r["relative"]
        ax.plot(
            np.arange(len(rel)),
            rel,
            color=color,
            linestyle=style,
            linewidth=1.8,
            label=f"{label}: $\\|W\\|_2$ = {r['op_norm']:.2f}, radius {r['radius']:.2f}",
        )
    ax.set_xlabel("time step t (the loss is read at the last step)")
    ax.set_ylabel(r"$\|\partial L/\partial s_t\| \,/\, \|\partial L/\partial s_T\|$")
    ax.set_title(
        "At initialization: too small a scale kills early gradients, too large blows them up"
    )
    ax.legend(loc="best")
    T = len(rel) - 1
    at_zero = "; ".join(f"{label} {r['relative'][0]:.1e}" for label, r in results.items())
    return describe(
        fig,
        (
            f"Line plot, log scale, of the gradient norm relative to its value at the loss, "
            f"‖∂L/∂s_t‖ / ‖∂L/∂s_T‖, against the time step t = 0 to {T}, one line per "
            f"initialization (geometric mean over seeds). At t = 0 it is: {at_zero}."
        ),
    )


def plot_init_spread(
    with_inputs: dict[str, dict],
    without_inputs: dict[str, dict],
    labels=("uniform sqrt(3/n)", "orthogonal"),
):
    """Each seed's ``||dL/ds_0|| / ||dL/ds_T||`` (one dot per seed, a bar at the geometric
    mean) for the initializers ``labels``: left with random inputs, right with none.
    ``with_inputs``, ``without_inputs``: results of :func:`init_comparison`
    (``ratio_per_seed``)."""
    fig, axes = figure(1, 2, figsize=(8.0, 3.6), sharey=False)
    panels = (
        (with_inputs, "random inputs (units saturate)"),
        (without_inputs, "no inputs (state at 0, φ′ = 1)"),
    )
    spans = []
    for ax, (results, title) in zip(axes, panels):
        log_axis(ax, "y")
        for i, (label, color) in enumerate(zip(labels, (BLUE, GREEN))):
            ratios = np.asarray(results[label]["ratio_per_seed"])
            jitter = np.linspace(-0.12, 0.12, len(ratios))
            ax.scatter(i + jitter, ratios, color=color, s=18, zorder=3)
            mean = float(np.exp(np.mean(np.log(ratios))))
            ax.plot([i - 0.25, i + 0.25], [mean, mean], color=BLACK, linewidth=1.5)
            spans.append(
                (title.split(" (")[0], label.split(" ")[0], np.log10(ratios.max() / ratios.min()))
            )
        ax.set_xticks(range(len(labels)), [label.split(" ")[0] for label in labels])
        ax.set_xlim(-0.6, len(labels) - 0.4)
        ax.set_title(title)
        ax.set_ylabel("‖∂L/∂s₀‖ / ‖∂L/∂s_T‖ (one dot per seed)")
    fig.suptitle(
        "Orthogonal is predictable: every seed gives about the same; uniform scatters over decades"
    )
    n_seeds = len(with_inputs[labels[0]]["ratio_per_seed"])
    spread = "; ".join(f"{panel}, {init}: {decades:.1f} decades" for panel, init, decades in spans)
    return describe(
        fig,
        (
            f"Two dot plots, log scale, of each seed's ratio ‖∂L/∂s₀‖ / ‖∂L/∂s_T‖ ({n_seeds} "
            "seeds, "
            f"a bar at the geometric mean) for the {' and '.join(labels)} initializations, with "
            f"random inputs (left) and no inputs (right). From the smallest to the largest seed "
            "the "
            f"ratio spans: {spread}."
        ),
    )


# ---------------------------------------------------------------------------------------------
# the gradient-decay widget
# ---------------------------------------------------------------------------------------------
# W is rescaled to the chosen ||W||_2, so only the shape of its spectrum matters. Glorot is not
# offered: for a square W it draws from the same distribution as uniform sqrt(3/n).
INITS = ("orthogonal", "uniform", "normal", "identity")
SEED = 0
GRADIENT_DECAY_ALT = (
    "Line plot, log scale from 10⁻¹² to 10¹², of the gradient norm ‖∂L/∂s_t‖ (solid blue) and "
    "its bound ‖γW‖₂^(T−t) · ‖∂L/∂s_T‖ (dashed red) against the number of steps back from the "
    "loss, 0 to 200; the caption gives ‖W‖₂, the spectral radius of W and whether the bound "
    "shrinks or grows going back in time."
)


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
        use_book_style()
        super().__init__(figsize=(7.5, 3.8))
        ax = self.axes[0, 0]
        log_axis(ax, "y")
        self.measured = self.dynamic(
            ax.plot([1], [1], color=BLUE, linewidth=2, label="measured ‖∂L/∂sₜ‖")[0]
        )
        self.bound = self.dynamic(
            ax.plot(
                [1],
                [1],
                color=RED,
                linestyle="--",
                linewidth=1.5,
                label="bound ‖γW‖₂^(T−t) · ‖∂L/∂s_T‖",
            )[0]
        )
        self.caption = self.dynamic(self.figure.text(0.5, 0.995, "", ha="center", va="top"))
        ax.set_title(" ")  # room for the caption
        ax.set_xlabel("steps back from the loss, T − t (the loss is read at the last step)")
        ax.set_ylabel("gradient norm")
        ax.legend(loc="lower left")
        ax.set_xlim(0, self.T_MAX)
        ax.set_ylim(*self.YLIM)  # lines may leave the chart at the extremes
        describe(self.figure, GRADIENT_DECAY_ALT)

    def update(self, gd: GradientDecay) -> None:
        """Show a :class:`GradientDecay` (from :func:`gradient_decay`)."""
        T = len(gd.grad_norms) - 1
        back = T - np.arange(T + 1)  # steps back from the loss, for t = 0..T
        self.measured.set_data(back, np.clip(gd.grad_norms, 1e-30, 1e30))
        self.bound.set_data(back, np.clip(gd.bound, 1e-30, 1e30))
        self.caption.set_text(
            f"‖W‖₂ = {gd.op_norm:.2f}, spectral radius {gd.radius:.2f}, γ‖W‖₂ = "
            f"{gd.gamma * gd.op_norm:.2f}: the bound {_trend(gd)} going back in time"
        )


def _trend(gd: GradientDecay) -> str:
    rate = gd.gamma * gd.op_norm
    return "shrinks" if rate < 1 - 1e-6 else "grows" if rate > 1 + 1e-6 else "stays level"


def plot_gradient_decay(gd: GradientDecay):
    """The gradient-decay widget's figure for one :class:`GradientDecay`, as a static figure."""
    view = GradientDecayView()
    view.update(gd)
    view.render()
    T = len(gd.grad_norms) - 1
    return describe(
        view.figure,
        (
            f"Line plot, log scale, of the gradient norm ‖∂L/∂s_t‖ (solid) and its bound (dashed) "
            f"against the number of steps back from the loss, 0 to {T}, for ‖W‖₂ = "
            f"{gd.op_norm:.2f}: {T} steps back the gradient norm is {gd.grad_norms[0]:.1e} of "
            f"{gd.grad_norms[-1]:.1e} at the loss, and the bound {_trend(gd)}."
        ),
    )


def gradient_decay_compute(norm=1.0, activation="tanh", T=50, init="orthogonal") -> GradientDecay:
    """What the gradient-decay widget plots for one setting of its controls."""
    return gradient_decay(norm=float(norm), activation=activation, T=int(T), init=init, seed=SEED)


def gradient_decay_widget(
    norm: float = 1.0, activation: str = "tanh", T: int = 50, init: str = "orthogonal"
) -> LiveWidget:
    """``||dL/ds_t||`` against t with its bound; controls: ``||W||_2`` (W is rescaled to it),
    the activation, the sequence length and how W is drawn."""
    import ipywidgets as w

    from ..widgets import labelled, row
    from ..widgets.static import Step

    controls = {
        "norm": w.FloatLogSlider(
            value=norm,
            base=2,
            min=-2,
            max=3,
            step=0.05,
            description="‖W‖₂ (operator norm)",
            readout_format=".2f",
            continuous_update=False,
            **labelled("340px"),
        ),
        "activation": w.Dropdown(
            options=["tanh", "sigmoid"],
            value=activation,
            description="activation φ",
            **labelled("340px"),
        ),
        "T": w.IntSlider(
            value=T,
            min=5,
            max=200,
            step=5,
            description="sequence length T",
            continuous_update=False,
            **labelled("340px"),
        ),
        "init": w.Dropdown(
            options=list(INITS), value=init, description="W drawn by", **labelled("340px")
        ),
    }
    c = controls
    layout = w.VBox([row(c["norm"], c["activation"]), row(c["T"], c["init"])])
    # On the website (no kernel): every initialization and activation, ||W||_2 in powers of
    # sqrt(2) (0.25 to 8), T in steps of 15.
    grid = {"norm": Step(0.5), "T": Step(15)}
    return LiveWidget(
        controls,
        gradient_decay_compute,
        GradientDecayView(),
        layout,
        static_grid=grid,
        alt=GRADIENT_DECAY_ALT,
    )


# ---------------------------------------------------------------------------------------------
# exercise check
# ---------------------------------------------------------------------------------------------
def check_uniform_range(n: int, r: float) -> bool:
    """``r`` such that entries drawn from Uniform[-r, r] give each column of an n-by-n matrix
    an expected squared norm of 1 (the ``uniform`` initializer's range). Prints whether it is
    right and, if not, a hint (never the value)."""
    name = f"uniform range for n = {n}"
    value = number(name, r)
    if value is None:
        return False
    slips = {
        "r squared": (3.0 / n, "Your r squared would be right: take the square root."),
        "standard deviation": (
            np.sqrt(1.0 / n),
            "That is the standard deviation for variance 1/n; a "
            "Uniform[-r, r] entry has variance r^2 / 3, not r^2.",
        ),
    }
    return judge(
        name,
        value,
        np.sqrt(3.0 / n),
        "Write the variance of one Uniform[-r, r] entry, multiply by the n entries of "
        "a column, set that to 1 and solve for r.",
        near=slips,
    )
