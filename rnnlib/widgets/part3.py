"""Widgets of Part III: depth and gate bias against gradient norm; an NTM episode step by step.

Each widget is thin: a pure ``*_view`` function computes, a plot function of
:mod:`rnnlib.plots.part3` draws, and ``ipywidgets.interactive_output`` wires them.
"""

from __future__ import annotations

import numpy as np

from ..experiments.part3 import depth_gradients
from ..plots.part3 import plot_gradient_norms, plot_ntm_step


def depth_view(depth: int = 100, gate_bias: float = -2.0, init_scale: float = 0.8) -> dict[str, np.ndarray]:
    """Gradient norm per layer for a plain, a residual and a highway stack (carry bias ``gate_bias``)."""
    curves = depth_gradients(depth, gate_biases=(gate_bias,), init_scale=init_scale)
    return curves


def draw_depth(depth: int = 100, gate_bias: float = -2.0, init_scale: float = 0.8):
    """The widget's figure: :func:`depth_view` drawn by :func:`plot_gradient_norms`."""
    return plot_gradient_norms(
        depth_view(depth, gate_bias, init_scale),
        title=f"{depth} layers, weight scale {init_scale:g}, carry-gate bias {gate_bias:g}",
    )


def depth_widget():
    """Sliders for depth, carry-gate bias and weight scale; the plot of gradient norm per layer."""
    import ipywidgets as w
    import matplotlib.pyplot as plt

    controls = {
        "depth": w.IntSlider(value=100, min=10, max=200, step=10, description="depth",
                             continuous_update=False),
        "gate_bias": w.FloatSlider(value=-2.0, min=-8.0, max=4.0, step=0.5,
                                   description="carry bias b_T", continuous_update=False),
        "init_scale": w.FloatSlider(value=0.8, min=0.4, max=1.6, step=0.1,
                                    description="weight scale", continuous_update=False),
    }

    def show(depth, gate_bias, init_scale):
        draw_depth(depth, gate_bias, init_scale)
        plt.show()

    out = w.interactive_output(show, controls)
    return w.VBox([w.HBox(list(controls.values())), out])


def ntm_step_view(batch, episode, t: int, index: int = 0) -> dict:
    """What the machine holds and does at step ``t`` of a recorded episode (sequence ``index``)."""
    T = episode.w_read.shape[0]
    if not 0 <= t < T:
        raise ValueError(f"t must lie in [0, {T - 1}], got {t}")
    L = batch.length
    phase = "reading the input" if t < L else ("delimiter" if t == L else "writing the copy out")
    return {
        "t": t,
        "phase": phase,
        "memory": episode.memory[t + 1, index],      # after this step's write
        "w_write": episode.w_write[t, index],
        "w_read": episode.w_read[t, index],
        "x": batch.xs[t, index],
        "output": 1.0 / (1.0 + np.exp(-episode.logits[t, index])),
        "target": batch.targets[t, index],
    }


def ntm_step_widget(batch, episode, index: int = 0):
    """A slider over time steps: memory, write and read weightings, input and output at t."""
    import ipywidgets as w
    import matplotlib.pyplot as plt

    T = episode.w_read.shape[0]
    slider = w.IntSlider(value=0, min=0, max=T - 1, description="time step t")
    play = w.Play(value=0, min=0, max=T - 1, interval=700, description="play")
    w.jslink((play, "value"), (slider, "value"))

    def show(t):
        plot_ntm_step(ntm_step_view(batch, episode, t, index))
        plt.show()

    out = w.interactive_output(show, {"t": slider})
    return w.VBox([w.HBox([play, slider]), out])
