"""Chapter 2 (vanishing sensitivity), first half: how far a nudge to one input travels, and the
bound on it.

Two runs of one vanilla RNN ``s_t = phi(W s_{t-1} + U x_t + b)`` differ only by ``eps`` in the
input at step t0 (*morphing*). To first order the difference moves by the step's Jacobian,
``ds_t = diag(phi'(a_t)) W ds_{t-1}``, so after k steps

    ``||ds_{t+k}/ds_t||_2 <= (gamma ||W||_2)^k``,   ``gamma = max |phi'|`` (1 for tanh, 1/4 for
    the sigmoid):

below 1 per step the nudge fades geometrically, above it may grow.

Holds: the experiments (:func:`morphing`, :func:`linearized_log_gain`, :func:`distance_floor`,
:func:`jacobian_norms`, :func:`sensitivity`, :func:`sensitivity_sweep`), their figures
(:func:`plot_morphing_sweep`, :func:`plot_sensitivity`, :class:`MorphingView`,
:func:`plot_morphing`), the morphing widget (:func:`morphing_widget`) and the bound exercise's
check (:func:`check_bound`). The building blocks :func:`vanilla_with_norm`,
:func:`operator_norm` and :func:`spectral_radius` are shared with
:mod:`rnnlib.book.gradient_decay`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..bptt_by_hand import PHI_PRIME
from ..cells import ACTIVATION_GAMMA, VanillaRNN
from ..unroll import run
from ..widgets import LiveWidget, View
from .judge import judge, number
from .style import (
    BLACK,
    BLUE,
    COLORS,
    GREY,
    ORANGE,
    describe,
    figure,
    log_axis,
    new_figure,
    use_book_style,
)


# ---------------------------------------------------------------------------------------------
# building blocks
# ---------------------------------------------------------------------------------------------
def operator_norm(W: np.ndarray) -> float:
    """The induced 2-norm ``||W||_2``: the largest singular value."""
    return float(np.linalg.norm(W, 2))


def spectral_radius(W: np.ndarray) -> float:
    """The largest absolute eigenvalue of a square matrix."""
    return float(np.abs(np.linalg.eigvals(W)).max())


def vanilla_with_norm(
    n_in: int,
    n: int,
    norm: float | None,
    rng: np.random.Generator,
    activation: str = "tanh",
    init: str = "uniform",
) -> VanillaRNN:
    """A :class:`VanillaRNN` whose ``W`` (n, n) is drawn by ``init`` and rescaled to
    ``||W||_2 = norm``. ``norm=None`` keeps the initializer's own scale. ``U`` (n, n_in) is
    drawn by ``uniform``, ``b = 0``."""
    if activation not in ACTIVATION_GAMMA:
        raise ValueError(
            f"unknown activation {activation!r}; expected one of {sorted(ACTIVATION_GAMMA)}"
        )
    cell = VanillaRNN(n_in, n, rng, init=init, input_init="uniform", activation=activation)
    if norm is not None:
        if not norm > 0:
            raise ValueError(f"norm must be positive, got {norm!r}")
        cell.params["W"] *= norm / operator_norm(cell.params["W"])
    return cell


# ---------------------------------------------------------------------------------------------
# morphing
# ---------------------------------------------------------------------------------------------
@dataclass
class Morphing:
    """Two runs of one RNN that differ only in the input at step ``t0``.

    ``states``, ``perturbed``: (T + 1, n) state trajectories (one sequence);
    ``distance``: ``||s'_t - s_t||`` for t = 0..T; ``eps``, ``t0``, ``norm`` the settings.

    ``log_gain`` (T + 1,): the natural log of the *linearized* ratio ``||ds_t|| / eps``, where
    ``ds_t`` is the first-order change of s_t (a Jacobian-vector product, propagated one step at
    a time and renormalized, so it is exact to float64 relative precision however small it gets);
    ``-inf`` before ``t0``. ``floor``: the smallest distance two float64 runs can resolve
    (:func:`distance_floor` for this n); a ``distance`` below it is rounding, not a measurement.
    """

    states: np.ndarray
    perturbed: np.ndarray
    distance: np.ndarray
    eps: float
    t0: int
    norm: float
    log_gain: np.ndarray | None = None
    floor: float = 0.0

    @property
    def ratio(self) -> np.ndarray:
        """``||s'_t - s_t|| / eps`` of the two float64 runs, t = 0..T."""
        return self.distance / self.eps

    @property
    def gain(self) -> np.ndarray:
        """The linearized ratio ``||ds_t|| / eps`` (``exp(log_gain)``; 0 before ``t0``)."""
        return np.exp(self.log_gain)

    def resolved(self) -> np.ndarray:
        """True where the distance of the two runs lies above the float64 floor."""
        return self.distance > self.floor


def morphing(
    norm: float = 1.0,
    eps: float = 1e-3,
    t0: int = 5,
    T: int = 60,
    n: int = 32,
    n_in: int = 4,
    activation: str = "tanh",
    seed: int = 0,
    init: str = "orthogonal",
) -> Morphing:
    """Perturb the input at step ``t0`` (1-based) by ``eps`` along a fixed unit direction and
    follow how far every later state moves. Same cell, same inputs otherwise. ``W`` is drawn
    by ``init`` and rescaled to ``||W||_2 = norm``."""
    if not 1 <= t0 <= T:
        raise ValueError(f"t0 must lie in 1..T = 1..{T}, got {t0}")
    rng = np.random.default_rng(seed)
    cell = vanilla_with_norm(n_in, n, norm, rng, activation, init)
    xs = rng.standard_normal((T, 1, n_in))
    direction = rng.standard_normal(n_in)
    direction /= np.linalg.norm(direction)
    xs_p = xs.copy()
    xs_p[t0 - 1, 0] += eps * direction
    a = run(cell, xs).state_array()[:, 0]
    b = run(cell, xs_p).state_array()[:, 0]
    log_gain = linearized_log_gain(cell, a, cell.params["U"] @ direction, t0)
    return Morphing(a, b, np.linalg.norm(b - a, axis=1), eps, t0, norm, log_gain, distance_floor(n))


def distance_floor(n: int) -> float:
    """The smallest distance between two float64 runs of an n-unit RNN that is not rounding:
    ``10 sqrt(n)`` machine epsilons (states lie in (-1, 1); each of the n coordinates of
    either run carries a rounding error of a few ulps)."""
    return float(10.0 * np.sqrt(n) * np.finfo(np.float64).eps)


def linearized_log_gain(
    cell: VanillaRNN, states: np.ndarray, da: np.ndarray, t0: int
) -> np.ndarray:
    """``log ||ds_t||`` for t = 0..T of the first-order change of the state when the
    pre-activation at step ``t0`` moves by ``da`` (n,): ``ds_t0 = phi'(a_t0) * da`` and
    ``ds_t = phi'(a_t) * (W ds_{t-1})`` along the trajectory ``states`` (T + 1, n).

    The vector is renormalized every step and the logs of the per-step gains are summed, so
    the result keeps full relative precision however far below 1e-300 (or above) it lies.
    ``-inf`` before ``t0``."""
    W = cell.params["W"]
    phi_prime = PHI_PRIME[cell.activation]
    out = np.full(states.shape[0], -np.inf)
    v = phi_prime(states[t0]) * da
    log_norm = 0.0
    for t in range(t0, states.shape[0]):
        if t > t0:
            v = phi_prime(states[t]) * (W @ v)
        size = np.linalg.norm(v)
        if size == 0.0:
            out[t:] = -np.inf
            break
        log_norm += np.log(size)
        v = v / size
        out[t] = log_norm
    return out


# ---------------------------------------------------------------------------------------------
# measured sensitivity against the bound ||gamma W||^k
# ---------------------------------------------------------------------------------------------
def jacobian_norms(cell: VanillaRNN, xs: np.ndarray, t0: int, state0=None) -> np.ndarray:
    """``||ds_{t0+k}/ds_{t0}||_2`` for k = 0..T-t0 along one sequence ``xs`` (T, 1, n_in).

    The Jacobian of one step is ``diag(phi'(a_t)) W``; the product is formed step by step.
    """
    traj = run(cell, xs, state0=state0)
    S = traj.state_array()[:, 0]  # (T + 1, n)
    W = cell.params["W"]
    phi_prime = PHI_PRIME[cell.activation]
    J = np.eye(cell.n_hidden)
    out = [1.0]
    for t in range(t0 + 1, S.shape[0]):
        J = phi_prime(S[t])[:, None] * W @ J
        out.append(float(np.linalg.norm(J, 2)))
    return np.array(out)


def sensitivity(
    norm: float,
    activation: str = "tanh",
    regime: str = "driven",
    k_max: int = 30,
    n: int = 32,
    n_in: int = 4,
    init: str = "orthogonal",
    warmup: int = 20,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """Measured ``||ds_{t+k}/ds_t||`` for k = 0..k_max and the bound ``||gamma W||^k``, both
    (k_max + 1,).

    ``regime="driven"``: random N(0, 1) inputs move the state around (phi' below its maximum).
    ``regime="quiet"``: no input, and the bias puts the state at a fixed point where every
    pre-activation is 0 (phi' at its maximum gamma): 0 for tanh, 1/2 for the sigmoid.
    """
    if regime not in ("driven", "quiet"):
        raise ValueError(f"regime must be 'driven' or 'quiet', got {regime!r}")
    rng = np.random.default_rng(seed)
    cell = vanilla_with_norm(n_in, n, norm, rng, activation, init)
    W = cell.params["W"]
    T = warmup + k_max
    if regime == "driven":
        xs = rng.standard_normal((T, 1, n_in))
        state0 = None
    else:
        xs = np.zeros((T, 1, n_in))
        s_star = 0.0 if activation == "tanh" else 0.5
        state0 = np.full((1, n), s_star)
        cell.params["b"] = -W @ state0[0]  # pre-activation W s* + b = 0
    measured = jacobian_norms(cell, xs, warmup, state0)
    gamma = ACTIVATION_GAMMA[activation]
    bound = (gamma * operator_norm(W)) ** np.arange(k_max + 1)
    return measured, bound


def sensitivity_sweep(
    activation: str,
    regime: str,
    norms,
    k: int = 30,
    seeds=(0, 1, 2),
    **kw,
) -> dict[str, np.ndarray]:
    """Per-step rate ``||ds_{t+k}/ds_t||^(1/k)`` (geometric mean over seeds) and the bound's
    rate ``gamma ||W||`` for every norm: ``norm``, ``rate``, ``bound_rate``, each (len(norms),).
    The bound holds when ``rate <= bound_rate``."""
    gamma = ACTIVATION_GAMMA[activation]
    rates = []
    for g in norms:
        per_seed = [sensitivity(g, activation, regime, k, seed=s, **kw)[0][k] for s in seeds]
        rates.append(float(np.exp(np.mean(np.log(np.maximum(per_seed, 1e-300)))) ** (1.0 / k)))
    norms = np.asarray(norms, dtype=float)
    return {"norm": norms, "rate": np.array(rates), "bound_rate": gamma * norms}


# ---------------------------------------------------------------------------------------------
# figures
# ---------------------------------------------------------------------------------------------
def plot_morphing_sweep(
    curves: dict[float, np.ndarray],
    t0: int,
    ax=None,
    linear: dict[float, np.ndarray] | None = None,
    floor: float | None = None,
):
    """``||s'_t - s_t|| / eps`` (T + 1,) against t, one line per weight norm, on a log scale.

    ``linear`` (optional): the linearized ratio per norm (same keys), drawn dashed. ``floor``
    (optional): the float64 floor of the ratio (distance floor / eps); the two runs' ratio is
    drawn only above it, and the band below it is shaded.
    """
    fig, ax = new_figure(ax, figsize=(7.0, 3.8))
    log_axis(ax, "y")
    low = np.inf
    ends = []
    for color, (norm, ratio) in zip(COLORS, curves.items()):
        t = np.arange(len(ratio))
        keep = t >= t0
        if floor is not None:
            keep &= ratio > floor
        ax.plot(
            t[keep], np.maximum(ratio[keep], 1e-300), color=color, label=f"$\\|W\\|_2$ = {norm:g}"
        )
        end = ratio[-1] if keep[-1] else None
        if linear is not None:
            gain = linear[norm]
            on = (t >= t0) & (gain > 0)
            ax.plot(t[on], gain[on], color=color, linestyle="--", linewidth=1)
            low = min(low, gain[on].min())
            end = gain[-1]
        ends.append(
            f"{end:.1e} at ‖W‖₂ = {norm:g}"
            if end is not None
            else f"below the float64 floor at ‖W‖₂ = {norm:g}"
        )
    T = len(ratio) - 1
    if floor is not None:
        bottom = min(low, floor) / 10 if np.isfinite(low) else floor / 100
        ax.axhspan(bottom, floor, color=GREY, alpha=0.15, linewidth=0)
        ax.text(
            T,
            floor * 1.5,
            "below: the float64 floor (two runs cannot resolve it)",
            color=GREY,
            ha="right",
            va="bottom",
        )
        ax.set_ylim(bottom, None)
    ax.axvline(t0, color=GREY, linestyle=":", linewidth=1)
    ax.set_xlabel("time step t")
    ax.set_ylabel(r"$\|s'_t - s_t\| \,/\, \varepsilon$")
    title = f"One nudge to the input at t = {t0}: it fades for small W, grows for large W"
    if linear is not None:
        title += "\nsolid: two float64 runs; dashed: linearized (exact to first order)"
    ax.set_title(title)
    ax.legend(loc="upper left", ncol=2)
    kind = "linearized ratio" if linear is not None else "ratio of the two runs"
    return describe(
        fig,
        (
            f"Line plot, log scale, of the distance between two runs divided by the nudge "
            f"ε, against the time step t = 0 to {T}, one colour per weight norm; the input is "
            "nudged "
            f"at t = {t0}. At t = {T} the {kind} is " + ", ".join(ends) + "."
        ),
    )


def plot_sensitivity(
    curves: dict[float, tuple[np.ndarray, np.ndarray]],
    sweeps: dict[str, dict],
    title_left: str = "tanh, inputs driving the state",
):
    """Top: measured ``||ds_{t+k}/ds_t||`` (solid) and the bound ``||gamma W||^k`` (dashed)
    against k, one colour per weight norm (``curves``: norm -> the pair :func:`sensitivity`
    returns). Bottom: per-step rates ``||ds_{t+k}/ds_t||^(1/k)`` against the bound's rate
    ``gamma ||W||``, for each ``"<activation> <regime>"`` of ``sweeps`` (results of
    :func:`sensitivity_sweep`)."""
    fig, (top_ax, bottom_ax) = figure(2, 1, figsize=(7.5, 8.0))
    log_axis(top_ax, "y")
    for color, (norm, (measured, bound)) in zip(COLORS, curves.items()):
        k = np.arange(len(measured))
        top_ax.plot(k, np.maximum(measured, 1e-300), color=color, label=f"$\\|W\\|_2$ = {norm:g}")
        top_ax.plot(k, bound, color=color, linestyle="--", linewidth=1)
    top_ax.set_xlabel("steps apart, k")
    top_ax.set_ylabel(r"$\|\partial s_{t+k} / \partial s_t\|_2$")
    top_ax.set_title(f"{title_left}\nsolid: measured, dashed: bound $\\|\\gamma W\\|^k$")
    top_ax.legend(loc="lower left")
    markers = {"quiet": "o", "driven": "s"}
    colors = {"tanh": BLUE, "sigmoid": ORANGE}
    top = 0.0
    for key, sweep in sweeps.items():
        activation, regime = key.split(" ")
        bottom_ax.plot(
            sweep["bound_rate"],
            sweep["rate"],
            marker=markers[regime],
            linestyle="-",
            color=colors[activation],
            markersize=5,
            linewidth=1,
            markerfacecolor="white" if regime == "driven" else colors[activation],
            label=f"{activation}, {regime}",
        )
        top = max(top, sweep["bound_rate"].max())
    bottom_ax.plot([0, top], [0, top], color=BLACK, linestyle="--", linewidth=1, label="the bound")
    bottom_ax.axvline(1.0, color=GREY, linestyle=":", linewidth=1)
    bottom_ax.axhline(1.0, color=GREY, linestyle=":", linewidth=1)
    bottom_ax.set_xlabel(r"$\gamma\,\|W\|_2$ (the bound's rate per step)")
    bottom_ax.set_ylabel("measured rate per step")
    bottom_ax.set_title("Never above the diagonal; on it when the state sits where $\\phi'$ peaks")
    bottom_ax.legend(loc="upper left")
    k_max = max(len(m) for m, _ in curves.values()) - 1
    worst = max(float((s["rate"] / s["bound_rate"]).max()) for s in sweeps.values())
    norms = ", ".join(f"{g:g}" for g in curves)
    return describe(
        fig,
        (
            f"Top: line plot, log scale, of the measured sensitivity ‖∂s_(t+k)/∂s_t‖₂ (solid) and "
            "its "
            f"bound (γ‖W‖₂)^k (dashed) against k = 0 to {k_max}, for ‖W‖₂ = {norms}; every solid "
            f"line stays under its dashed one. Bottom: the measured rate per step against the "
            f"bound's rate γ‖W‖₂ for {', '.join(sweeps)}: no point lies above the diagonal "
            "(largest "
            f"measured/bound ratio {worst:.3f})."
        ),
    )


# ---------------------------------------------------------------------------------------------
# the morphing widget
# ---------------------------------------------------------------------------------------------
MORPHING_T = 60
SEED = 0
MORPHING_ALT = (
    "Two panels against the time step t = 0 to 60. Top: three state units of the original run "
    "(solid) and of the run whose input was nudged (dashed), between -1 and 1. Bottom: the "
    "distance between the two runs, log scale from 10⁻¹⁴ to 10², with the nudge size ε as a "
    "dashed grey line; the caption gives ε, the step of the nudge and ‖W‖₂."
)


class MorphingView(View):
    """The morphing widget's figure: three state units of the original run (solid) and of the
    nudged run (dashed) on top; the distance between the runs (log scale) below.

    Built once; :meth:`update` moves the lines (blitting, see :class:`rnnlib.widgets.View`).
    ``self.original[k]``, ``self.nudged[k]`` and ``self.distance`` hold the plotted data.
    """

    YLIM = (1e-14, 1e2)

    def __init__(self, T: int = MORPHING_T, units: int = 3):
        use_book_style()
        super().__init__(figsize=(7.5, 5.0), nrows=2, ncols=1, sharex=True)
        top, bottom = self.axes[:, 0]
        self.units = units
        self.original = [
            self.dynamic(top.plot([], [], color=COLORS[k], linewidth=1.4, label=f"unit {k + 1}")[0])
            for k in range(units)
        ]
        self.nudged = [
            self.dynamic(top.plot([], [], color=COLORS[k], linewidth=1.4, linestyle="--")[0])
            for k in range(units)
        ]
        self.t0_top = self.dynamic(top.axvline(1, color=GREY, linestyle=":", linewidth=1))
        log_axis(bottom, "y", every=2)  # 10⁻¹⁴, 10⁻¹⁰, ..., 10²
        self.distance = self.dynamic(bottom.plot([1], [1], color=BLACK)[0])
        self.eps_line = self.dynamic(bottom.axhline(1.0, color=GREY, linestyle="--", linewidth=1))
        self.t0_bottom = self.dynamic(bottom.axvline(1, color=GREY, linestyle=":", linewidth=1))
        self.caption = self.dynamic(self.figure.text(0.5, 0.995, "", ha="center", va="top"))
        top.set_ylabel("state value")
        top.set_title(" ")  # room for the caption
        top.legend(loc="upper right", ncol=3)
        bottom.set_xlabel("time step t")
        bottom.set_ylabel("‖s′ₜ − sₜ‖ (distance)")
        bottom.text(
            0.99,
            0.03,
            "dashed grey: the size of the nudge ε",
            color=GREY,
            va="bottom",
            ha="right",
            transform=bottom.transAxes,
        )
        # Fixed limits: the frame never has to be redrawn (fast), and two settings compare
        # at a glance. tanh states lie in (-1, 1); distances below 1e-14 are rounding.
        top.set_xlim(0, T)
        top.set_ylim(-1.15, 1.15)
        bottom.set_ylim(*self.YLIM)
        describe(self.figure, MORPHING_ALT.replace("t = 0 to 60", f"t = 0 to {T}"))

    def update(self, m: Morphing) -> None:
        """Show a :class:`Morphing` (from :func:`morphing`)."""
        t = np.arange(len(m.distance))
        keep = t >= m.t0
        for k in range(self.units):
            self.original[k].set_data(t, m.states[:, k])
            self.nudged[k].set_data(t, m.perturbed[:, k])
        self.t0_top.set_xdata([m.t0, m.t0])
        self.t0_bottom.set_xdata([m.t0, m.t0])
        self.distance.set_data(t[keep], np.maximum(m.distance[keep], 1e-30))
        self.eps_line.set_ydata([m.eps, m.eps])
        self.caption.set_text(
            f"solid: original run; dashed: input nudged by ε = {m.eps:.2g} "
            f"at t = {m.t0}  (‖W‖₂ = {m.norm:.2g})"
        )


def plot_morphing(m: Morphing, units: int = 3):
    """The morphing widget's figure for one :class:`Morphing`, as a static figure."""
    T = len(m.distance) - 1
    view = MorphingView(T=T, units=units)
    view.update(m)
    view.render()
    end = f"{m.distance[-1]:.1e}" if m.resolved()[-1] else "below the float64 floor"
    return describe(
        view.figure,
        (
            f"Two panels against the time step t = 0 to {T}. Top: {units} state units of the "
            f"original run (solid) and of the run whose input was nudged by ε = {m.eps:.2g} at "
            f"t = {m.t0} (dashed), ‖W‖₂ = {m.norm:.2g}. Bottom: the distance between the two runs, "
            f"log scale; at t = {T} it is {end}."
        ),
    )


def morphing_compute(eps=0.1, t0=10, norm=1.0) -> Morphing:
    """What the morphing widget plots for one setting of its controls."""
    return morphing(norm=float(norm), eps=float(eps), t0=int(t0), T=MORPHING_T, seed=SEED)


def morphing_widget(eps: float = 0.1, t0: int = 10, norm: float = 1.0) -> LiveWidget:
    """Two runs of one tanh RNN that differ by a nudge ``eps`` to the input at step ``t0``;
    controls: the nudge's size and step, and ``||W||_2``."""
    import ipywidgets as w

    from ..widgets import labelled, row
    from ..widgets.static import Step

    controls = {
        "eps": w.FloatLogSlider(
            value=eps,
            base=10,
            min=-6,
            max=0,
            step=0.25,
            description="nudge size ε",
            readout_format=".1e",
            continuous_update=False,
            **labelled("340px"),
        ),
        "t0": w.IntSlider(
            value=t0,
            min=1,
            max=MORPHING_T - 10,
            description="nudge at step",
            continuous_update=False,
            **labelled("340px"),
        ),
        "norm": w.FloatSlider(
            value=norm,
            min=0.25,
            max=4.0,
            step=0.25,
            description="‖W‖₂ (operator norm)",
            continuous_update=False,
            **labelled("340px"),
        ),
    }
    c = controls
    layout = w.VBox([row(c["eps"], c["t0"]), c["norm"]])
    # On the website: ε in whole decades, the nudge's step in steps of 5 (5 to 45),
    # ||W||_2 in steps of 0.75.
    grid = {"eps": Step(1.0), "t0": Step(5, min=5, max=45), "norm": Step(0.75)}
    return LiveWidget(
        controls,
        morphing_compute,
        MorphingView(T=MORPHING_T),
        layout,
        static_grid=grid,
        alt=MORPHING_ALT,
    )


# ---------------------------------------------------------------------------------------------
# exercise check
# ---------------------------------------------------------------------------------------------
def check_bound(W, activation: str, k: int, answer: float) -> bool:
    """The bound ``||gamma W||_2^k`` on ``||ds_{t+k}/ds_t||`` for this ``W`` (n, n) and
    activation. Prints whether ``answer`` is right and, if not, a hint (never the value)."""
    if activation not in ACTIVATION_GAMMA:
        raise ValueError(
            f"activation must be one of {sorted(ACTIVATION_GAMMA)}, got {activation!r}"
        )
    name = f"bound for {activation}, k = {k}"
    value = number(name, answer)
    if value is None:
        return False
    W = np.asarray(W, dtype=float)
    gamma = ACTIVATION_GAMMA[activation]
    op = operator_norm(W)
    # Known slips, in the order they are recognised: another activation's gamma, the Frobenius
    # norm, the spectral radius, one step only.
    slips = {
        f"gamma of {act}": (
            (g * op) ** k,
            f"Check gamma, the largest slope of {activation}: it is the derivative at 0.",
        )
        for act, g in ACTIVATION_GAMMA.items()
        if g != gamma
    }
    slips["Frobenius"] = (
        (gamma * np.linalg.norm(W, "fro")) ** k,
        "That uses the Frobenius norm; the bound needs the operator 2-norm, "
        "the largest singular value: np.linalg.norm(W, 2).",
    )
    slips["spectral radius"] = (
        (gamma * spectral_radius(W)) ** k,
        "That uses the spectral radius (largest |eigenvalue|); the bound "
        "needs the largest singular value: np.linalg.norm(W, 2).",
    )
    slips["one step"] = (
        gamma * op,
        f"That is the bound for one step; raise it to the power k = {k}.",
    )
    return judge(
        name,
        value,
        (gamma * op) ** k,
        "The bound is (gamma * ||W||_2) ** k, with ||W||_2 the largest singular value.",
        rtol=1e-6,
        atol=0,
        near=slips,
    )
