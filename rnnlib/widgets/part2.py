"""Widgets of Part II: the gate playground and the forget-gate bias against gradient flow.

Thin wiring only: :mod:`rnnlib.experiments.part2` computes, :mod:`rnnlib.plots.part2` draws.
Each ``*_compute`` function is what a control change computes; tests drive the widgets
without a kernel by setting their controls' values.
"""

from __future__ import annotations

from ..experiments.part2 import gate_names, gate_trace, lstm_cell_grads_fast
from ..plots.part2 import ForgetBiasView, GateTraceView
from . import LiveWidget, row
from .static import Fixed, Step

PLAYGROUND_CELLS = ("prototype", "normalized", "gru", "pseudo", "lstm", "peephole")
ALL_GATES = ("i", "f", "o", "r", "z")


def playground_settings(cell: str, mode: str, i: float, f: float, o: float, r: float, z: float,
                        input_scale: float, weight_scale: float, T: int) -> dict:
    """Translate the controls into :func:`gate_trace` arguments (``mode``: "pinned"/"random")."""
    if mode not in ("pinned", "random"):
        raise ValueError(f"mode must be 'pinned' or 'random', got {mode!r}")
    values = {"i": i, "f": f, "o": o, "r": r, "z": z}
    fixed = {g: values[g] for g in gate_names(cell)} if mode == "pinned" else {}
    return {"cell_name": cell, "T": int(T), "n": 16, "weight_scale": weight_scale,
                "input_scale": input_scale, "fixed": fixed, "seed": 0, "batch": 4}


def playground_compute(cell="prototype", mode="pinned", i=1.0, f=1.0, o=1.0, r=0.5, z=0.5,
                       input_scale=1.0, weight_scale=1.0, T=150) -> dict:
    """What the gate playground plots for one setting of its controls."""
    return gate_trace(**playground_settings(cell, mode, i, f, o, r, z, input_scale,
                                            weight_scale, T))


def gate_playground() -> LiveWidget:
    """The gate playground: pick a cell, pin its gates or let random weights drive them."""
    import ipywidgets as w

    slider = {"min": 0.0, "max": 1.0, "step": 0.05, "continuous_update": False,
              "style": {"description_width": "initial"}, "readout_format": ".2f"}
    controls = {
        "cell": w.Dropdown(options=PLAYGROUND_CELLS, value="prototype", description="cell"),
        "mode": w.ToggleButtons(options=[("gates pinned by sliders", "pinned"),
                                         ("random weights drive the gates", "random")],
                                value="pinned", description="gates",
                                style={"button_width": "240px"}),
        "i": w.FloatSlider(value=1.0, description="i (write)", **slider),
        "f": w.FloatSlider(value=1.0, description="f (keep)", **slider),
        "o": w.FloatSlider(value=1.0, description="o (read)", **slider),
        "r": w.FloatSlider(value=0.5, description="r (GRU read)", **slider),
        "z": w.FloatSlider(value=0.5, description="z (GRU keep)", **slider),
        "input_scale": w.FloatSlider(value=1.0, min=0.0, max=5.0, step=0.25,
                                     description="input scale", continuous_update=False,
                                     style={"description_width": "initial"}),
        "weight_scale": w.FloatSlider(value=1.0, min=0.25, max=4.0, step=0.25,
                                      description="weight scale", continuous_update=False,
                                      style={"description_width": "initial"}),
        "T": w.IntSlider(value=150, min=100, max=400, step=50, description="steps",
                         continuous_update=False),
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
    layout = w.VBox([row(c["cell"], c["T"]), c["mode"], row(c["i"], c["f"], c["o"]),
                     row(c["r"], c["z"]), row(c["input_scale"], c["weight_scale"])])
    # On the website: every cell and mode; the keep gates (f; r and z of the GRU) in steps of
    # 0.25, the write and read gates (i, o) in steps of 0.5 (250 pinned runs); with random
    # weights, every weight scale (96 runs). The run's length and input scale stay at their
    # defaults.
    reason = "each other value would multiply the runs precomputed for this page"
    grid = {"i": Step(0.5), "f": Step(0.25), "o": Step(0.5), "r": Step(0.25),
            "z": Step(0.25), "T": Fixed(reason), "input_scale": Fixed(reason),
            "weight_scale": Step(0.25, when={"mode": "random"},
                                 reason="precomputed with random weights; pinned runs use 1")}
    return LiveWidget(controls, playground_compute, GateTraceView(), layout, static_grid=grid)


def forget_bias_compute(forget_bias=0.0, T=100) -> dict:
    """What the forget-bias widget plots: gradient norms over t for one bias and length."""
    data = lstm_cell_grads_fast(T=int(T), n=16, forget_bias=float(forget_bias), seed=0)
    return {**data, "forget_bias": float(forget_bias)}


def forget_bias_widget() -> LiveWidget:
    """Forget-gate bias and sequence length against ``||dL/dc_t||``."""
    import ipywidgets as w

    controls = {
        "forget_bias": w.FloatSlider(value=0.0, min=-4.0, max=6.0, step=0.5,
                                     description="forget bias", continuous_update=False),
        "T": w.IntSlider(value=100, min=10, max=300, step=10, description="length T",
                         continuous_update=False),
    }
    # On the website: every bias of the live widget, the length in steps of 30 (10 to 280).
    grid = {"T": Step(30, max=280)}
    return LiveWidget(controls, forget_bias_compute, ForgetBiasView(), static_grid=grid)
