"""Widgets for the book: controls wired to a pure function and a figure that is built once.

A widget has three parts, each testable on its own:

* ``compute(**values) -> data``: a pure function of the controls' values (in ``experiments``);
* a :class:`View`: a matplotlib figure built once, whose ``update(data)`` changes its artists
  in place (building a figure from scratch costs about three times as much as updating one);
* :class:`LiveWidget`: observes the controls, calls ``compute``, updates the view and shows the
  figure as a PNG in an ``ipywidgets.Image``. The PNG is part of the saved widget state, so the
  static site shows the figure at the default setting.

Tests drive a widget without a kernel: set ``widget.controls[name].value`` and read
``widget.data`` (what was computed) and the view's artists (what was drawn).
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import numpy as np


class View:
    """A figure built once; subclasses create artists in ``__init__`` and move them in ``update``.

    Redrawing a whole figure is slow (mostly the text of ticks and titles), so a view draws its
    frame (axes, ticks, labels) only when it changes, and otherwise repaints just the artists
    it registered with :meth:`dynamic` on top of a saved copy of the frame (blitting). Limits
    that move only when the data leave them (:func:`stable_limits`) keep the frame still.
    """

    dpi = 72

    def __init__(self, figsize=(8.0, 3.4), nrows: int = 1, ncols: int = 1, **subplot_kw):
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        # A bare Figure (not pyplot): the notebook's inline backend shows nothing by itself and
        # no global state is touched.
        self.figure = Figure(figsize=figsize, dpi=self.dpi, facecolor="white",
                             layout="constrained")
        self.canvas = FigureCanvasAgg(self.figure)
        self.axes = self.figure.subplots(nrows, ncols, squeeze=False, **subplot_kw)
        self._dynamic: list = []
        self._frame_key = None
        self._background = None

    def dynamic(self, artist):
        """Register an artist that ``update`` changes; it is repainted on every update."""
        artist.set_animated(True)
        self._dynamic.append(artist)
        return artist

    def update(self, data: Any) -> None:
        raise NotImplementedError

    def still(self):
        """The figure as an ordinary matplotlib figure (for a static plot in the book).

        Every artist is drawn normally from then on; use it for a view no widget drives.
        """
        for artist in self._dynamic:
            artist.set_animated(False)
        self._dynamic = []
        self.figure.set_layout_engine("none" if self._frame_key is not None else "constrained")
        return self.figure

    def _frame(self) -> tuple:
        """What the frame looks like: limits, scales and texts of every axes."""
        return tuple(
            (ax.get_xlim(), ax.get_ylim(), ax.get_yscale(), ax.get_title(), ax.get_xlabel(),
             ax.get_ylabel(), tuple(t.get_text() for t in ax.texts if t not in self._dynamic))
            for ax in self.figure.axes
        )

    def render(self) -> None:
        """Draw the figure into the canvas: the frame only if it changed, then the artists."""
        key = self._frame()
        if key != self._frame_key:
            self.canvas.draw()  # animated artists are left out of this drawing
            self.figure.set_layout_engine("none")  # keep the layout the first drawing found
            self._background = self.canvas.copy_from_bbox(self.figure.bbox)
            self._frame_key = self._frame()
        else:
            self.canvas.restore_region(self._background)
        for artist in self._dynamic:
            if artist.get_visible():
                self.figure.draw_artist(artist)

    def png(self) -> bytes:
        """The figure as PNG bytes, frame and artists together."""
        from PIL import Image

        self.render()
        width, height = self.canvas.get_width_height()
        image = Image.frombuffer("RGBA", (width, height), self.canvas.buffer_rgba(), "raw",
                                 "RGBA", 0, 1)
        buffer = io.BytesIO()
        image.convert("RGB").save(buffer, format="png", compress_level=1)
        return buffer.getvalue()


def stable_limits(ax, low: float, high: float, axis: str = "y", log: bool = False,
                  pad: float = 0.05) -> None:
    """Fit the limits to [low, high] only when the data leave them or fill under a fifth.

    Limits that stay put while a slider moves keep the frame still (fast to redraw) and make
    two settings easy to compare.
    """
    get, set_ = (ax.get_ylim, ax.set_ylim) if axis == "y" else (ax.get_xlim, ax.set_xlim)
    if log:
        low, high = max(low, 1e-300), max(high, 1e-300)
        lo, hi = np.log10(low), np.log10(high)
        cur_lo, cur_hi = np.log10(max(get()[0], 1e-300)), np.log10(max(get()[1], 1e-300))
    else:
        lo, hi = float(low), float(high)
        cur_lo, cur_hi = get()
    if not (np.isfinite(lo) and np.isfinite(hi)):
        return
    span = max(hi - lo, 1e-12 if not log else 0.5)
    inside = cur_lo <= lo and hi <= cur_hi
    if inside and span >= (cur_hi - cur_lo) / 5:
        return
    new_lo, new_hi = lo - pad * span, hi + pad * span
    if log:
        set_(10 ** np.floor(new_lo), 10 ** np.ceil(new_hi))
    else:
        set_(new_lo, new_hi)


class LiveWidget:
    """Controls, a pure ``compute`` and a :class:`View`, wired together.

    ``controls`` maps the keyword names of ``compute`` to ipywidgets controls; ``layout`` is an
    optional box holding the controls (defaults to one row). Display the object in a notebook.
    """

    def __init__(self, controls: dict, compute: Callable[..., Any], view: View, layout=None):
        import ipywidgets as w

        self.controls, self.compute, self.view = controls, compute, view
        self.data: Any = None
        self.image = w.Image(format="png", layout=w.Layout(max_width="100%", height="auto"))
        self.status = w.HTML()
        for control in controls.values():
            control.observe(self.refresh, names="value")
        ui = layout if layout is not None else w.HBox(list(controls.values()))
        self.box = w.VBox([ui, self.status, self.image])
        self.refresh()

    def values(self) -> dict[str, Any]:
        return {name: control.value for name, control in self.controls.items()}

    def refresh(self, change=None) -> None:
        """Recompute for the current values, redraw, and send the new PNG to the page."""
        try:
            self.data = self.compute(**self.values())
            self.view.update(self.data)
            self.image.value = self.view.png()
            self.status.value = ""
        except Exception as error:  # show it in the page, then let the kernel log it too
            self.status.value = f"<span style='color:#b00'>Error: {type(error).__name__}: {error}</span>"
            raise

    def _repr_mimebundle_(self, **kwargs):
        return self.box._repr_mimebundle_(**kwargs)
