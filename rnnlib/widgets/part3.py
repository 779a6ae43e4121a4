"""Widgets of Part III: depth and gate bias against gradient norm; an NTM episode step by step.

Each widget is thin: a pure ``*_view`` function computes, a view of :mod:`rnnlib.plots.part3`
draws, and :class:`rnnlib.widgets.LiveWidget` wires the controls to them.
"""

from __future__ import annotations

import numpy as np

from ..experiments.part3 import depth_gradients
from ..plots.part3 import GradientNormFigure, NTMStepFigure, plot_gradient_norms
from . import LiveWidget, row
from .static import Step


def depth_view(depth: int = 100, gate_bias: float = -2.0, init_scale: float = 0.8) -> dict[str, np.ndarray]:
    """Gradient norm per layer for a plain, a residual and a highway stack (carry bias ``gate_bias``)."""
    curves = depth_gradients(depth, gate_biases=(gate_bias,), init_scale=init_scale)
    return curves


def depth_compute(depth: int = 100, gate_bias: float = -2.0, init_scale: float = 0.8) -> dict:
    """What the depth widget draws: the curves of :func:`depth_view` and a caption."""
    return {"curves": depth_view(depth, gate_bias, init_scale),
            "caption": f"depth {depth}, b_T {gate_bias:g}, scale {init_scale:g}"}


def draw_depth(depth: int = 100, gate_bias: float = -2.0, init_scale: float = 0.8):
    """The widget's figure: :func:`depth_view` drawn by :func:`plot_gradient_norms`."""
    return plot_gradient_norms(
        depth_view(depth, gate_bias, init_scale),
        title=f"{depth} layers, weight scale {init_scale:g}, carry-gate bias {gate_bias:g}",
    )


def depth_widget(depth: int = 100, gate_bias: float = -2.0, init_scale: float = 0.8) -> LiveWidget:
    """Sliders for depth, carry-gate bias and weight scale; the gradient norm per layer."""
    import ipywidgets as w

    style = {"description_width": "initial"}
    controls = {
        "depth": w.IntSlider(value=depth, min=10, max=200, step=10, description="depth",
                             style=style),
        "gate_bias": w.FloatSlider(value=gate_bias, min=-8.0, max=4.0, step=0.5,
                                   description="carry bias b_T", style=style),
        "init_scale": w.FloatSlider(value=init_scale, min=0.4, max=1.6, step=0.1,
                                    description="weight scale", style=style),
    }
    # On the website: depth 50, 100, 150 or 200, b_T in whole numbers, every weight scale.
    grid = {"depth": Step(50, min=50), "gate_bias": Step(1.0)}
    return LiveWidget(controls, depth_compute, GradientNormFigure(max_depth=200),
                      w.VBox(list(controls.values())), static_grid=grid)


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


def ntm_step_widget(batch, episode, index: int = 0) -> LiveWidget:
    """A slider (and a play button) over the time steps of a recorded NTM episode; the picture
    shows memory, write and read weightings, and the bits at that step (chapter 9)."""
    import ipywidgets as w

    T = episode.w_read.shape[0]
    limit = max(1e-6, float(np.abs(episode.memory[:, index]).max()))  # one colour scale for all t
    _, n_rows, width = episode.memory[:, index].shape
    slider = w.IntSlider(value=0, min=0, max=T - 1, description="time step t")
    play = w.Play(value=0, min=0, max=T - 1, interval=700, description="play")
    w.jslink((play, "value"), (slider, "value"))

    def compute(t: int) -> dict:
        return ntm_step_view(batch, episode, t, index)

    view = NTMStepFigure(n_rows, width, batch.targets.shape[-1], limit)
    # On the website: every step of the episode (the play button animates them).
    return LiveWidget({"t": slider}, compute, view, row(play, slider), static_grid={})
