"""Experiments of Part II (written memories, gates, the prototype, the LSTM family) as pure functions.

Every function is seeded through its arguments and returns plain arrays or small dicts; the plots
in :mod:`rnnlib.plots.part2` draw them and the widgets in :mod:`rnnlib.widgets.part2` wire them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..cells import Cell, GateProbe, make_cell
from ..unroll import as_tuple, bptt, run

#: The cells of Part II, in the order the book introduces them.
PART2_CELLS = ("prototype", "normalized", "gru", "pseudo", "lstm", "peephole")
LABELS = {
    "vanilla": "vanilla RNN",
    "prototype": "prototype LSTM",
    "normalized": "normalized prototype",
    "gru": "GRU",
    "pseudo": "pseudo LSTM",
    "lstm": "basic LSTM",
    "peephole": "peephole LSTM",
}
#: The gate that decides how much of the old state is kept ("remember" gate): z for the GRU.
KEEP_GATE = {"prototype": "f", "normalized": "f", "pseudo": "f", "lstm": "f", "peephole": "f",
             "gru": "z"}
SATURATION = 0.01  # a gate value below 0.01 or above 0.99 counts as saturated


def gate_names(cell_name: str) -> tuple[str, ...]:
    """The gates a probe sees in this cell (``()`` for the vanilla RNN)."""
    from ..cells import CELLS

    if cell_name not in CELLS:
        raise ValueError(f"unknown cell {cell_name!r}; expected one of {sorted(CELLS)}")
    return CELLS[cell_name].gate_names


def saturated_fraction(gates: list[np.ndarray], eps: float = SATURATION) -> float:
    """Fraction of gate values below ``eps`` or above ``1 - eps``; NaN when there is none."""
    if not gates:
        return float("nan")
    values = np.concatenate([np.ravel(g) for g in gates])
    return float(np.mean((values < eps) | (values > 1.0 - eps)))


# -- item 9: written memories ---------------------------------------------------------------


def message_survival(T: int = 100, n: int = 16, seed: int = 0) -> dict:
    """Does a message held in the state at step 0 survive T steps of distracting inputs?

    Two runs of the same cell differ only in their initial state (the "message" ``m`` against
    ``m'``); both then read the same random inputs. We track the difference of the two states,
    ``d_t = s_t - s'_t``: its norm relative to ``d_0`` (``ratio``) and its cosine with ``d_0``
    (``cosine``). A cell that keeps the message intact keeps ``d_t = d_0``. Also returns
    ``grad``, ``||dL/ds_t||`` for ``L = g . s_T`` with g a fixed random direction of norm 1.

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
    cells = {name: make_cell("vanilla" if name == "vanilla" else "prototype", 4, n,
                             np.random.default_rng(seed + 1))
             for name in ("vanilla", "written", "uncoordinated")}
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
            "grad": bptt(cell, xs, lambda out, w, e: (out[-1] * g).sum(),
                         state0=message).state_grad_norms(),
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


# -- item 10: selectivity, reads against writes ---------------------------------------------


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
    that element) and when ``i[unit] = 0`` (no write to it), plus the state and gates used.
    """
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
    stats = {k: {m: float(np.mean(v[m])) for m in ("changed", "size", "largest")}
             for k, v in out.items()}
    stats["write_beats_read"] = float(np.mean(np.array(out["write"]["largest"])
                                              > np.array(out["read"]["largest"])))
    return stats


# -- items 12-13: the prototype's failure, the bounded models ------------------------------


def gate_trace(cell_name: str, T: int = 150, n: int = 16, weight_scale: float = 1.0,
               input_scale: float = 1.0, fixed: dict[str, float] | None = None, seed: int = 0,
               batch: int = 1, n_in: int = 4) -> dict:
    """Run a cell with random weights on random inputs, optionally with some gates pinned.

    Returns ``states`` (T + 1, batch, n) (the cell state c for LSTMs), ``norms`` (T + 1,) the
    state norm averaged over the batch, ``saturated`` (T,) the fraction of the *computed*
    (unpinned) gate values below 0.01 or above 0.99 at each step (NaN if every gate is pinned or
    the cell has none), ``outputs`` (T, batch, n) and ``gates`` (name -> (T, batch, n)).
    """
    if T < 1 or n < 1:
        raise ValueError(f"need T >= 1 and n >= 1, got T={T}, n={n}")
    fixed = {k: float(v) for k, v in (fixed or {}).items()}
    unknown = set(fixed) - set(gate_names(cell_name))
    if unknown:
        raise ValueError(
            f"{LABELS.get(cell_name, cell_name)} has gates {gate_names(cell_name)}; "
            f"cannot pin {sorted(unknown)}"
        )
    rng = np.random.default_rng(seed)
    cell = make_cell(cell_name, n_in, n, rng, init_scale=weight_scale)
    for k, v in cell.params.items():  # random biases too, at the same scale
        if k.startswith("b"):
            cell.params[k] = rng.uniform(-1, 1, size=v.shape) * weight_scale * 0.5
    xs = rng.normal(size=(T, batch, n_in)) * input_scale
    probe = GateProbe(fixed=fixed)
    traj = run(cell, xs, probe=probe)
    states = traj.state_array(0)
    free = [k for k in gate_names(cell_name) if k not in fixed]
    gates = {k: probe.stacked(k) for k in gate_names(cell_name)}
    if free:
        stacked = np.concatenate([gates[k] for k in free], axis=-1)  # (T, batch, n * len(free))
        saturated = np.mean((stacked < SATURATION) | (stacked > 1 - SATURATION), axis=(1, 2))
    else:
        saturated = np.full(T, np.nan)
    return {
        "cell": cell_name,
        "states": states,
        "norms": np.linalg.norm(states, axis=-1).mean(axis=1),
        "saturated": saturated,
        "outputs": traj.outputs,
        "gates": gates,
    }


def boundedness_table(cells=("prototype", "normalized", "gru", "pseudo", "lstm"),
                      scales=(0.5, 1.0, 2.0, 4.0), T: int = 200, n: int = 32, batch: int = 8,
                      seed: int = 0) -> dict:
    """State norm at step T and saturated-gate fraction over the last half, per cell and scale.

    Returns ``{"norm": (len(cells), len(scales)), "saturated": (...), "cells", "scales"}``.
    """
    norm = np.zeros((len(cells), len(scales)))
    sat = np.zeros_like(norm)
    for a, name in enumerate(cells):
        for b, scale in enumerate(scales):
            tr = gate_trace(name, T=T, n=n, weight_scale=scale, seed=seed, batch=batch)
            norm[a, b] = tr["norms"][-1]
            sat[a, b] = np.mean(tr["saturated"][T // 2:])
    return {"norm": norm, "saturated": sat, "cells": tuple(cells), "scales": tuple(scales)}


# -- item 14: the shadow state and the outdated read ---------------------------------------


def shadow_state_demo(T: int = 6, n: int = 4, seed: int = 0) -> dict:
    """Run a basic LSTM a few steps; return c, h, o and ``o * tanh(c)`` to show h is c, read.

    Also runs the same steps with the input at the last step changed, to show that the read
    gate that produced ``h_{T-1}`` (the h the next step's candidate sees) never saw ``x_T``.
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
        "c": c, "h": h, "o": o, "xs": xs[:, 0],
        "o_changed_input": probe2.stacked("o")[:, 0],
        "h_changed_input": traj2.state_array(1)[:, 0],
        "c_changed_input": traj2.state_array(0)[:, 0],
    }


# -- gradient flow through the cell state --------------------------------------------------


def state_grad_norms(cell_name: str, T: int = 100, n: int = 16, keep_bias: float = 0.0,
                     seed: int = 0, batch: int = 4) -> np.ndarray:
    """``||dL/ds_t||`` for t = 0..T, with ``L = v . output_T`` (v random, fixed by the seed).

    ``keep_bias`` is added to the bias of the keep gate (``b_f``; ``b_z`` for the GRU), with
    the rest of the weights random (uniform init). For the LSTMs s is the cell state c.
    Uses rnnlib's autodiff (:func:`rnnlib.bptt`).
    """
    rng = np.random.default_rng(seed)
    cell = make_cell(cell_name, 4, n, rng)
    if cell_name in KEEP_GATE:
        cell.params["b_" + KEEP_GATE[cell_name]][:] = keep_bias
    xs = rng.normal(size=(T, batch, 4))
    v = rng.normal(size=(batch, n))
    res = bptt(cell, xs, lambda out, w, e: (out[-1] * v).sum())
    return res.state_grad_norms(0)


def lstm_cell_grads_fast(T: int = 100, n: int = 16, forget_bias: float = 0.0, seed: int = 0,
                         batch: int = 4) -> dict:
    """``||dL/dc_t||`` for a basic LSTM and ``||dL/ds_t||`` for a vanilla RNN, fast.

    The same quantity as :func:`state_grad_norms` (``"lstm"`` with ``keep_bias=forget_bias``,
    and ``"vanilla"``), computed by a hand-written reverse pass on plain arrays so that a widget
    can redraw in milliseconds. ``tests/test_part2.py`` checks it against :func:`rnnlib.bptt`.
    The LSTM part is :func:`rnnlib.experiments.lstm_gradient_flow.lstm_gradient_paths`.
    Returns ``{"t": (T+1,), "lstm": (T+1,), "carousel": (T+1,), "vanilla": (T+1,)}``, where
    ``"carousel"`` is the diag(f)-only prediction ``||prod_{k>t} f_k * dL/dc_T||`` on the
    same run (the constant error carousel alone, without the paths through ``h``).
    """
    from .lstm_gradient_flow import lstm_gradient_paths

    paths = lstm_gradient_paths(T, n, forget_bias, seed, batch)
    lstm, carousel = paths["full"], paths["carousel"]
    # the vanilla RNN with the same seed, as state_grad_norms("vanilla", ...) builds it
    rng = np.random.default_rng(seed)
    van = make_cell("vanilla", 4, n, rng)
    xs = rng.normal(size=(T, batch, 4))
    g = rng.normal(size=(batch, n))
    W, U, b = van.params["W"], van.params["U"], van.params["b"]
    s = van.initial_state(batch)
    outs = []
    for x in xs:
        s = np.tanh(s @ W.T + x @ U.T + b)
        outs.append(s)
    ds = g.copy()
    vanilla = np.zeros(T + 1)
    vanilla[T] = np.linalg.norm(ds)
    for t in range(T - 1, -1, -1):
        ds = (ds * (1 - outs[t] ** 2)) @ W
        vanilla[t] = np.linalg.norm(ds)
    return {"t": np.arange(T + 1), "lstm": lstm, "carousel": carousel, "vanilla": vanilla}


# -- item 15: a timing task for peepholes --------------------------------------------------


@dataclass
class PulseTiming:
    """Emit a pulse exactly ``delay`` steps after a cue.

    Input (1 feature): 1 at the cue step (random, in ``[0, length - delay - 1]``), else 0.
    Target (one value per step): 1 at ``cue + delay``, 0 elsewhere. The network has nothing in
    its input to mark the moment: it must count the steps itself.
    """

    length: int = 20
    delay: int = 8
    n_in: int = 1
    n_out: int = 1

    def __post_init__(self):
        if not 1 <= self.delay < self.length:
            raise ValueError(f"delay must be in [1, length); got delay={self.delay}, "
                             f"length={self.length}")

    def sample(self, rng: np.random.Generator, batch: int):
        """``(xs (T, B, 1), targets (T, B, 1), cues (B,))``."""
        cues = rng.integers(0, self.length - self.delay, size=batch)
        xs = np.zeros((self.length, batch, 1))
        ys = np.zeros((self.length, batch, 1))
        xs[cues, np.arange(batch), 0] = 1.0
        ys[cues + self.delay, np.arange(batch), 0] = 1.0
        return xs, ys, cues


def _adam_step(params, grads, state, lr, t, b1=0.9, b2=0.999, eps=1e-8):
    for k, g in grads.items():
        m, v = state.setdefault(k, (np.zeros_like(g), np.zeros_like(g)))
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        state[k] = (m, v)
        params[k] -= lr * (m / (1 - b1 ** t)) / (np.sqrt(v / (1 - b2 ** t)) + eps)


def train_timing(cell_name: str, seed: int, steps: int = 100, n: int = 8, batch: int = 32,
                 lr: float = 0.05, task: PulseTiming | None = None, eval_batch: int = 256,
                 keep_bias: float = 1.0, record: bool = False) -> dict:
    """Train a cell plus a linear readout on :class:`PulseTiming` with Adam; return the record.

    Loss: squared error of the readout at every step, the pulse step weighted as much as all
    the others together (otherwise predicting 0 everywhere is nearly perfect). The keep gate's
    bias starts at ``keep_bias`` (a common choice: start by remembering). After training, on
    fresh sequences, the predicted pulse is the step with the largest output; we report the
    fraction hit exactly (``hit``) and the mean absolute timing error in steps (``error``).
    With ``record=True`` also ``norm`` (steps,): the state norm at the last step of each
    training batch (mean over the batch, before the update), and ``saturated`` (steps,): the
    fraction of its gate values below 0.01 or above 0.99.
    """
    from ..losses import readout

    task = task or PulseTiming()
    rng = np.random.default_rng(seed)
    cell: Cell = make_cell(cell_name, task.n_in, n, rng)
    if cell_name in KEEP_GATE:
        cell.params["b_" + KEEP_GATE[cell_name]][:] = keep_bias
    extra = {"V": rng.normal(size=(1, n)) / np.sqrt(n), "c": np.zeros(1)}
    adam: dict = {}
    losses, norms, saturated = np.zeros(steps), np.zeros(steps), np.zeros(steps)
    for step in range(steps):
        xs, ys, _ = task.sample(rng, batch)
        weight = np.where(ys > 0, task.length - 1.0, 1.0) / (2.0 * (task.length - 1.0))

        def loss_fn(out, window, e, ys=ys, weight=weight):
            diff = readout(out, e["V"], e["c"]) - ys[window]
            return (diff * diff * weight[window]).sum() * (1.0 / ys.shape[1])

        if record:
            probe = GateProbe()
            traj = run(cell, xs, probe=probe)
            norms[step] = state_norm_of(cell_name, traj.states[-1])
            saturated[step] = saturated_fraction(
                [probe.stacked(k) for k in gate_names(cell_name)])
        res = bptt(cell, xs, loss_fn, extra_params=extra)
        losses[step] = res.loss
        _adam_step({**cell.params, **extra}, res.grads, adam, lr, step + 1)
    xs, ys, cues = task.sample(np.random.default_rng(10_000 + seed), eval_batch)
    pred = run(cell, xs).outputs @ extra["V"].T + extra["c"]  # (T, B, 1)
    when = np.argmax(pred[:, :, 0], axis=0)
    target = cues + task.delay
    out = {"loss": losses, "hit": float(np.mean(when == target)),
           "error": float(np.mean(np.abs(when - target))), "pred": pred[:, :4, 0],
           "target": ys[:, :4, 0]}
    if record:
        out.update(norm=norms, saturated=saturated)
    return out


def peephole_comparison(seeds=(0, 1, 2, 3), steps: int = 100, **kw) -> dict:
    """:func:`train_timing` for the basic and the peephole LSTM over several seeds."""
    out = {}
    for name in ("lstm", "peephole"):
        runs = [train_timing(name, s, steps=steps, **kw) for s in seeds]
        out[name] = {"hit": np.array([r["hit"] for r in runs]),
                     "error": np.array([r["error"] for r in runs]),
                     "loss": np.stack([r["loss"] for r in runs]), "runs": runs}
    out["seeds"] = tuple(seeds)
    return out


def state_norm_of(cell_name: str, state) -> float:
    """Norm of the first state vector (s, or c for LSTMs), averaged over the batch."""
    return float(np.linalg.norm(as_tuple(state)[0], axis=-1).mean())
