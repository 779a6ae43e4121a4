"""How the gradient flows back through an LSTM's cell state (chapter 6), and the shadow state.

What it holds:

* the shadow state: a few steps of a basic LSTM, ``h_t = o_t ⊙ tanh(c_t)``, with the last input
  changed to show that the read gate of step t was made from ``h_{t-1}``
  (:func:`shadow_state_demo`, its figure :func:`plot_shadow_state`);
* gradient norms ``||dL/ds_t||`` for ``L = v · output_T`` through every cell of chapters 4-6
  (:func:`state_grad_norms`, by :func:`rnnlib.bptt`; figures :func:`plot_grad_flow`,
  :func:`plot_grad_flow_biases`);
* the LSTM's two paths back through the cell state, on :func:`rnnlib.bptt_by_hand.lstm_bptt`
  (:func:`lstm_backward_paths`, :func:`lstm_gradient_paths`, :func:`cell_state_jacobian`), the
  carousel against the measurement over seeds (:func:`carousel_table`, its figures
  :func:`plot_carousel_table`, :func:`plot_carousel_tables`);
* the forget-bias widget (:func:`lstm_cell_grads_fast`, :class:`ForgetBiasView`,
  :func:`forget_bias_compute`, :func:`forget_bias_widget`) and the exercise check
  :func:`check_forget_bias`.

The maths. The basic LSTM computes ``c_t = f_t ⊙ c_{t-1} + i_t ⊙ c~_t`` with its gates and
candidate made from ``h_{t-1} = o_{t-1} ⊙ tanh(c_{t-1})``. So ``c_{t-1}`` reaches ``c_t`` along
two paths: directly, times ``f_t`` (the constant error carousel of Hochreiter and Schmidhuber,
with Gers et al.'s forget gate), and through ``h_{t-1}``, which feeds the gates and the candidate:

    dc_t/dc_{t-1} = diag(f_t) + A_t diag(o_{t-1} ⊙ (1 - tanh(c_{t-1})^2)),
    A_t = diag(c_{t-1} f_t (1 - f_t)) W_f + diag(c~_t i_t (1 - i_t)) W_i + diag(i_t (1 - c~_t^2)) W.

The reverse pass gives ``dL/dc_{t-1} = f_t ⊙ dL/dc_t + o_{t-1} ⊙ tanh'(c_{t-1}) ⊙ dL/dh_{t-1}``;
the carousel alone keeps only the first term: ``prod_{k>t} f_k ⊙ dL/dc_T``.
"""

from __future__ import annotations

import numpy as np

from ..autograd import sigmoid
from ..bptt_by_hand import lstm_bptt, lstm_forward, vanilla_bptt
from ..cells import BasicLSTM, GateProbe, make_cell
from ..unroll import bptt, run
from ..widgets import LiveWidget, View, stable_limits
from . import style
from .judge import judge
from .peephole_timing import keep_gate

RECURRENT = ("W_i", "W_f", "W_o", "W")  # the LSTM's weights applied to h_{t-1}
_FLOOR = 1e-30  # values drawn on a log axis are clipped here


def _check(T, n, batch, recurrent_scale) -> None:
    for name, value in (("T", T), ("n", n), ("batch", batch)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{name} must be a positive integer; got {value!r}")
    if not np.isfinite(recurrent_scale) or recurrent_scale < 0:
        raise ValueError(f"recurrent_scale must be a finite number >= 0; got {recurrent_scale!r}")


def _sci(value: float) -> str:
    """A number for a figure description: ``3e-09``, ``0.52``, ``40``."""
    value = float(value)
    return f"{value:.2g}" if 1e-2 <= abs(value) < 1e3 else f"{value:.0e}"


# -- the shadow state ------------------------------------------------------------------------


def shadow_state_demo(T: int = 6, n: int = 4, seed: int = 0) -> dict:
    """Run a basic LSTM a few steps; return c, h, o and ``o * tanh(c)`` to show h is c, read.

    Also runs the same steps with the input at the last step changed (+3), to show that the
    read gate that produced ``h_{T-1}`` (the h the next step's candidate sees) never saw ``x_T``.
    Returns ``c``, ``h`` (T + 1, n), ``o`` (T, n), ``xs`` (T, 2) and the same with
    ``_changed_input``.
    """
    rng = np.random.default_rng(seed)
    cell = make_cell("lstm", 2, n, rng)
    for k in ("b_i", "b_f", "b_o", "b"):
        cell.params[k] = rng.normal(size=n) * 0.5
    xs = rng.normal(size=(T, 1, 2))
    probe = GateProbe()
    traj = run(cell, xs, probe=probe)
    c, h = traj.state_array(0)[:, 0], traj.state_array(1)[:, 0]
    o = probe.stacked("o")[:, 0]
    xs2 = xs.copy()
    xs2[-1] = xs2[-1] + 3.0  # a very different last input
    probe2 = GateProbe()
    traj2 = run(cell, xs2, probe=probe2)
    return {
        "c": c,
        "h": h,
        "o": o,
        "xs": xs[:, 0],
        "o_changed_input": probe2.stacked("o")[:, 0],
        "h_changed_input": traj2.state_array(1)[:, 0],
        "c_changed_input": traj2.state_array(0)[:, 0],
    }


def plot_shadow_state(data: dict):
    """Two panels: c and h of unit 0 over the steps; the read gate o_t with the last input
    changed or not (:func:`shadow_state_demo`)."""
    fig, (left, right) = style.figure(1, 2, figsize=(9, 3.2))
    T = len(data["o"])
    t = np.arange(T + 1)
    left.plot(
        t, data["c"][:, 0], "o-", color=style.cell_color("lstm"), label="cell state c (unit 0)"
    )
    left.plot(t, data["h"][:, 0], "s--", color=style.BLACK, label="shadow h = o·tanh(c)")
    left.set(xlabel="time step t", ylabel="value", title="c is written; h is what is read of it")
    left.legend()
    steps = np.arange(1, T + 1)
    right.plot(steps, data["o"][:, 0], "o-", color=style.GATE_COLORS["o"], label="original inputs")
    right.plot(steps, data["o_changed_input"][:, 0], "x--", color=style.RED, label=f"x_{T} changed")
    right.set(
        xlabel="time step t",
        ylabel="o_t (unit 0)",
        title="the read gate of step t is made from h_{t-1}",
    )
    right.legend()
    moved = np.flatnonzero(np.abs(data["o_changed_input"][:, 0] - data["o"][:, 0]) > 1e-12) + 1
    first = f"only at step {moved[0]}" if len(moved) else "at no step"
    ratio = np.abs(data["h"][1:, 0]).max() / np.abs(np.tanh(data["c"][1:, 0])).max()
    return style.describe(
        fig,
        (
            f"Two line plots over the steps t = 0..{T} of a small LSTM, unit 0. Left: the cell "
            "state "
            f"c and the shadow state h = o·tanh(c), which stays smaller (its largest size is "
            f"{ratio:.2f} of tanh(c)'s). Right: the read gate o_t for the original inputs and with "
            f"the last input x_{T} changed; the two curves part {first}."
        ),
    )


# -- gradient norms through every cell -------------------------------------------------------


def flow_setup(
    cell_name: str,
    T: int = 100,
    n: int = 16,
    keep_bias: float = 0.0,
    seed: int = 0,
    batch: int = 4,
    recurrent_scale: float = 1.0,
):
    """The cell, inputs and loss direction of the chapter-6 gradient-flow experiment.

    From ``default_rng(seed)``, in this order: the cell (4 inputs, ``n`` units, uniform init),
    inputs ``xs`` (T, batch, 4) and a loss direction ``v`` (batch, n); ``L = sum(v * out_T)``.
    The keep gate's bias (``b_f``; ``b_z`` for the GRU) is set to ``keep_bias``. For the basic
    LSTM the recurrent weights (``W_i, W_f, W_o, W``) are multiplied by ``recurrent_scale``.
    Returns ``(cell, xs, v)``.
    """
    _check(T, n, batch, recurrent_scale)
    if not np.isfinite(keep_bias):
        raise ValueError(f"keep_bias must be a finite number; got {keep_bias!r}")
    if recurrent_scale != 1.0 and cell_name != "lstm":
        raise ValueError(f"recurrent_scale is for the basic LSTM; got cell {cell_name!r}")
    rng = np.random.default_rng(seed)
    cell = make_cell(cell_name, 4, n, rng)
    keep = keep_gate(cell)
    if keep is not None:
        cell.params["b_" + keep][:] = keep_bias
    if cell_name == "lstm":
        for k in RECURRENT:
            cell.params[k] *= recurrent_scale
    xs = rng.normal(size=(T, batch, 4))
    v = rng.normal(size=(batch, n))
    return cell, xs, v


def state_grad_norms(
    cell_name: str, T: int = 100, n: int = 16, keep_bias: float = 0.0, seed: int = 0, batch: int = 4
) -> np.ndarray:
    """``||dL/ds_t||`` for t = 0..T (T + 1,), on the setup of :func:`flow_setup`, by
    :func:`rnnlib.bptt`. For the LSTMs s is the cell state c."""
    cell, xs, v = flow_setup(cell_name, T, n, keep_bias, seed, batch)
    res = bptt(cell, xs, lambda out, w, e: (out[-1] * v).sum())
    return res.state_grad_norms(0)


def plot_grad_flow(
    norms: dict, ax=None, title=None, carousel: dict | None = None, legend: bool = True
):
    """``||dL/ds_t||`` against t (log scale), one line per cell (name -> (T + 1,) array).

    ``carousel`` (optional, name -> (T + 1,)): a prediction drawn dotted in the cell's colour,
    e.g. the LSTM's diag(f)-only (constant error carousel) prediction, on the same axes.
    ``legend=False`` leaves the legend to the caller (panels that share one).
    """
    fig, ax = style.new_figure(ax, figsize=(6.4, 3.6))
    for name, g in norms.items():
        ax.plot(
            np.arange(len(g)),
            np.maximum(g, _FLOOR),
            color=style.cell_color(name),
            label=style.cell_label(name),
        )
    for name, g in (carousel or {}).items():
        ax.plot(
            np.arange(len(g)),
            np.maximum(g, _FLOOR),
            color=style.cell_color(name),
            ls=":",
            lw=2,
            label=f"{style.cell_label(name)}: carousel alone (product of f)",
        )
    style.log_axis(ax, "y", every=3)
    ax.set(
        xlabel="time step t",
        ylabel="||dL/ds_t|| (log scale)",
        title=title or "How much of the final error reaches step t",
    )
    if legend:
        ax.legend()
    T = len(next(iter(norms.values()))) - 1
    ends = ", ".join(f"{style.cell_label(k)} {_sci(g[0] / g[-1])}" for k, g in norms.items())
    return style.describe(
        fig,
        (
            f"Line plot of the gradient norm (log scale) against the step t = 0..{T}, one line per "
            f"cell; at t = 0 each keeps this fraction of its value at t = {T}: {ends}."
        ),
    )


def plot_grad_flow_biases(flow: dict, carousel: dict, titles: dict | None = None):
    """Side by side, :func:`plot_grad_flow` for each keep-gate bias of ``flow``
    (bias -> {cell name -> (T + 1,)}), with the LSTM's carousel prediction (bias -> (T + 1,));
    ``titles``: bias -> panel title (default "keep-gate bias b")."""
    biases = list(flow)
    fig, axes = style.figure(1, len(biases), figsize=(10, 3.8), sharey=True)
    parts = []
    for ax, b in zip(np.atleast_1d(axes), biases):
        plot_grad_flow(
            flow[b],
            ax=ax,
            carousel={"lstm": carousel[b]},
            title=(titles or {}).get(b, f"keep-gate bias {b:g}"),
            legend=False,
        )
        lstm, van = flow[b]["lstm"], flow[b]["vanilla"]
        T = len(lstm) - 1
        parts.append(
            f"at bias {b:g} fifty steps back the LSTM keeps "
            f"{_sci(lstm[T - 50] / lstm[T])} of its gradient (the carousel alone predicts "
            f"{_sci(carousel[b][T - 50] / lstm[T])}), the vanilla RNN "
            f"{_sci(van[T - 50] / van[T])}"
        )
    for ax in np.atleast_1d(axes)[1:]:
        ax.set_ylabel("")
    # one legend for both panels, below them: over the lines it would hide the data
    fig.legend(
        *np.atleast_1d(axes)[0].get_legend_handles_labels(), loc="outside lower center", ncols=4
    )
    return style.describe(
        fig,
        (
            f"Two line plots of the gradient norm (log scale) against the step t, one line per "
            "cell "
            f"and the LSTM's carousel prediction dotted, for keep-gate biases "
            f"{' and '.join(f'{b:g}' for b in biases)}: " + "; ".join(parts) + "."
        ),
    )


# -- the two paths back through the LSTM's cell state ---------------------------------------


def lstm_flow_setup(
    T: int = 100,
    n: int = 16,
    forget_bias: float = 0.0,
    seed: int = 0,
    batch: int = 4,
    recurrent_scale: float = 1.0,
):
    """:func:`flow_setup` for the basic LSTM, its forget bias set to ``forget_bias``."""
    return flow_setup("lstm", T, n, forget_bias, seed, batch, recurrent_scale)


def cell_state_jacobian(cell: BasicLSTM, c_prev, o_prev, x) -> tuple[np.ndarray, np.ndarray]:
    """The two terms of ``dc_t/dc_{t-1}`` for one sequence: ``(carousel, through_h)``, each (n, n).

    ``cell``: a basic LSTM; ``c_prev`` (n,): ``c_{t-1}``; ``o_prev`` (n,): the read gate
    ``o_{t-1}`` (it depends on ``h_{t-2}``, not on ``c_{t-1}``); ``x`` (n_in,): ``x_t``. The
    gates and the candidate of step t come from the cell's own step (:func:`lstm_forward`).
    ``carousel = diag(f_t)``, ``through_h = A_t diag(o_{t-1} (1 - tanh(c_{t-1})^2))`` with A_t
    as in the module docstring; their sum is the full Jacobian.
    """
    if type(cell) is not BasicLSTM:
        raise TypeError(f"cell_state_jacobian needs a BasicLSTM; got {type(cell).__name__}")
    c_prev, o_prev, x = (np.asarray(a, dtype=np.float64) for a in (c_prev, o_prev, x))
    n, m = cell.n_hidden, cell.n_in
    if c_prev.shape != (n,) or o_prev.shape != (n,) or x.shape != (m,):
        raise ValueError(
            f"c_prev, o_prev must have shape ({n},) and x ({m},); got "
            f"{c_prev.shape}, {o_prev.shape}, {x.shape}"
        )
    state0 = (c_prev[None], o_prev[None] * np.tanh(c_prev[None]))
    fw = lstm_forward(cell, x[None, None], state0)
    i, f, cand = fw["i"][0, 0], fw["f"][0, 0], fw["cand"][0, 0]
    p = cell.params
    A = (
        (c_prev * f * (1 - f))[:, None] * p["W_f"]
        + (cand * i * (1 - i))[:, None] * p["W_i"]
        + (i * (1 - cand**2))[:, None] * p["W"]
    )
    return np.diag(f), A * (o_prev * (1 - np.tanh(c_prev) ** 2))[None, :]


def lstm_backward_paths(cell: BasicLSTM, xs: np.ndarray, v: np.ndarray) -> dict:
    """Exact ``dL/dc_t`` of a basic LSTM for ``L = sum(v * h_T)``, and its carousel part.

    ``cell``: a :class:`rnnlib.BasicLSTM`; ``xs`` (T, B, n_in); ``v`` (B, n). The reverse pass
    is :func:`rnnlib.bptt_by_hand.lstm_bptt`. Returns, for t = 0..T (index t is ``c_t``):

    * ``"full"`` (T+1,): ``||dL/dc_t||``, the exact gradient (equal to ``rnnlib.bptt``'s);
    * ``"carousel"`` (T+1,): ``||prod_{k>t} f_k * dL/dc_T||``, the diag(f)-only prediction;
    * ``"cec_part"``, ``"h_part"`` (T,): index t holds the norms of the two terms of
      ``dL/dc_t = f_{t+1} * dL/dc_{t+1} + o_t (1 - tanh(c_t)^2) * dL/dh_t``: the carousel
      term and the term through ``h_t``; ``h_part[0] = 0`` (``h_0`` is a state of its own);
    * ``"f"`` (T, B, n): the forget gates.

    Norms are Frobenius norms over the batch, as :meth:`BPTTResult.state_grad_norms`.
    """
    if type(cell) is not BasicLSTM:
        raise TypeError(f"lstm_backward_paths needs a BasicLSTM; got {type(cell).__name__}")
    fw = lstm_forward(cell, xs)
    T, B, n = fw["f"].shape
    v = np.asarray(v, dtype=np.float64)
    if v.shape != (B, n):
        raise ValueError(f"v has shape {v.shape}; expected (B, n) = {(B, n)}")
    dL_dout = np.zeros((T, B, n))
    dL_dout[-1] = v
    _, (dc, dh) = lstm_bptt(cell, fw["xs"], dL_dout, forward=fw)
    f, o, c = fw["f"], fw["o"], fw["c"]
    # the carousel alone: dL/dc_T, times f_T, times f_{T-1}, ...
    carried = np.cumprod(np.concatenate([dc[T][None], f[::-1]]), axis=0)[::-1]  # (T+1, B, n)
    h_part = np.zeros(T)
    h_part[1:] = np.linalg.norm(dh[1:T] * o[: T - 1] * (1 - np.tanh(c[1:T]) ** 2), axis=(1, 2))
    return {
        "t": np.arange(T + 1),
        "full": np.linalg.norm(dc, axis=(1, 2)),
        "carousel": np.linalg.norm(carried, axis=(1, 2)),
        "cec_part": np.linalg.norm(f * dc[1:], axis=(1, 2)),
        "h_part": h_part,
        "f": f,
    }


def lstm_gradient_paths(
    T: int = 100,
    n: int = 16,
    forget_bias: float = 0.0,
    seed: int = 0,
    batch: int = 4,
    recurrent_scale: float = 1.0,
) -> dict:
    """:func:`lstm_backward_paths` on the setting of :func:`lstm_flow_setup`."""
    return lstm_backward_paths(*lstm_flow_setup(T, n, forget_bias, seed, batch, recurrent_scale))


def carousel_table(
    biases=(0.0, 1.0, 2.0, 3.0, 4.97, 6.0),
    seeds=(0, 1, 2, 3, 4),
    T: int = 100,
    n: int = 16,
    recurrent_scale: float = 1.0,
) -> dict:
    """``||dL/dc_0|| / ||dL/dc_T||`` measured and predicted, for each bias and seed.

    Returns ``{"biases": (K,), "seeds": (S,), "full": (K, S), "carousel": (K, S),
    "scalar": (K,), "h_over_cec": (K, S)}``: the exact ratio, the diag(f)-only prediction on
    the same run, ``sigma(b) ** T`` (all weights into f zero), and the geometric mean over the
    steps back of (term through h) / (carousel term), which says which path carries more.
    """
    biases, seeds = np.asarray(biases, dtype=np.float64), tuple(int(s) for s in seeds)
    if biases.ndim != 1 or len(biases) == 0 or len(seeds) == 0:
        raise ValueError(
            f"need a 1-d list of biases and at least one seed; got {biases!r}, {seeds}"
        )
    full = np.zeros((len(biases), len(seeds)))
    carousel, h_over_cec = np.zeros_like(full), np.zeros_like(full)
    for k, b in enumerate(biases):
        for j, s in enumerate(seeds):
            r = lstm_gradient_paths(T, n, float(b), s, recurrent_scale=recurrent_scale)
            full[k, j] = r["full"][0] / r["full"][T]
            carousel[k, j] = r["carousel"][0] / r["full"][T]
            h_over_cec[k, j] = np.exp(np.mean(np.log(r["h_part"][1:] / r["cec_part"][1:])))
    return {
        "biases": biases,
        "seeds": seeds,
        "full": full,
        "carousel": carousel,
        "scalar": sigmoid(biases) ** T,
        "h_over_cec": h_over_cec,
        "T": T,
        "recurrent_scale": float(recurrent_scale),
    }


def plot_carousel_table(table: dict, ax=None, title: str | None = None):
    """``||dL/dc_0|| / ||dL/dc_T||`` against the forget bias: measured, diag(f) and sigma(b)^T.

    ``table``: the dict of :func:`carousel_table`. One dot per seed for the measured ratio and
    for the diag(f)-only prediction on the same run, a line through their geometric means, and
    ``sigma(b)^T`` dashed.
    """
    fig, ax = style.new_figure(ax, figsize=(6.4, 3.8))
    b, T = table["biases"], table["T"]
    S = len(table["seeds"])
    jitter = (np.arange(S) - (S - 1) / 2) * 0.04
    for key, color, label in (
        ("full", style.cell_color("lstm"), "measured (exact gradient)"),
        ("carousel", style.BROWN, "carousel alone: product of f_t"),
    ):
        values = table[key]
        for j in range(S):
            ax.plot(b + jitter[j], values[:, j], "o", ms=3.5, color=color, alpha=0.6)
        ax.plot(b, np.exp(np.log(values).mean(axis=1)), "-", color=color, label=label)
    ax.plot(b, table["scalar"], "--", color=style.BLACK, label=f"sigma(b)^{T}")
    ax.axhline(1.0, color=style.GREY, lw=0.8)
    style.log_axis(ax, "y", every=5)
    ax.set(
        xlabel="forget-gate bias b",
        ylabel=f"||dL/dc_0|| / ||dL/dc_{T}|| (log)",
        title=title or "measured gradient against the carousel prediction",
    )
    ax.legend(loc="lower right")
    return style.describe(fig, _carousel_text(table))


def _carousel_text(table: dict) -> str:
    b, full, cec = table["biases"], table["full"], table["carousel"]
    factor = np.exp(np.log(full / cec).mean(axis=1))
    return (
        f"Dot plot (log scale) of ||dL/dc_0|| / ||dL/dc_{table['T']}|| against the forget "
        f"bias {b[0]:g} to {b[-1]:g}, {len(table['seeds'])} seeds, recurrent weights x "
        f"{table['recurrent_scale']:g}: the measured ratio lies above the carousel's "
        f"prediction by a factor {_sci(factor[0])} at bias {b[0]:g} and {_sci(factor[-1])} "
        f"at bias {b[-1]:g}; at the largest bias it ranges {_sci(full[-1].min())} to "
        f"{_sci(full[-1].max())}."
    )


def plot_carousel_tables(tables: dict, titles: dict | None = None):
    """Side by side, :func:`plot_carousel_table` for each table (name -> table of
    :func:`carousel_table`), with a shared y axis."""
    fig, axes = style.figure(1, len(tables), figsize=(10, 3.8), sharey=True)
    texts = []
    for ax, (key, table) in zip(np.atleast_1d(axes), tables.items()):
        plot_carousel_table(table, ax=ax, title=(titles or {}).get(key))
        texts.append(_carousel_text(table))
    for ax in np.atleast_1d(axes)[1:]:
        ax.set_ylabel("")
    # one legend for both panels, below them: over the lines it would hide the data
    fig.legend(
        *np.atleast_1d(axes)[0].get_legend_handles_labels(), loc="outside lower center", ncols=4
    )
    return style.describe(fig, f"{len(tables)} panels. " + " ".join(texts))


# -- the forget-bias widget ------------------------------------------------------------------


def lstm_cell_grads_fast(
    T: int = 100, n: int = 16, forget_bias: float = 0.0, seed: int = 0, batch: int = 4
) -> dict:
    """``||dL/dc_t||`` for a basic LSTM and ``||dL/ds_t||`` for a vanilla RNN, fast.

    The same quantity as :func:`state_grad_norms` (``"lstm"`` with ``keep_bias=forget_bias``,
    and ``"vanilla"``), by the hand-derived reverse passes of :mod:`rnnlib.bptt_by_hand`
    (:func:`lstm_gradient_paths` for the LSTM, ``vanilla_bptt`` for the vanilla RNN) so that a
    widget redraws in milliseconds. Returns ``{"t": (T+1,), "lstm": (T+1,), "carousel":
    (T+1,), "vanilla": (T+1,)}``, ``"carousel"`` being the diag(f)-only prediction.
    """
    paths = lstm_gradient_paths(T, n, forget_bias, seed, batch)
    van, xs, v = flow_setup("vanilla", T, n, 0.0, seed, batch)
    dL_dout = np.zeros((T, batch, n))
    dL_dout[-1] = v
    _, ds = vanilla_bptt(van, xs, dL_dout)
    return {
        "t": np.arange(T + 1),
        "lstm": paths["full"],
        "carousel": paths["carousel"],
        "vanilla": np.linalg.norm(ds, axis=(1, 2)),
    }


def forget_bias_alt(forget_bias: float = 0.0, T: int = 100) -> str:
    """The forget-bias widget's description, with the numbers of its default setting."""
    d = forget_bias_compute(forget_bias, T)
    return (
        "Line plot of the gradient norm (log scale, 10⁻¹² to 10³) against the step t, for a loss "
        "at the last step T: a basic LSTM's measured ||dL/dc_t|| (solid blue), what the product "
        "of its forget gates alone would carry back (dotted blue) and a vanilla RNN's ||dL/ds_t|| "
        "(dashed grey); sliders set the LSTM's forget-gate bias and T. At the default (bias "
        f"{forget_bias:g}, T = {T}) the LSTM keeps {_sci(d['lstm'][0] / d['lstm'][-1])} of its "
        f"final gradient at t = 0, the carousel alone {_sci(d['carousel'][0] / d['carousel'][-1])}"
        f", the vanilla RNN {_sci(d['vanilla'][0] / d['vanilla'][-1])}."
    )


class ForgetBiasView(View):
    """The forget-bias widget: LSTM ``||dL/dc_t||``, its diag(f)-only prediction, the vanilla RNN's.

    ``update`` takes the dict of :func:`lstm_cell_grads_fast` plus ``"forget_bias"``; the
    dotted line is its ``"carousel"`` entry (the product of the forget gates applied to
    ``dL/dc_T``: what the constant error carousel alone would carry back). ``description``:
    the figure's description for a reader who cannot see it (default :func:`forget_bias_alt`).
    """

    def __init__(self, description: str | None = None):
        style.use_book_style()
        super().__init__(figsize=(7, 3.8))
        ax = self.axes[0, 0]
        lstm = style.cell_color("lstm")
        self.lstm_line = self.dynamic(ax.plot([1], [1], color=lstm)[0])
        self.carousel_line = self.dynamic(ax.plot([1], [1], color=lstm, ls=":", lw=2)[0])
        self.vanilla_line = self.dynamic(
            ax.plot([1], [1], color=style.cell_color("vanilla"), ls="--")[0]
        )
        # above the axes, so that no setting of the sliders hides a line under it
        self.legend = self.dynamic(
            self.figure.legend(
                [self.lstm_line, self.carousel_line, self.vanilla_line],
                [
                    "basic LSTM, forget bias +0.0 (measured)",
                    "carousel alone: product of f_t",
                    "vanilla RNN (same init)",
                ],
                loc="outside upper center",
                ncols=2,
            )
        )
        ax.set(
            xlabel="time step t",
            ylabel="||dL/dc_t||, vanilla ||dL/ds_t|| (log)",
            title="Gradient reaching step t from a loss at the last step",
        )
        style.log_axis(ax, "y", every=3)
        ax.set_ylim(1e-12, 1e3)
        style.describe(self.figure, description or forget_bias_alt())

    def update(self, data: dict) -> None:
        ax = self.axes[0, 0]
        t = data["t"]
        self.lstm_line.set_data(t, np.maximum(data["lstm"], _FLOOR))
        self.carousel_line.set_data(t, np.maximum(data["carousel"], _FLOOR))
        self.vanilla_line.set_data(t, np.maximum(data["vanilla"], _FLOOR))
        stable_limits(ax, t[0], t[-1], axis="x", pad=0.0)
        self.legend.get_texts()[0].set_text(
            f"basic LSTM, forget bias {data['forget_bias']:+.1f} (measured)"
        )


def forget_bias_compute(forget_bias=0.0, T=100) -> dict:
    """What the forget-bias widget plots: gradient norms over t for one bias and length."""
    data = lstm_cell_grads_fast(T=int(T), n=16, forget_bias=float(forget_bias), seed=0)
    return {**data, "forget_bias": float(forget_bias)}


def forget_bias_widget() -> LiveWidget:
    """Forget-gate bias and sequence length against ``||dL/dc_t||``."""
    import ipywidgets as w

    from ..widgets.static import Step

    controls = {
        "forget_bias": w.FloatSlider(
            value=0.0,
            min=-4.0,
            max=6.0,
            step=0.5,
            description="forget bias",
            continuous_update=False,
        ),
        "T": w.IntSlider(
            value=100, min=10, max=300, step=10, description="length T", continuous_update=False
        ),
    }
    # On the website: every bias of the live widget, the length in steps of 30 (10 to 280).
    grid = {"T": Step(30, max=280)}
    alt = forget_bias_alt()
    return LiveWidget(controls, forget_bias_compute, ForgetBiasView(alt), static_grid=grid, alt=alt)


# -- the exercise ----------------------------------------------------------------------------


def check_forget_bias(answer, steps: int = 100, kept: float = 0.5) -> bool:
    """Chapter 6: the forget bias b with ``sigma(b) ** steps == kept`` (other weights zero).

    The carousel path alone: ``dL/dc_0 = prod f_t * dL/dc_steps`` with every ``f_t = sigma(b)``.
    Prints right or wrong and, when wrong, a hint (never the expected value).
    """
    f = kept ** (1.0 / steps)
    hint = (
        f"Solve sigma(b)^{steps} = {kept}: first find f = sigma(b), then invert the "
        "sigmoid, b = log(f / (1 - f))."
    )
    try:
        b = float(answer)
    except (TypeError, ValueError):
        b = None
    if b is not None and np.isfinite(b):  # say what the reader's bias keeps, and which way to go
        keeps = float(sigmoid(b)) ** steps
        way = "a larger bias" if keeps < kept else "a smaller bias"
        hint = (
            f"With b = {b:g} the carousel keeps {keeps:.3g} of the gradient after {steps} "
            f"steps; {way} is needed. " + hint
        )
    return judge(
        "forget bias",
        answer,
        np.log(f / (1.0 - f)),
        rtol=1e-3,
        atol=0.0,
        hint=hint,
        near={
            "f": (
                f,
                (
                    "That is the keep gate f itself; the question asks for "
                    "the bias b with sigma(b) = f."
                ),
            )
        },
    )
