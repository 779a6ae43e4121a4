"""Written memories and the gates that control them (chapter 4).

What it holds:

* message survival: a message stored in the state at step 0 against 100 steps of distracting
  inputs, in a vanilla RNN and in two written memories (:func:`message_survival`, its figure
  :func:`plot_message_survival`). The written memory updates ``s_t = s_{t-1} + i_t ⊙ φ(U x_t
  + b)``: the increment ignores ``s_{t-1}``, so ``∂s_t/∂s_{t-1} = I`` and the difference
  ``d_t = s_t - s'_t`` of two runs stays ``d_0``;
* reads against writes: one step of the prototype LSTM, ``s_t = f ⊙ s_{t-1} + i ⊙ φ(W (o ⊙
  s_{t-1}) + U x_t + b)`` with gates ``g = σ(W_g s_{t-1} + U_g x_t + b_g)``, with one read
  ``o_k`` or one write ``i_k`` switched off (:func:`read_write_asymmetry`, over many draws
  :func:`read_write_statistics`, its figure :func:`plot_read_write`). A read enters the
  candidate's weighted sum, so it moves every element a little; a write moves element k only;
* the checks of the chapter's exercises (:func:`gate_data`, :func:`check_write_gate`,
  :func:`check_prototype_step`): right, or not yet with a hint, never the expected value.

Every function is seeded through its arguments; plot functions return a described figure.
"""

from __future__ import annotations

import numpy as np

from ..autograd import sigmoid
from ..cells import Cell, GateProbe, make_cell
from ..unroll import bptt, run
from . import style
from .judge import judge

#: The three cells of the message-survival experiment, and their names in the figure.
SURVIVAL_CELLS = {
    "vanilla": "vanilla RNN",
    "written": "written memory (writes see only x)",
    "uncoordinated": "written, writes see the state",
}
# The two written memories are prototype LSTMs with pinned gates: the prototype's colour, the
# uncoordinated one dashed.
_SURVIVAL_STYLE = {
    "vanilla": {"color": style.cell_color("vanilla")},
    "written": {"color": style.cell_color("prototype")},
    "uncoordinated": {"color": style.cell_color("prototype"), "ls": "--"},
}
_FLOOR = 1e-20  # values drawn on a log axis are clipped here (the vanilla gradient reaches 1e-16)
_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def _number(value: float) -> str:
    """``value`` for a figure's description: 3 significant figures (``434``), or ``6.1 × 10⁻¹⁵``."""
    if value == 0 or 1e-3 <= abs(value) < 1e4:
        return f"{value:.3g}"
    mantissa, exponent = f"{value:.1e}".split("e")
    return f"{mantissa} × 10" + str(int(exponent)).translate(_SUPERSCRIPT)


# -- a message against distracting inputs -----------------------------------------------------


def message_survival(T: int = 100, n: int = 16, seed: int = 0) -> dict:
    """Does a message held in the state at step 0 survive T steps of distracting inputs?

    Two runs of the same cell differ only in their initial state (the "message" ``m`` against
    ``m'``); both then read the same random inputs. We track the difference of the two states,
    ``d_t = s_t - s'_t``: its norm relative to ``d_0`` (``ratio``) and its cosine with ``d_0``
    (``cosine``). A cell that keeps the message intact keeps ``d_t = d_0``. Also returns
    ``grad``, ``||dL/ds_t||`` for ``L = g . s_T`` with g a fixed random direction of norm 1, and
    ``norm``, ``||s_t||`` of the first run. Every entry has shape (T + 1,); ``t`` is 0..T.

    Cells, all with the same random weights (uniform init):

    * ``vanilla``: the state is rewritten at every step;
    * ``written``: the prototype LSTM with the keep gate set to 1 and the read gate to 0 and
      with write gates that look only at the input (``W_i = 0``), so
      ``s_t = s_{t-1} + i_t * phi(U x_t + b)``: the change never depends on the state;
    * ``uncoordinated``: the same keep gate of 1, but the write gate and the candidate read
      the state (``W_i``, ``W_o`` random), so what is written depends on what is there.

    Gates are set through the parameters (a bias of +-30 puts a sigmoid within 1e-13 of 0 or 1),
    so the same cells run under :func:`rnnlib.bptt`.
    """
    rng = np.random.default_rng(seed)
    xs = rng.normal(size=(T, 1, 4))
    message = rng.normal(size=(1, n)) * 0.5
    other = rng.normal(size=(1, n)) * 0.5
    g = rng.normal(size=(1, n))
    g /= np.linalg.norm(g)
    cells = {
        name: make_cell(
            "vanilla" if name == "vanilla" else "prototype", 4, n, np.random.default_rng(seed + 1)
        )
        for name in SURVIVAL_CELLS
    }
    for name in ("written", "uncoordinated"):
        p = cells[name].params
        p["W_f"][:], p["U_f"][:], p["b_f"][:] = 0.0, 0.0, 30.0  # keep everything: f = 1
        p["b_i"][:] = -1.0  # write about a quarter of each candidate
    p = cells["written"].params
    p["W_o"][:], p["U_o"][:], p["b_o"][:] = 0.0, 0.0, -30.0  # read nothing: o = 0
    p["W_i"][:] = 0.0
    out = {"t": np.arange(T + 1)}
    for name, cell in cells.items():
        a = run(cell, xs, state0=message).state_array()[:, 0]
        b = run(cell, xs, state0=other).state_array()[:, 0]
        d = _vanilla_difference(cell, a, b) if name == "vanilla" else a - b  # (T + 1, n)
        d0 = d[0]
        out[name] = {
            "ratio": np.linalg.norm(d, axis=1) / np.linalg.norm(d0),
            "cosine": d @ d0 / (np.linalg.norm(d, axis=1) * np.linalg.norm(d0) + 1e-300),
            "grad": bptt(
                cell, xs, lambda out, w, e: (out[-1] * g).sum(), state0=message
            ).state_grad_norms(),
            "norm": np.linalg.norm(a, axis=1),
        }
    return out


def _vanilla_difference(cell: Cell, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``d_t = a_t - b_t`` of two runs of a tanh vanilla RNN, without cancellation.

    ``a, b``: (T + 1, n) states of two runs on the same inputs. Subtracting them loses every
    digit once ``d_t`` falls to the rounding error of the states (about 1e-16 of their size).
    Instead use ``tanh(u) - tanh(v) = tanh(u - v) (1 - tanh(u) tanh(v))`` with
    ``u - v = W d_{t-1}`` (the inputs and the bias cancel exactly), so
    ``d_t = tanh(W d_{t-1}) * (1 - a_t * b_t)``: each factor is computed to full relative
    precision however small ``d`` gets.
    """
    if getattr(cell, "activation", None) != "tanh":
        raise ValueError(f"the exact difference needs a tanh vanilla RNN; got {cell!r}")
    d = np.empty_like(a)
    d[0] = a[0] - b[0]
    for t in range(1, len(a)):
        d[t] = np.tanh(d[t - 1] @ cell.params["W"].T) * (1.0 - a[t] * b[t])
    return d


def plot_message_survival(data: dict):
    """Three panels against t: size of the message difference, its direction, ||dL/ds_t||.

    ``data``: the dict of :func:`message_survival`. Returns the described figure.
    """
    names = [k for k in SURVIVAL_CELLS if k in data]
    fig, axes = style.figure(1, 3, figsize=(11, 3.4))
    t = data["t"]
    for name in names:
        kw = {**_SURVIVAL_STYLE[name], "label": SURVIVAL_CELLS[name]}
        axes[0].plot(t, np.maximum(data[name]["ratio"], _FLOOR), **kw)
        axes[1].plot(t, data[name]["cosine"], **kw)
        axes[2].plot(t, np.maximum(data[name]["grad"], _FLOOR), **kw)
    style.log_axis(axes[0], every=3)
    style.log_axis(axes[2], every=3)
    axes[0].set(xlabel="time step t", ylabel="||d_t|| / ||d_0||", title="size of the message")
    axes[1].set(
        xlabel="time step t",
        ylabel="cos(d_t, d_0)",
        title="direction of the message",
        ylim=(-1.05, 1.05),
    )
    axes[2].set(
        xlabel="time step t", ylabel="||dL/ds_t||", title="gradient of L = g·s_T reaching step t"
    )
    axes[0].legend()
    fig.suptitle("Only the pure written memory keeps the message (1.0 throughout)")
    T = int(t[-1])
    parts = []
    for name in names:
        r = data[name]
        parts.append(
            f"{SURVIVAL_CELLS[name]}: size {_number(r['ratio'][-1])}, "
            f"cosine {r['cosine'][-1]:+.2f}, gradient "
            f"{_number(r['grad'][0])}"
        )
    return style.describe(
        fig,
        (
            f"Three line plots against the time step t = 0..{T}, one line per cell: the size of "
            "the "
            "difference between two stored messages relative to its start (log scale), the cosine "
            "of that difference with its start, and the norm of the gradient of a loss at the last "
            f"step reaching step t (log scale). At t = {T} (gradient at t = 0): "
            + "; ".join(parts)
            + "."
        ),
    )


# -- reads against writes ---------------------------------------------------------------------


def _masking_probe(gate: str, unit: int):
    """A probe that switches off one element (``unit``) of one gate and leaves the rest alone."""

    def probe(name, value):
        if name == gate:
            value = np.array(value, dtype=np.float64)
            value[..., unit] = 0.0
        return value

    return probe


def read_write_asymmetry(n: int = 8, unit: int = 0, seed: int = 0) -> dict:
    """One step of the prototype LSTM, then the same step with one read or one write switched off.

    Returns the change of the new state ``s_t`` (shape (n,)) when ``o[unit] = 0`` (no read of
    that element, ``read_change``) and when ``i[unit] = 0`` (no write to it,
    ``write_change``), plus the state ``s_prev``, ``s`` (n,) and the gates (name -> (n,)).
    """
    if not 0 <= unit < n:
        raise ValueError(f"unit must be in [0, {n}); got {unit}")
    rng = np.random.default_rng(seed)
    cell = make_cell("prototype", 3, n, rng)
    for k in ("b_i", "b_f", "b_o", "b"):
        cell.params[k] = rng.normal(size=n) * 0.5
    s_prev = rng.normal(size=(1, n))
    x = rng.normal(size=(1, 3))
    record = GateProbe()
    base = cell.step(cell.params, s_prev, x, probe=record)
    no_read = cell.step(cell.params, s_prev, x, probe=_masking_probe("o", unit))
    no_write = cell.step(cell.params, s_prev, x, probe=_masking_probe("i", unit))
    return {
        "s_prev": s_prev[0],
        "s": base[0],
        "gates": {k: v[0][0] for k, v in record.values.items()},
        "read_change": (no_read - base)[0],
        "write_change": (no_write - base)[0],
        "unit": unit,
    }


def read_write_statistics(n: int = 8, draws: int = 500, seed: int = 0) -> dict:
    """:func:`read_write_asymmetry` over many random draws (cell, state, input, unit).

    Returns, for switching off one read and one write: the mean number of state elements that
    change (by more than 1e-12, ``changed``), the mean absolute change of a changed element
    (``size``) and the mean of the largest absolute change (``largest``); plus
    ``write_beats_read``, the fraction of draws in which the write's change is larger than the
    largest change the read makes.
    """
    rng = np.random.default_rng(seed)
    out = {k: {"changed": [], "size": [], "largest": []} for k in ("read", "write")}
    for _ in range(draws):
        r = read_write_asymmetry(n=n, unit=int(rng.integers(n)), seed=int(rng.integers(2**31)))
        for kind in ("read", "write"):
            d = np.abs(r[f"{kind}_change"])
            moved = d > 1e-12
            out[kind]["changed"].append(moved.sum())
            out[kind]["largest"].append(d.max())
            if moved.any():
                out[kind]["size"].append(d[moved].mean())
    stats = {
        k: {m: float(np.mean(v[m])) for m in ("changed", "size", "largest")} for k, v in out.items()
    }
    stats["write_beats_read"] = float(
        np.mean(np.array(out["write"]["largest"]) > np.array(out["read"]["largest"]))
    )
    return stats


def plot_read_write(data: dict, ax=None):
    """Bars: the change of each element of s_t when one read or one write is switched off.

    ``data``: the dict of :func:`read_write_asymmetry`. Returns the described figure.
    """
    fig, ax = style.new_figure(ax, figsize=(7, 3.2))
    n = len(data["s"])
    k = np.arange(n)
    unit = data["unit"]
    ax.bar(
        k - 0.2,
        data["read_change"],
        0.4,
        color=style.GATE_COLORS["o"],
        label=f"read of element {unit} off (o = 0)",
    )
    ax.bar(
        k + 0.2,
        data["write_change"],
        0.4,
        color=style.GATE_COLORS["i"],
        label=f"write to element {unit} off (i = 0)",
    )
    ax.axhline(0, color=style.BLACK, lw=0.6)
    ax.set(
        xlabel="element of the new state s_t",
        ylabel="change of s_t",
        title="A read moves every element of s_t; a write moves only its own",
    )
    ax.set_xticks(k)
    ax.legend()
    read, write = np.abs(data["read_change"]), np.abs(data["write_change"])
    return style.describe(
        fig,
        (
            f"Bar chart of the change of each of the {n} elements of the new state when the read "
            f"of element {unit} is switched off (purple) and when the write to it is switched off "
            f"(green). The read changes {int(np.sum(read > 1e-12))} elements, the largest by "
            f"{read.max():.3f}; the write changes {int(np.sum(write > 1e-12))}, element {unit}, "
            f"by {write.max():.3f}."
        ),
    )


# -- the exercises' checks --------------------------------------------------------------------


def gate_data() -> dict:
    """A small prototype LSTM (n=3, m=2): ``params``, a state ``s`` (1, 3) and an input ``x``
    (1, 2), with biases rounded to two decimals."""
    rng = np.random.default_rng(42)
    cell = make_cell("prototype", 2, 3, rng)
    for k in ("b_i", "b_f", "b_o", "b"):
        cell.params[k] = np.round(rng.normal(size=3), 2)
    return {"params": cell.params, "s": np.array([[0.5, -1.0, 2.0]]), "x": np.array([[1.0, -0.5]])}


def check_write_gate(answer) -> bool:
    """The write gate ``i`` (shape (1, 3)) for :func:`gate_data`.

    Prints right or wrong and, when wrong, a hint (never the expected value).
    """
    d = gate_data()
    p, s, x = d["params"], d["s"], d["x"]
    expected = sigmoid(s @ p["W_i"].T + x @ p["U_i"].T + p["b_i"])
    return judge(
        "write gate i",
        answer,
        expected,
        hint="i = sigma(W_i s + U_i x + b_i), one number per state element; with the "
        "state as a row, W_i s is s @ W_i.T.",
        near={
            "no bias": (
                sigmoid(s @ p["W_i"].T + x @ p["U_i"].T),
                "Close: the bias b_i is missing.",
            ),
            "not transposed": (
                sigmoid(s @ p["W_i"] + x @ p["U_i"].T + p["b_i"]),
                "W_i s for a row s is s @ W_i.T, not s @ W_i.",
            ),
            "no sigmoid": (
                s @ p["W_i"].T + x @ p["U_i"].T + p["b_i"],
                "A gate is squashed into (0, 1) by the sigmoid.",
            ),
            "keep gate": (
                sigmoid(s @ p["W_f"].T + x @ p["U_f"].T + p["b_f"]),
                "That is the keep gate f; the write gate uses W_i, U_i, b_i.",
            ),
        },
    )


def check_prototype_step(answer) -> bool:
    """The new state ``s_t`` (shape (1, 3)) of the prototype for :func:`gate_data`.

    Prints right or wrong and, when wrong, a hint (never the expected value).
    """
    d = gate_data()
    p, s, x = d["params"], d["s"], d["x"]
    cell = make_cell("prototype", 2, 3, np.random.default_rng(0))
    i, f, o = (sigmoid(s @ p[f"W_{g}"].T + x @ p[f"U_{g}"].T + p[f"b_{g}"]) for g in "ifo")
    return judge(
        "prototype s_t",
        answer,
        cell.step(p, s, x),
        hint="Compute i, f, o from s and x, the candidate tanh(W (o * s) + U x + b), "
        "then s_t = f * s + i * candidate.",
        near={
            "no read": (
                f * s + i * np.tanh(s @ p["W"].T + x @ p["U"].T + p["b"]),
                ("The candidate must see the state through the read gate: W (o * s), not W s."),
            ),
            "swapped": (
                i * s + f * np.tanh((o * s) @ p["W"].T + x @ p["U"].T + p["b"]),
                (
                    "The keep gate f multiplies the old state and the write "
                    "gate i the candidate, not the other way round."
                ),
            ),
        },
    )
