"""Widgets of Part I: gradient decay through time, and morphing of a perturbed input.

Each widget is thin: a pure function of :mod:`rnnlib.experiments.part1` computes, a function
of :mod:`rnnlib.plots.part1` draws, and ``ipywidgets.interactive_output`` wires the controls
to :meth:`update`. The figure is one matplotlib ``Figure`` (not pyplot's), redrawn in place
and sent to the page as a PNG, so an update costs one computation and one render.
Tests set ``widget.controls[name].value`` and read ``widget.data`` and ``widget.fig``.
"""

from __future__ import annotations

import io

from ..experiments.part1 import gradient_decay, morphing
from ..plots.part1 import plot_gradient_decay, plot_morphing

DPI = 80  # the PNG's resolution: enough for a 7-inch figure on screen, cheap to render


def _figure(nrows: int, figsize, sharex: bool = False, margins=None):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=figsize, facecolor="white", dpi=DPI)
    axes = fig.subplots(nrows, 1, sharex=sharex) if nrows > 1 else [fig.add_subplot()]
    for ax in axes:
        ax.set_facecolor("white")
    fig.subplots_adjust(**(margins or {}))
    FigureCanvasAgg(fig)  # draw with Agg whatever pyplot's backend is
    return fig


def render_png(fig) -> bytes:
    """The figure as PNG bytes (what the page shows after each update)."""
    from PIL import Image

    fig.canvas.draw()
    image = Image.frombuffer("RGBA", fig.canvas.get_width_height(), fig.canvas.buffer_rgba(),
                             "raw", "RGBA", 0, 1).convert("RGB")
    buf = io.BytesIO()
    image.save(buf, format="png", compress_level=1)  # fast to encode; a few kB larger
    return buf.getvalue()


def _show(png: bytes) -> None:
    """Display the PNG when running under IPython (inside the widget's Output); else nothing."""
    try:
        from IPython import get_ipython
        from IPython.display import Image, display
    except ImportError:  # pragma: no cover
        return
    if get_ipython() is not None:
        display(Image(data=png, format="png"))


class _Widget:
    """Shared wiring: ``controls`` (name -> ipywidget), ``update(**values)``, ``widget`` (a box)."""

    def _wire(self, rows):
        import ipywidgets as w

        self.output = w.interactive_output(self.update, self.controls)
        self.widget = w.VBox([*(w.HBox(row) for row in rows), self.output])

    def values(self) -> dict:
        return {name: c.value for name, c in self.controls.items()}

    def _ipython_display_(self):
        from IPython.display import display

        display(self.widget)


class GradientDecayWidget(_Widget):
    """``||dL/ds_t||`` against t for a vanilla RNN, with the bound ``||gamma W||^(T-t)``.

    Controls: ``norm`` (``||W||_2``, the operator norm W is rescaled to), ``activation``,
    ``T`` (sequence length), ``init`` (how W is drawn before rescaling).
    """

    INITS = ("orthogonal", "uniform", "glorot", "normal")

    def __init__(self, norm: float = 1.0, activation: str = "tanh", T: int = 50,
                 init: str = "orthogonal", seed: int = 0):
        import ipywidgets as w

        self.seed = seed
        style = {"description_width": "initial"}
        layout = w.Layout(width="330px")
        self.controls = {
            "norm": w.FloatLogSlider(value=norm, base=2, min=-2, max=3, step=0.05,
                                     description="‖W‖₂ (operator norm)", readout_format=".2f",
                                     continuous_update=False, style=style, layout=layout),
            "activation": w.Dropdown(options=["tanh", "sigmoid"], value=activation,
                                     description="activation φ", style=style),
            "T": w.IntSlider(value=T, min=5, max=200, step=5, description="sequence length T",
                             continuous_update=False, style=style, layout=layout),
            "init": w.Dropdown(options=list(self.INITS), value=init,
                               description="W drawn by", style=style),
        }
        self.fig = _figure(1, (7.0, 3.6), margins={"left": 0.11, "right": 0.98, "bottom": 0.14, "top": 0.9})
        self.ax = self.fig.axes[0]
        self.data = None
        self.png = b""
        c = self.controls
        self._wire([[c["norm"], c["activation"]], [c["T"], c["init"]]])

    def compute(self, norm, activation, T, init):
        return gradient_decay(norm=norm, activation=activation, T=T, init=init, seed=self.seed)

    def update(self, norm, activation, T, init):
        """Recompute for these control values, redraw, and show the figure."""
        self.data = self.compute(norm, activation, T, init)
        plot_gradient_decay(self.data, ax=self.ax)
        self.png = render_png(self.fig)
        _show(self.png)


class MorphingWidget(_Widget):
    """Two runs of one tanh RNN that differ by a nudge ``eps`` to the input at step ``t0``.

    Controls: ``eps`` (size of the nudge), ``t0`` (when), ``norm`` (``||W||_2``).
    """

    def __init__(self, eps: float = 0.1, t0: int = 10, norm: float = 1.0, T: int = 60,
                 seed: int = 0):
        import ipywidgets as w

        self.T, self.seed = T, seed
        style = {"description_width": "initial"}
        layout = w.Layout(width="330px")
        self.controls = {
            "eps": w.FloatLogSlider(value=eps, base=10, min=-6, max=0, step=0.25,
                                    description="nudge size ε", readout_format=".1e",
                                    continuous_update=False, style=style, layout=layout),
            "t0": w.IntSlider(value=t0, min=1, max=T - 10, description="nudge at step",
                              continuous_update=False, style=style, layout=layout),
            "norm": w.FloatSlider(value=norm, min=0.25, max=4.0, step=0.25,
                                  description="‖W‖₂ (operator norm)", continuous_update=False,
                                  style=style, layout=layout),
        }
        self.fig = _figure(2, (7.0, 5.0), sharex=True,
                           margins={"left": 0.11, "right": 0.98, "bottom": 0.1, "top": 0.93,
                                    "hspace": 0.12})
        self.data = None
        self.png = b""
        c = self.controls
        self._wire([[c["eps"], c["t0"]], [c["norm"]]])

    def compute(self, eps, t0, norm):
        return morphing(norm=norm, eps=eps, t0=t0, T=self.T, seed=self.seed)

    def update(self, eps, t0, norm):
        """Recompute for these control values, redraw, and show the figure."""
        self.data = self.compute(eps, t0, norm)
        plot_morphing(self.data, fig=self.fig)
        self.png = render_png(self.fig)
        _show(self.png)


def gradient_decay_widget(**kw) -> GradientDecayWidget:
    """The gradient-decay widget, ready to display (``kw``: initial control values)."""
    return GradientDecayWidget(**kw)


def morphing_widget(**kw) -> MorphingWidget:
    """The morphing widget, ready to display (``kw``: initial control values)."""
    return MorphingWidget(**kw)
