"""Widgets of Part III: depth and gate bias against gradient norm; an NTM episode step by step.

Each widget is thin: a pure ``*_view`` function computes, a figure of :mod:`rnnlib.plots.part3`
draws, and a small class wires sliders to them.
"""

from __future__ import annotations

import numpy as np

from ..experiments.part3 import depth_gradients
from ..plots.part3 import GradientNormFigure, NTMStepFigure, plot_gradient_norms


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


class DepthExplorer:
    """Sliders for depth, carry-gate bias and weight scale, and the picture of gradient norm per layer.

    Wiring: each slider move calls :func:`depth_view` (the numbers, from rnnlib) and
    :meth:`GradientNormFigure.update` (the picture); the PNG goes to an ``ipywidgets.Image``.
    (An ``Image`` updated in place instead of ``interactive_output``: re-creating a figure per move
    costs several hundred milliseconds here, an in-place update a few.)
    """

    def __init__(self, depth: int = 100, gate_bias: float = -2.0, init_scale: float = 0.8):
        import ipywidgets as w

        style = {"description_width": "initial"}
        self.controls = {
            "depth": w.IntSlider(value=depth, min=10, max=200, step=10, description="depth",
                                 style=style),
            "gate_bias": w.FloatSlider(value=gate_bias, min=-8.0, max=4.0, step=0.5,
                                       description="carry bias b_T", style=style),
            "init_scale": w.FloatSlider(value=init_scale, min=0.4, max=1.6, step=0.1,
                                        description="weight scale", style=style),
        }
        self.figure = GradientNormFigure(max_depth=200)
        self.image = w.Image(format="png")
        self.curves: dict[str, np.ndarray] = {}
        for control in self.controls.values():
            control.observe(self.update, names="value")
        self.update()
        self.widget = w.VBox([*self.controls.values(), self.image])

    def update(self, _change=None) -> None:
        depth, bias, scale = (c.value for c in self.controls.values())
        self.curves = depth_view(depth, bias, scale)
        self.figure.update(self.curves, f"depth {depth}, b_T {bias:g}, scale {scale:g}")
        self.image.value = self.figure.png()

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)


def depth_widget() -> DepthExplorer:
    """The depth widget of chapter 8 (display it as a cell's value)."""
    return DepthExplorer()


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


class EpisodeExplorer:
    """A slider (and a play button) over the time steps of a recorded NTM episode; the picture
    shows memory, write and read weightings, and the bits at that step."""

    def __init__(self, batch, episode, index: int = 0):
        import ipywidgets as w

        self.batch, self.episode, self.index = batch, episode, index
        T = episode.w_read.shape[0]
        limit = max(1e-6, float(np.abs(episode.memory[:, index]).max()))  # one colour scale for all t
        _, n_rows, width = episode.memory[:, index].shape
        self.figure = NTMStepFigure(n_rows, width, batch.targets.shape[-1], limit)
        self.slider = w.IntSlider(value=0, min=0, max=T - 1, description="time step t")
        self.play = w.Play(value=0, min=0, max=T - 1, interval=700, description="play")
        w.jslink((self.play, "value"), (self.slider, "value"))
        self.image = w.Image(format="png")
        self.slider.observe(self.update, names="value")
        self.view: dict = {}
        self.update()
        self.widget = w.VBox([w.HBox([self.play, self.slider]), self.image])

    def update(self, _change=None) -> None:
        self.view = ntm_step_view(self.batch, self.episode, self.slider.value, self.index)
        self.figure.update(self.view)
        self.image.value = self.figure.png()

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)


def ntm_step_widget(batch, episode, index: int = 0) -> EpisodeExplorer:
    """The episode widget of chapter 9 (display it as a cell's value)."""
    return EpisodeExplorer(batch, episode, index)
