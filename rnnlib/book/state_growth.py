"""The prototype LSTM's unbounded state and the cells that bound it (chapter 5).

The prototype writes ``s_t = f_t ⊙ s_{t-1} + i_t ⊙ φ(W (o_t ⊙ s_{t-1}) + U x_t + b)``: with
``f = i = 1`` an element can grow by up to 1 a step, and since its gates read the raw state a
large state saturates them (a gate value below 0.01 or above 0.99,
``peephole_timing.SATURATION``). The normalized prototype, the GRU and the pseudo LSTM bound
the state, or what the gates see of it.

What it holds:

* gate traces: a cell run on random inputs with random weights, some gates optionally pinned
  (:func:`gate_trace`), and its table over cells and weight scales (:func:`boundedness_table`);
* the same over seeds, so that no single weight draw decides (:func:`boundedness_over_seeds`,
  figure :func:`plot_boundedness_seeds`), and the first training updates over seeds
  (:func:`early_training_over_seeds`, :func:`growth_summary`, figure
  :func:`plot_early_training`);
* the gate playground widget (:func:`gate_playground`: controls -> :func:`playground_compute`
  -> :class:`GateTraceView`);
* the checks of the chapter's exercises (:func:`gru_data`, :func:`check_gru_step`,
  :func:`check_max_state`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..autograd import sigmoid
from ..cells import CELLS, GateProbe, make_cell
from ..unroll import run
from ..widgets import LiveWidget, View, row, stable_limits
from ..widgets.static import Fixed, Step
from . import style
from .judge import judge
from .peephole_timing import saturated_fraction, train_timing

GROWTH_CELLS = ("prototype", "normalized", "gru", "pseudo", "lstm")


def gate_names(cell_name: str) -> tuple[str, ...]:
    """The gates a probe sees in this cell (``()`` for the vanilla RNN)."""
    if cell_name not in CELLS:
        raise ValueError(f"unknown cell {cell_name!r}; expected one of {sorted(CELLS)}")
    return CELLS[cell_name].gate_names


# -- gate traces ------------------------------------------------------------------------------


def gate_trace(
    cell_name: str,
    T: int = 150,
    n: int = 16,
    weight_scale: float = 1.0,
    input_scale: float = 1.0,
    fixed: dict[str, float] | None = None,
    seed: int = 0,
    batch: int = 1,
    n_in: int = 4,
) -> dict:
    """Run a cell with random weights on random inputs, optionally with some gates pinned.

    The weights are the cell's default (uniform) init times ``weight_scale``, the biases
    uniform in ``±weight_scale / 2``, the inputs N(0, input_scale²). Returns ``states``
    (T + 1, batch, n) (the cell state c for LSTMs), ``norms`` (T + 1,) the state norm
    averaged over the batch, ``saturated`` (T,) the fraction of the *computed* (unpinned) gate
    values below 0.01 or above 0.99 at each step (NaN if every gate is pinned or the cell has
    none), ``outputs`` (T, batch, n) and ``gates`` (name -> (T, batch, n)).
    """
    if T < 1 or n < 1:
        raise ValueError(f"need T >= 1 and n >= 1, got T={T}, n={n}")
    fixed = {k: float(v) for k, v in (fixed or {}).items()}
    unknown = set(fixed) - set(gate_names(cell_name))
    if unknown:
        raise ValueError(
            f"{style.cell_label(cell_name)} has gates {gate_names(cell_name)}; "
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
        saturated = saturated_fraction([gates[k] for k in free], per_step=True)  # (T,)
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


def boundedness_table(
    cells=GROWTH_CELLS,
    scales=(0.5, 1.0, 2.0, 4.0),
    T: int = 200,
    n: int = 32,
    batch: int = 8,
    seed: int = 0,
) -> dict:
    """State norm at step T and saturated-gate fraction over the last half, per cell and scale.

    Returns ``{"norm": (len(cells), len(scales)), "saturated": (...), "cells", "scales"}``.
    """
    norm = np.zeros((len(cells), len(scales)))
    sat = np.zeros_like(norm)
    for a, name in enumerate(cells):
        for b, scale in enumerate(scales):
            tr = gate_trace(name, T=T, n=n, weight_scale=scale, seed=seed, batch=batch)
            norm[a, b] = tr["norms"][-1]
            sat[a, b] = np.mean(tr["saturated"][T // 2 :])
    return {"norm": norm, "saturated": sat, "cells": tuple(cells), "scales": tuple(scales)}


# -- over seeds: random weights, and the first training updates -------------------------------


def _check_seeds(seeds: Sequence[int]) -> tuple[int, ...]:
    seeds = tuple(int(s) for s in seeds)
    if len(seeds) < 2 or len(set(seeds)) != len(seeds):
        raise ValueError(f"need at least 2 distinct seeds; got {seeds}")
    return seeds


def boundedness_over_seeds(
    cells: Sequence[str] = GROWTH_CELLS,
    scales: Sequence[float] = (0.5, 1.0, 2.0, 4.0),
    seeds: Sequence[int] = (0, 1, 2, 3, 4),
    T: int = 200,
    n: int = 32,
    batch: int = 8,
) -> dict:
    """:func:`boundedness_table` for each seed (a new weight draw).

    Returns ``{"norm": (S, C, K), "saturated": (S, C, K), "cells", "scales", "seeds"}`` with
    S seeds, C cells and K weight scales: the state norm at step T (mean over the batch) and
    the saturated fraction of the gates over the second half of the run.
    """
    seeds = _check_seeds(seeds)
    tables = [
        boundedness_table(cells=tuple(cells), scales=tuple(scales), T=T, n=n, batch=batch, seed=s)
        for s in seeds
    ]
    return {
        "norm": np.stack([t["norm"] for t in tables]),
        "saturated": np.stack([t["saturated"] for t in tables]),
        "cells": tuple(cells),
        "scales": tuple(scales),
        "seeds": seeds,
    }


def early_training_over_seeds(
    cells: Sequence[str] = GROWTH_CELLS,
    seeds: Sequence[int] = tuple(range(6)),
    steps: int = 25,
    n: int = 16,
    lr: float = 0.2,
) -> dict:
    """The first ``steps`` updates of :func:`rnnlib.book.peephole_timing.train_timing`, per seed.

    Each run trains one cell (``n`` units, a linear readout, Adam at learning rate ``lr``) on
    the pulse-timing task with ``record=True``. Returns arrays of shape (C, S, steps):
    ``norm`` (state norm at the last step of each batch, before the update), ``saturated``
    (fraction of gate values below 0.01 or above 0.99) and ``loss``; plus ``cells``, ``seeds``.
    """
    seeds = _check_seeds(seeds)
    if steps < 2:
        raise ValueError(f"need steps >= 2; got {steps}")
    runs = [
        [train_timing(c, seed=s, steps=steps, n=n, lr=lr, record=True) for s in seeds]
        for c in cells
    ]
    return {
        key: np.array([[r[key] for r in row] for row in runs])
        for key in ("norm", "saturated", "loss")
    } | {"cells": tuple(cells), "seeds": seeds}


def growth_summary(record: dict) -> dict:
    """Per cell, what :func:`early_training_over_seeds` says, as medians, ranges and counts.

    Returns, each of shape (C,): ``peak_median``, ``peak_min``, ``peak_max`` (largest state
    norm over the run), ``sat_median``, ``sat_min``, ``sat_max`` (saturated fraction averaged
    over the last ``tail`` recorded steps: one step alone is at the mercy of a single update),
    ``worse`` (seeds whose loss over the last ``tail`` steps is above their first loss) and
    ``n_seeds``, with ``tail`` = min(10, steps // 2).
    """
    peak = record["norm"].max(axis=2)  # (C, S)
    tail = min(10, record["norm"].shape[2] // 2)
    sat = record["saturated"][:, :, -tail:].mean(axis=2)
    loss = record["loss"]
    worse = np.sum(loss[:, :, -tail:].mean(axis=2) > loss[:, :, 0], axis=1)
    return {
        "peak_median": np.median(peak, axis=1),
        "peak_min": peak.min(axis=1),
        "peak_max": peak.max(axis=1),
        "sat_median": np.median(sat, axis=1),
        "sat_min": sat.min(axis=1),
        "sat_max": sat.max(axis=1),
        "worse": worse,
        "n_seeds": peak.shape[1],
        "tail": tail,
    }


def _two_figures(value: float) -> str:
    """``value`` to 2 significant figures, plainly: ``220``, ``3.6``."""
    return f"{float(f'{value:.2g}'):g}"


def plot_boundedness_seeds(table: dict):
    """State norm and saturated fraction against the weight scale: median and range of seeds.

    ``table``: the dict of :func:`boundedness_over_seeds`. The scales are drawn equally spaced
    (they double from one to the next). Returns the described figure.
    """
    fig, axes = style.figure(1, 2, figsize=(10, 3.6))
    scales, cells = table["scales"], table["cells"]
    pos = np.arange(len(scales), dtype=float)
    k = len(cells)
    for a, name in enumerate(cells):
        shift = pos + 0.06 * (a - (k - 1) / 2)  # spread the markers a little
        for ax, key in zip(axes, ("norm", "saturated")):
            v = table[key][:, a, :]  # (S, K)
            med = np.median(v, axis=0)
            ax.errorbar(
                shift,
                med,
                yerr=[med - v.min(axis=0), v.max(axis=0) - med],
                color=style.cell_color(name),
                marker="o",
                capsize=3,
                label=style.cell_label(name),
            )
    style.log_axis(axes[0])
    s = len(table["seeds"])
    axes[0].set(
        xlabel="weight scale (× the default init)",
        ylabel="||s_T||",
        title=f"state norm after the run ({s} seeds)",
    )
    axes[1].set(
        xlabel="weight scale (× the default init)",
        ylabel="fraction",
        title="saturated gates (second half of the run)",
        ylim=(-0.03, 1.03),
    )
    for ax in axes:
        ax.set_xticks(pos, [f"{x:g}" for x in scales])
    axes[0].legend()
    fig.suptitle(
        "Median over seeds, bars from the smallest to the largest seed: only the "
        "prototype's state runs away"
    )
    top = len(scales) - 1
    med_norm = np.median(table["norm"][:, :, top], axis=0)  # (C,)
    med_sat = np.median(table["saturated"][:, :, top], axis=0)
    at_top = "; ".join(
        f"{style.cell_label(c)} {_two_figures(med_norm[a])} ({med_sat[a]:.2f})"
        for a, c in enumerate(cells)
    )
    return style.describe(
        fig,
        (
            "Two panels against the weight scale ("
            + ", ".join(f"{x:g}" for x in scales)
            + " times the default initialization), one "
            f"colour per cell, median of {s} seeds with bars from the smallest to the largest: "
            "the state norm after the run (log scale) and the fraction of saturated gate values "
            f"in its second half. At scale {scales[top]:g} the median norm (saturated fraction) "
            f"is: {at_top}."
        ),
    )


def plot_early_training(record: dict):
    """State norm and saturated fraction over the first updates: median line, range band.

    ``record``: the dict of :func:`early_training_over_seeds`. Returns the described figure.
    """
    fig, axes = style.figure(1, 2, figsize=(10, 3.6))
    steps = np.arange(record["norm"].shape[2])
    for a, name in enumerate(record["cells"]):
        color = style.cell_color(name)
        for ax, key in zip(axes, ("norm", "saturated")):
            v = record[key][a]  # (S, steps)
            ax.fill_between(steps, v.min(axis=0), v.max(axis=0), color=color, alpha=0.12, lw=0)
            ax.plot(steps, np.median(v, axis=0), color=color, label=style.cell_label(name))
    style.log_axis(axes[0])
    s = len(record["seeds"])
    axes[0].set(
        xlabel="training step",
        ylabel="||s_T|| (last step of the batch)",
        title=f"state norm: median of {s} seeds, band = range",
    )
    axes[1].set(
        xlabel="training step",
        ylabel="fraction",
        ylim=(-0.03, 1.03),
        title="saturated gates: median and range",
    )
    axes[0].legend()
    fig.suptitle(
        "Early training: the prototype's state grows, and so do the pseudo and basic LSTMs'"
    )
    summary = growth_summary(record)
    peaks = "; ".join(
        f"{style.cell_label(c)} {summary['peak_median'][a]:.1f}"
        for a, c in enumerate(record["cells"])
    )
    return style.describe(
        fig,
        (
            f"Two line plots against the training step 0 to {len(steps) - 1}, one colour per cell, "
            f"the median of {s} seeds with a band from the smallest to the largest: the state norm "
            "at the last step of each batch (log scale) and the fraction of saturated gate values. "
            f"Median peak of the state norm: {peaks}."
        ),
    )


# -- the gate playground ----------------------------------------------------------------------

PLAYGROUND_CELLS = ("prototype", "normalized", "gru", "pseudo", "lstm", "peephole")
ALL_GATES = ("i", "f", "o", "r", "z")
PLAYGROUND_ALT = (
    "Four line plots against the time step t of the cell chosen with the controls: four units "
    "of its state, the state norm (mean over a batch of 4 runs), the fraction of the gates the "
    "cell computes (not pinned) that are below 0.01 or above 0.99, and the first four units of "
    "its output. With the default setting, the prototype LSTM with every gate pinned to 1, the "
    "state norm climbs steadily over the whole run."
)


class GateTraceView(View):
    """The gate playground's four panels: state units, state norm, saturated gates, output.

    ``update`` takes the dict of :func:`gate_trace`.
    """

    def __init__(self, units: int = 4):
        style.use_book_style()
        super().__init__(figsize=(10, 5.2), nrows=2, ncols=2, sharex=True)
        self.units = units
        (a, b), (c, d) = self.axes
        self.unit_lines = [self.dynamic(a.plot([], [], lw=1)[0]) for _ in range(units)]
        self.norm_line = self.dynamic(b.plot([], [])[0])
        self.saturated_line = self.dynamic(c.plot([], [], color=style.BLACK)[0])
        self.pinned_note = self.dynamic(
            c.text(
                0.5,
                0.5,
                "every gate is pinned:\nnothing to saturate",
                ha="center",
                va="center",
                transform=c.transAxes,
            )
        )
        self.output_lines = [self.dynamic(d.plot([], [], lw=1)[0]) for _ in range(units)]
        a.set(ylabel="state units")
        b.set(ylabel="||s_t||", title="state norm (mean over the batch)", ylim=(0, 1))
        c.set(
            xlabel="time step t",
            ylabel="fraction",
            ylim=(-0.03, 1.03),
            title="computed gates < 0.01 or > 0.99",
        )
        d.set(xlabel="time step t", ylabel="output units", title="output (first units)")
        style.describe(self.figure, PLAYGROUND_ALT)

    def update(self, trace: dict) -> None:
        (a, b), (_, d) = self.axes
        states, T = trace["states"][:, 0, : self.units], len(trace["saturated"])
        outputs = trace["outputs"][:, 0, : self.units]
        t, steps = np.arange(T + 1), np.arange(1, T + 1)
        for k, line in enumerate(self.unit_lines):
            line.set_data(t, states[:, k])
        a.set_title(f"{style.cell_label(trace['cell'])}: {self.units} units of the state")
        self.norm_line.set_data(t, trace["norms"])
        self.norm_line.set_color(style.cell_color(trace["cell"]))
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


def playground_settings(
    cell: str,
    mode: str,
    i: float,
    f: float,
    o: float,
    r: float,
    z: float,
    input_scale: float,
    weight_scale: float,
    T: int,
) -> dict:
    """Translate the controls into :func:`gate_trace` arguments (``mode``: "pinned"/"random")."""
    if mode not in ("pinned", "random"):
        raise ValueError(f"mode must be 'pinned' or 'random', got {mode!r}")
    values = {"i": i, "f": f, "o": o, "r": r, "z": z}
    fixed = {g: values[g] for g in gate_names(cell)} if mode == "pinned" else {}
    return {
        "cell_name": cell,
        "T": int(T),
        "n": 16,
        "weight_scale": weight_scale,
        "input_scale": input_scale,
        "fixed": fixed,
        "seed": 0,
        "batch": 4,
    }


def playground_compute(
    cell="prototype",
    mode="pinned",
    i=1.0,
    f=1.0,
    o=1.0,
    r=0.5,
    z=0.5,
    input_scale=1.0,
    weight_scale=1.0,
    T=150,
) -> dict:
    """What the gate playground plots for one setting of its controls."""
    return gate_trace(
        **playground_settings(cell, mode, i, f, o, r, z, input_scale, weight_scale, T)
    )


def gate_playground() -> LiveWidget:
    """The gate playground: pick a cell, pin its gates or let random weights drive them."""
    import ipywidgets as w

    slider = {
        "min": 0.0,
        "max": 1.0,
        "step": 0.05,
        "continuous_update": False,
        "style": {"description_width": "initial"},
        "readout_format": ".2f",
    }
    controls = {
        "cell": w.Dropdown(options=PLAYGROUND_CELLS, value="prototype", description="cell"),
        "mode": w.ToggleButtons(
            options=[
                ("gates pinned by sliders", "pinned"),
                ("random weights drive the gates", "random"),
            ],
            value="pinned",
            description="gates",
            style={"button_width": "240px"},
        ),
        "i": w.FloatSlider(value=1.0, description="i (write)", **slider),
        "f": w.FloatSlider(value=1.0, description="f (keep)", **slider),
        "o": w.FloatSlider(value=1.0, description="o (read)", **slider),
        "r": w.FloatSlider(value=0.5, description="r (GRU read)", **slider),
        "z": w.FloatSlider(value=0.5, description="z (GRU keep)", **slider),
        "input_scale": w.FloatSlider(
            value=1.0,
            min=0.0,
            max=5.0,
            step=0.25,
            description="input scale",
            continuous_update=False,
            style={"description_width": "initial"},
        ),
        "weight_scale": w.FloatSlider(
            value=1.0,
            min=0.25,
            max=4.0,
            step=0.25,
            description="weight scale",
            continuous_update=False,
            style={"description_width": "initial"},
        ),
        "T": w.IntSlider(
            value=150, min=100, max=400, step=50, description="steps", continuous_update=False
        ),
    }
    c = controls

    def enable_active_gates(_=None):
        """Only the sliders of the chosen cell's gates, in pinned mode, change anything."""
        active = set(gate_names(c["cell"].value)) if c["mode"].value == "pinned" else set()
        for gate in ALL_GATES:
            c[gate].disabled = gate not in active

    c["cell"].observe(enable_active_gates, names="value")
    c["mode"].observe(enable_active_gates, names="value")
    enable_active_gates()
    layout = w.VBox(
        [
            row(c["cell"], c["T"]),
            c["mode"],
            row(c["i"], c["f"], c["o"]),
            row(c["r"], c["z"]),
            row(c["input_scale"], c["weight_scale"]),
        ]
    )
    # On the website: every cell and mode; the keep gates (f; r and z of the GRU) in steps of
    # 0.25, the write and read gates (i, o) in steps of 0.5 (250 pinned runs); with random
    # weights, every weight scale (96 runs). The run's length and input scale stay at their
    # defaults.
    reason = "each other value would multiply the runs precomputed for this page"
    grid = {
        "i": Step(0.5),
        "f": Step(0.25),
        "o": Step(0.5),
        "r": Step(0.25),
        "z": Step(0.25),
        "T": Fixed(reason),
        "input_scale": Fixed(reason),
        "weight_scale": Step(
            0.25,
            when={"mode": "random"},
            reason="precomputed with random weights; pinned runs use 1",
        ),
    }
    return LiveWidget(
        controls, playground_compute, GateTraceView(), layout, static_grid=grid, alt=PLAYGROUND_ALT
    )


# -- the exercises' checks --------------------------------------------------------------------


def gru_data() -> dict:
    """A GRU (tutorial form, n=3, m=2): ``params``, a state ``s`` (1, 3) and an input ``x``
    (1, 2), with biases rounded to two decimals."""
    rng = np.random.default_rng(7)
    cell = make_cell("gru", 2, 3, rng)
    for k in ("b_r", "b_z", "b"):
        cell.params[k] = np.round(rng.normal(size=3), 2)
    return {"params": cell.params, "s": np.array([[0.3, -0.8, 0.9]]), "x": np.array([[-1.0, 2.0]])}


def check_gru_step(answer) -> bool:
    """The GRU's new state (shape (1, 3)) for :func:`gru_data`.

    Prints right or wrong and, when wrong, a hint (never the expected value).
    """
    d = gru_data()
    p, s, x = d["params"], d["s"], d["x"]
    cell = make_cell("gru", 2, 3, np.random.default_rng(0))
    r = sigmoid(s @ p["W_r"].T + x @ p["U_r"].T + p["b_r"])
    z = sigmoid(s @ p["W_z"].T + x @ p["U_z"].T + p["b_z"])
    cand = np.tanh((r * s) @ p["W"].T + x @ p["U"].T + p["b"])
    return judge(
        "GRU s_t",
        answer,
        cell.step(p, s, x),
        hint="Compute r and z, the candidate tanh(W (r * s) + U x + b), then "
        "s_t = z * s + (1 - z) * candidate (eq-gru-state).",
        near={
            "swapped z": (
                (1 - z) * s + z * cand,
                (
                    "In this book's GRU z weighs the old state and 1 - z "
                    "the candidate; you swapped them."
                ),
            ),
            "no reset": (
                z * s + (1 - z) * np.tanh(s @ p["W"].T + x @ p["U"].T + p["b"]),
                "The candidate must see the state through r: W (r * s).",
            ),
        },
    )


def check_max_state(answer, T: int = 50) -> bool:
    """The largest |s_T| one element of the prototype can reach after T steps from 0.

    Prints right or wrong and, when wrong, a hint (never the expected value).
    """
    return judge(
        f"largest |s_{T}|",
        answer,
        float(T),
        hint="Bound one step: how much can f * s_{t-1} keep, and how large can "
        "i * candidate be, when every gate is in (0, 1) and the candidate is a tanh?",
        near={"GRU": (1.0, ("That is the GRU's bound; the prototype adds instead of averaging."))},
    )
