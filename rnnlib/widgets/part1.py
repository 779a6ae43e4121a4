"""Widgets of Part I: gradient decay through time, and morphing of a nudged input.

Thin wiring only: :mod:`rnnlib.experiments.part1` computes, the views of
:mod:`rnnlib.plots.part1` draw, and :class:`rnnlib.widgets.LiveWidget` connects the controls.
``*_compute`` is what a control change computes. Tests drive a widget without a kernel: set
``widget.controls[name].value``, then read ``widget.data`` and the view's lines.
"""

from __future__ import annotations

from ..experiments.part1 import gradient_decay, morphing
from ..plots.part1 import GradientDecayView, MorphingView
from . import LiveWidget, row
from .static import Step

# W is rescaled to the chosen ||W||_2, so only the shape of its spectrum matters. Glorot is not
# offered: for a square W it draws from the same distribution as uniform sqrt(3/n).
INITS = ("orthogonal", "uniform", "normal", "identity")
MORPHING_T = 60
SEED = 0


def gradient_decay_compute(norm=1.0, activation="tanh", T=50, init="orthogonal"):
    """What the gradient-decay widget plots for one setting of its controls."""
    return gradient_decay(norm=float(norm), activation=activation, T=int(T), init=init,
                          seed=SEED)


def morphing_compute(eps=0.1, t0=10, norm=1.0):
    """What the morphing widget plots for one setting of its controls."""
    return morphing(norm=float(norm), eps=float(eps), t0=int(t0), T=MORPHING_T, seed=SEED)


def _style():
    import ipywidgets as w

    return {"style": {"description_width": "initial"}, "layout": w.Layout(width="340px")}


def gradient_decay_widget(norm: float = 1.0, activation: str = "tanh", T: int = 50,
                          init: str = "orthogonal") -> LiveWidget:
    """``||dL/ds_t||`` against t with its bound; controls: ``||W||_2`` (W is rescaled to it),
    the activation, the sequence length and how W is drawn."""
    import ipywidgets as w

    controls = {
        "norm": w.FloatLogSlider(value=norm, base=2, min=-2, max=3, step=0.05,
                                 description="‖W‖₂ (operator norm)", readout_format=".2f",
                                 continuous_update=False, **_style()),
        "activation": w.Dropdown(options=["tanh", "sigmoid"], value=activation,
                                 description="activation φ", **_style()),
        "T": w.IntSlider(value=T, min=5, max=200, step=5, description="sequence length T",
                         continuous_update=False, **_style()),
        "init": w.Dropdown(options=list(INITS), value=init, description="W drawn by",
                           **_style()),
    }
    c = controls
    layout = w.VBox([row(c["norm"], c["activation"]), row(c["T"], c["init"])])
    # On the website (no kernel): every initialization and activation, ||W||_2 in powers of
    # sqrt(2) (0.25 to 8), T in steps of 15.
    grid = {"norm": Step(0.5), "T": Step(15)}
    return LiveWidget(controls, gradient_decay_compute, GradientDecayView(), layout,
                      static_grid=grid)


def morphing_widget(eps: float = 0.1, t0: int = 10, norm: float = 1.0) -> LiveWidget:
    """Two runs of one tanh RNN that differ by a nudge ``eps`` to the input at step ``t0``;
    controls: the nudge's size and step, and ``||W||_2``."""
    import ipywidgets as w

    controls = {
        "eps": w.FloatLogSlider(value=eps, base=10, min=-6, max=0, step=0.25,
                                description="nudge size ε", readout_format=".1e",
                                continuous_update=False, **_style()),
        "t0": w.IntSlider(value=t0, min=1, max=MORPHING_T - 10, description="nudge at step",
                          continuous_update=False, **_style()),
        "norm": w.FloatSlider(value=norm, min=0.25, max=4.0, step=0.25,
                              description="‖W‖₂ (operator norm)", continuous_update=False,
                              **_style()),
    }
    c = controls
    layout = w.VBox([row(c["eps"], c["t0"]), c["norm"]])
    # On the website: ε in whole decades, the nudge's step in steps of 5 (5 to 45),
    # ||W||_2 in steps of 0.75.
    grid = {"eps": Step(1.0), "t0": Step(5, min=5, max=45), "norm": Step(0.75)}
    return LiveWidget(controls, morphing_compute, MorphingView(T=MORPHING_T), layout,
                      static_grid=grid)
