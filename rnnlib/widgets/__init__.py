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

On the website there is no kernel: when the site is built (``WM_STATIC_WIDGETS`` set by
scripts/build.sh) a LiveWidget runs the same ``compute`` and ``update`` over the grid it declares
(``static_grid``) and displays a figure that the page redraws from those results as the reader
moves the controls (:mod:`rnnlib.widgets.static`). In a notebook nothing changes.
"""

from __future__ import annotations

import contextlib
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

        from ..book.style import use_book_style

        # The book's style first, as for every figure of the book: a view's artists then look
        # the same whichever figure a kernel drew before (the site's static payload and a test's
        # live widget are drawn in different processes). A bare Figure (not pyplot): the
        # notebook's inline backend shows nothing by itself.
        use_book_style()
        self.figure = Figure(figsize=figsize, dpi=self.dpi, facecolor="white", layout="constrained")
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
            (
                ax.get_xlim(),
                ax.get_ylim(),
                ax.get_yscale(),
                ax.get_title(),
                ax.get_xlabel(),
                ax.get_ylabel(),
                tuple(t.get_text() for t in ax.texts if t not in self._dynamic),
            )
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
        image = Image.frombuffer(
            "RGBA", (width, height), self.canvas.buffer_rgba(), "raw", "RGBA", 0, 1
        )
        buffer = io.BytesIO()
        image.convert("RGB").save(buffer, format="png", compress_level=1)
        return buffer.getvalue()


_LADDER = (1.0, 1.2, 2.0, 5.0)


def _round_up(value: float) -> float:
    """The smallest of 1, 1.2, 2 and 5 times a power of ten that is at least ``value`` (> 0)."""
    exponent = int(np.floor(np.log10(value)))
    for decade in (exponent - 1, exponent, exponent + 1):
        for m in _LADDER:
            candidate = float(f"{m}e{decade}")
            if candidate >= value * (1 - 1e-9):
                return candidate
    return float(f"1e{exponent + 2}")


def stable_limits(
    ax, low: float, high: float, axis: str = "y", log: bool = False, pad: float = 0.05
) -> None:
    """Set limits holding [low, high], padded by ``pad`` of the span and widened to round values.

    The limits are a function of the data alone (not of the settings shown before), so a
    widget draws the same figure for a setting however a reader got there, and the static
    site can show exactly what the live widget draws. Widening keeps the frame still while the
    data change a little (fast to redraw, easy to compare): a log axis gets whole decades; a
    linear one runs from -A to B, each 0 or 1, 1.2, 2 or 5 times a power of ten (0 is always in
    view: these are state values, norms and outputs). ``pad=0`` fits [low, high] exactly (a
    time axis).
    """
    set_ = ax.set_ylim if axis == "y" else ax.set_xlim
    if log:
        low, high = max(low, 1e-300), max(high, 1e-300)
        lo, hi = np.log10(low), np.log10(high)
    else:
        lo, hi = float(low), float(high)
    if not (np.isfinite(lo) and np.isfinite(hi)):
        return
    if log:
        span = max(hi - lo, 0.5)
        set_(10 ** np.floor(lo - pad * span), 10 ** np.ceil(hi + pad * span))
        return
    if pad == 0 and hi > lo:
        set_(lo, hi)
        return
    span = hi - lo
    if span <= 1e-9 * max(1.0, abs(lo), abs(hi)):  # flat data (e.g. all zero): a unit span
        lo, hi = lo - 0.5 * max(1.0, abs(lo)), hi + 0.5 * max(1.0, abs(hi))
        span = hi - lo
    new_lo = 0.0 if lo >= 0 else lo - pad * span
    new_hi = 0.0 if hi <= 0 else hi + pad * span
    set_(-_round_up(-new_lo) if new_lo < 0 else 0.0, _round_up(new_hi) if new_hi > 0 else 0.0)


def labelled(width: str | None = None) -> dict:
    """Keyword arguments for a control whose label is shown in full (not cut at ipywidgets'
    default label width), optionally ``width`` wide (e.g. ``"340px"``)."""
    import ipywidgets as w

    kwargs: dict = {"style": {"description_width": "initial"}}
    if width is not None:
        kwargs["layout"] = w.Layout(width=width)
    return kwargs


def row(*controls):
    """Controls side by side that wrap onto the next line where the page is narrow (a phone)."""
    import ipywidgets as w

    return w.HBox(list(controls), layout=w.Layout(flex_flow="row wrap"))


class LiveWidget:
    """Controls, a pure ``compute`` and a :class:`View`, wired together.

    ``controls`` maps the keyword names of ``compute`` to ipywidgets controls; ``layout`` is an
    optional box holding the controls (defaults to one :func:`row`, which wraps on a phone).
    Display the object in a notebook.

    ``static_grid`` declares what the website offers without a kernel (see
    :mod:`rnnlib.widgets.static`): per control name, ``Step(step)`` for a slider's step on the
    site or ``Fixed(reason)`` for a control the site disables; every option of a dropdown or
    toggle and every value of an undeclared slider are precomputed. ``alt`` describes the figure
    for a reader who cannot see it. When the site is built (``WM_STATIC_WIDGETS`` set), the
    widget displays its static version; otherwise the grid is not used.
    """

    def __init__(
        self,
        controls: dict,
        compute: Callable[..., Any],
        view: View,
        layout=None,
        static_grid: dict | None = None,
        alt: str = "",
    ):
        import ipywidgets as w

        from . import static

        self.controls, self.compute, self.view = controls, compute, view
        self.static_grid = dict(static_grid or {})
        self.alt = alt
        self.data: Any = None
        self._suspended = False
        # On the site build the PNG is not sent: the static figure replaces it (and a PNG in
        # the saved widget state would only make the page heavier).
        self._static = static.enabled()
        self.image = w.Image(format="png", layout=w.Layout(max_width="100%", height="auto"))
        self.status = w.HTML()
        for control in controls.values():
            control.observe(self.refresh, names="value")
        ui = layout if layout is not None else row(*controls.values())
        self.layout_box = ui
        self.box = w.VBox([ui, self.status, self.image])
        self.refresh()

    def values(self) -> dict[str, Any]:
        return {name: control.value for name, control in self.controls.items()}

    @contextlib.contextmanager
    def suspended(self):
        """Within the block, control changes do not recompute (the static precomputation)."""
        previous, self._suspended = self._suspended, True
        try:
            yield self
        finally:
            self._suspended = previous

    def alt_text(self) -> str:
        """A description of the figure for a reader who cannot see it."""
        return self.alt or (self.view.__doc__ or "").strip().split("\n\n")[0].replace("\n", " ")

    def refresh(self, change=None) -> None:
        """Recompute for the current values, redraw, and send the new PNG to the page."""
        if self._suspended:
            return
        try:
            self.data = self.compute(**self.values())
            self.view.update(self.data)
            if self._static:
                self.view.render()
            else:
                self.image.value = self.view.png()
            self.status.value = ""
        except Exception as error:  # show it in the page, then let the kernel log it too
            self.status.value = (
                f"<span style='color:#b00'>Error: {type(error).__name__}: {error}</span>"
            )
            raise

    def _repr_mimebundle_(self, **kwargs):
        if self._static:
            from .static import static_widget

            return static_widget(self)._repr_mimebundle_(**kwargs)
        return self.box._repr_mimebundle_(**kwargs)
