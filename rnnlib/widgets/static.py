"""Static widgets: a :class:`~rnnlib.widgets.LiveWidget` precomputed over a grid for the website.

On the website there is no kernel, so a callback cannot run when a reader moves a control. When
the site is built with the environment variable ``WM_STATIC_WIDGETS`` set to a folder (the build
script does this), a LiveWidget, when displayed, runs its own ``compute`` and its own view's
``update`` for every setting of a grid the widget declares, and shows a :class:`StaticFigure`
instead of its PNG. The figure is sent to the page in two parts:

* the *frame* (axes, ticks, labels: everything the view does not register with ``dynamic()``),
  as the pixels matplotlib draws, cut into tiles that are stored once however many frames share
  them;
* the *dynamic artists* of every setting, as drawing operations in the frame's pixel space (the
  paths matplotlib's renderer would stroke or fill, after its own clipping and simplification;
  texts with their layout; images as their colour arrays), each stored once however many
  settings share it.

The front end (``_ext/wm_static_widgets.js``, a widget module for the site's ipywidgets manager)
fetches the file after the page has painted, listens to the controls' models and draws the
setting the reader chose on a canvas. Without ``WM_STATIC_WIDGETS`` nothing here runs: a live
notebook (JupyterLab, Voila, Colab) is unchanged.

A grid is declared per control: :class:`Step` (a slider moves at this step on the site; the
values are the slider's own ``min + k * step``), :class:`Fixed` (disabled on the site, with a
one-line reason). A dropdown or toggle takes every option; a slider with no entry takes every
value of its live step. Controls that the widget disables for some setting (a gate the chosen
cell does not have) are left out of that setting's key: by the book's rule a disabled control
cannot change the figure.
"""

from __future__ import annotations

import contextlib
import functools
import gzip
import hashlib
import io
import itertools
import json
import math
import os
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

ENV = "WM_STATIC_WIDGETS"
FORMAT = 1  # bump when the payload layout changes (part of the cache key)
WIDTH_PX = 786  # the frame is drawn this wide: the book's text column, so a
# 1x screen never shows it enlarged
TILE = 32  # frame tiles, in pixels
QUANTUM = 4  # path coordinates are stored in 1/4 pixel
MAX_SETTINGS = 5000
NOTICE = (
    "static preview: every setting on this page was computed when the site was built; "
    "run the notebook to explore freely"
)
MODULE = "wm-static-widgets"
MODULE_VERSION = "1.0.0"


def enabled() -> bool:
    """True while the site is built (``WM_STATIC_WIDGETS`` names the payload folder)."""
    return bool(os.environ.get(ENV))


@dataclass(frozen=True)
class Step:
    """On the site, the slider moves at ``step`` (for a log slider: a step of the exponent),
    optionally between a narrower ``min`` and ``max`` than in a kernel. ``max - min`` must be a
    whole number of steps, so that both ends of the slider are settings of the grid."""

    step: float
    min: float | None = None
    max: float | None = None
    #: precompute this slider only while these option controls have these values (e.g.
    #: ``{"mode": "random"}``); otherwise the site disables it at its initial value
    when: dict | None = None
    #: shown on the widget when ``when`` is given: why the slider is sometimes disabled
    reason: str = ""

    def __hash__(self):
        return hash((self.step, self.min, self.max, repr(self.when), self.reason))


@dataclass(frozen=True)
class Fixed:
    """On the site, the control is disabled at its initial value; ``reason`` says why."""

    reason: str


# -- the grid ---------------------------------------------------------------------------------


@dataclass
class Axis:
    """One control's values on the site: ``kind`` "index" (options) or "value" (a slider)."""

    name: str
    kind: str
    values: list  # what compute() receives
    initial: int  # index of the control's initial value
    labels: list  # what the front end compares with the model (index or number)
    log_base: float | None = None
    when: dict | None = None  # see Step.when


def _is_option_control(control) -> bool:
    return hasattr(control, "options") and hasattr(control, "index")


def _round(value: float, step: float) -> float:
    """``value`` without the float noise of ``min + k * step`` (0.8000000000000002 -> 0.8)."""
    decimals = max(0, 10 - math.floor(math.log10(abs(step)))) if step else 10
    return float(round(value, min(decimals, 12)))


def control_axis(name: str, control, spec) -> Axis:
    """The values a control takes on the site, checked to contain its initial value."""
    if isinstance(spec, Fixed):
        raise TypeError("a Fixed control has no axis")
    if _is_option_control(control):
        if spec is not None:
            raise TypeError(
                f"control {name!r} has options; it takes every option on the site "
                f"(or Fixed(reason)), got {spec!r}"
            )
        options = [o[1] if isinstance(o, tuple) else o for o in control.options]
        return Axis(name, "index", options, int(control.index), list(range(len(options))))
    if not (hasattr(control, "min") and hasattr(control, "max") and hasattr(control, "step")):
        raise TypeError(
            f"control {name!r} ({type(control).__name__}) is neither a slider nor "
            "a control with options; declare it Fixed(reason)"
        )
    step = float(spec.step) if isinstance(spec, Step) else float(control.step)
    if step <= 0:
        raise ValueError(f"control {name!r}: step must be positive, got {step}")
    lo = float(spec.min) if isinstance(spec, Step) and spec.min is not None else float(control.min)
    hi = float(spec.max) if isinstance(spec, Step) and spec.max is not None else float(control.max)
    parts = (hi - lo) / step
    if abs(parts - round(parts)) > 1e-6:
        raise ValueError(
            f"control {name!r}: from {lo:g} to {hi:g} is not a whole number of "
            f"steps of {step:g}; the slider's end would not be on the grid (give "
            "Step(step, min=..., max=...))"
        )
    count = round(parts) + 1
    exponents = [_round(lo + k * step, step) for k in range(count)]
    integer = isinstance(control.value, int) and not isinstance(control.value, bool)
    base = getattr(control, "base", None)
    if base is not None:  # FloatLogSlider: min, max and step are exponents
        values = [float(base) ** e for e in exponents]
        start = math.log(control.value, base)
    else:
        values = [round(e) if integer else e for e in exponents]
        start = float(control.value)
    hits = [k for k, e in enumerate(exponents) if abs(e - start) <= 1e-9 * max(1.0, abs(start))]
    if not hits:
        raise ValueError(
            f"control {name!r}: its initial value {control.value!r} is not on the "
            f"site's grid {values} (min {control.min}, step {step}); choose a step "
            "that reaches it"
        )
    when = dict(spec.when) if isinstance(spec, Step) and spec.when else None
    return Axis(name, "value", values, hits[0], list(values), float(base) if base else None, when)


# -- serializing what a view draws --------------------------------------------------------------


def _rgba(color, alpha=None) -> list[float] | None:
    from matplotlib.colors import to_rgba

    if color is None:
        return None
    if isinstance(color, str) and color.lower() == "none":
        return None
    r, g, b, a = to_rgba(color, alpha)
    if a == 0:
        return None
    return [round(r * 255), round(g * 255), round(b * 255), round(a, 4)]


class _Ops:
    """The drawing operations of one setting, plus the shared stores of paths and fonts."""

    def __init__(self, width: int, height: int, dpi: float):
        self.width, self.height, self.dpi = width, height, dpi
        self.fonts: dict[str, dict] = {}  # font file -> {"name", "chars"}

    def px(self, points: float) -> float:
        return points * self.dpi / 72.0

    # y grows downwards on a canvas, upwards in matplotlib's display space
    def _path(self, path, transform, clip, stroke_width: float, snap, simplify: bool) -> dict:
        full = transform.transform_path_non_affine(path) if not transform.is_affine else path
        affine = transform.get_affine() if not transform.is_affine else transform
        full = affine.transform_path(full)
        margin = 2 * stroke_width + 2
        box = (-margin, -margin, self.width + margin, self.height + margin)
        cleaned = full.cleaned(
            remove_nans=True,
            clip=box,
            simplify=simplify,
            curves=True,
            snap=snap,
            stroke_width=stroke_width,
        )
        vertices, codes = cleaned.vertices, cleaned.codes
        keep = codes != 0  # STOP
        vertices, codes = vertices[keep], codes[keep]
        q = np.empty_like(vertices)
        q[:, 0] = vertices[:, 0]
        q[:, 1] = self.height - vertices[:, 1]
        ints = np.round(q * QUANTUM).astype(np.int64)
        simple = bool(np.all(codes[1:] == 2)) and (len(codes) == 0 or codes[0] == 1)
        return {"xy": ints, "codes": None if simple else codes.astype(np.uint8)}

    def _clip(self, artist) -> list[float] | None:
        if not artist.get_clip_on():
            return None
        box = artist.get_clip_box()
        if box is None:
            return None
        x0, y0, x1, y1 = box.extents
        return [round(x0, 3), round(self.height - y1, 3), round(x1 - x0, 3), round(y1 - y0, 3)]

    def line(self, line) -> list[dict]:
        if line.get_marker() not in (None, "None", "none", "", " "):
            raise NotImplementedError(f"static widgets do not draw markers yet ({line})")
        if not line.get_visible() or line.get_linestyle() in ("None", "none", " ", ""):
            return []
        if line._invalidx or line._invalidy:  # set_data() leaves the path stale until drawn
            line.recache()
        tpath, affine = line._get_transformed_path().get_transformed_path_and_affine()
        lw = self.px(line.get_linewidth())
        path = affine.transform_path(tpath)
        op = self._path(
            path, _identity(), self._clip(line), lw, line.get_snap(), path.should_simplify
        )
        if len(op["xy"]) < 2:  # nothing left inside the canvas
            return []
        offset, dashes = line._dash_pattern
        solid = dashes is None
        op.update(
            {
                "t": "path",
                "stroke": _rgba(line.get_color(), line.get_alpha()),
                "fill": None,
                "lw": round(lw, 4),
                "dash": None if solid else [round(self.px(d), 4) for d in dashes],
                "dash_offset": 0 if solid else round(self.px(offset), 4),
                "cap": line.get_solid_capstyle() if solid else line.get_dash_capstyle(),
                "join": line.get_solid_joinstyle() if solid else line.get_dash_joinstyle(),
                "clip": self._clip(line),
            }
        )
        return [op] if op["stroke"] else []

    def patch(self, patch) -> list[dict]:
        if not patch.get_visible():
            return []
        lw = self.px(patch.get_linewidth())
        fill = _rgba(patch.get_facecolor()) if patch.get_fill() else None
        stroke = _rgba(patch.get_edgecolor()) if lw > 0 else None
        if fill is None and stroke is None:
            return []
        op = self._path(
            patch.get_path(), patch.get_transform(), self._clip(patch), lw, patch.get_snap(), False
        )
        if len(op["xy"]) < 2:
            return []
        offset, dashes = patch._dash_pattern
        op.update(
            {
                "t": "path",
                "stroke": stroke,
                "fill": fill,
                "lw": round(lw, 4),
                "dash": None if dashes is None else [round(self.px(d), 4) for d in dashes],
                "dash_offset": 0 if dashes is None else round(self.px(offset), 4),
                "cap": patch.get_capstyle(),
                "join": patch.get_joinstyle(),
                "clip": self._clip(patch),
            }
        )
        return [op]

    def text(self, text, renderer) -> list[dict]:
        from matplotlib.font_manager import findfont

        if not text.get_visible() or not text.get_text():
            return []
        ops: list[dict] = []
        patch = text.get_bbox_patch()
        if patch is not None:
            text.update_bbox_position_size(renderer)
            ops += self.patch(patch)
        _, info, _ = text._get_layout(renderer)
        x, y = text.get_transform().transform(text.get_unitless_position())
        prop = text.get_fontproperties()
        font_file = findfont(prop)
        font = self.fonts.setdefault(
            font_file, {"name": f"wm-font-{len(self.fonts)}", "chars": set()}
        )
        ha = text.get_horizontalalignment()
        angle = text.get_rotation()
        if angle % 360:
            raise NotImplementedError("static widgets draw horizontal dynamic texts only")
        lines = []
        for line, (w, _h, _d), (dx, dy) in info:
            if not line:
                continue
            font["chars"].update(line)
            anchor = dx + (w / 2 if ha == "center" else w if ha == "right" else 0.0)
            lines.append([line, round(x + anchor, 3), round(self.height - (y + dy), 3)])
        ops.append(
            {
                "t": "text",
                "lines": lines,
                "align": ha if ha in ("center", "right") else "left",
                "size": round(self.px(prop.get_size_in_points()), 4),
                "font": font["name"],
                "weight": str(prop.get_weight()),
                "style": prop.get_style(),
                "color": _rgba(text.get_color(), text.get_alpha()),
                "clip": self._clip(text),
            }
        )
        return ops

    def image(self, image) -> list[dict]:
        if not image.get_visible():
            return []
        rgba = image.to_rgba(image.get_array(), bytes=True)
        left_x, right_x, bottom_y, top_y = image.get_extent()
        # Array row 0 sits at the extent's top for origin "upper", at its bottom for "lower";
        # column 0 at its left. Where they land on the canvas says which way to flip.
        row0 = top_y if image.origin == "upper" else bottom_y
        row_last = bottom_y if image.origin == "upper" else top_y
        (cx0, ry0), (cx1, ry1) = image.get_transform().transform(
            [[left_x, row0], [right_x, row_last]]
        )
        if cx1 < cx0:
            rgba = rgba[:, ::-1]
        if ry0 < ry1:  # display y grows upwards: row 0 below the last row
            rgba = rgba[::-1]
        left, right = sorted((cx0, cx1))
        bottom, top = sorted((ry0, ry1))
        return [
            {
                "t": "image",
                "rgba": np.ascontiguousarray(rgba, dtype=np.uint8),
                "box": [
                    round(left, 3),
                    round(self.height - top, 3),
                    round(right - left, 3),
                    round(top - bottom, 3),
                ],
                "smooth": image.get_interpolation() not in ("nearest", "none", "antialiased"),
                "alpha": image.get_alpha(),
                "clip": self._clip(image),
            }
        ]

    def artist(self, artist, figure, renderer) -> list[dict]:
        from matplotlib.image import AxesImage
        from matplotlib.legend import Legend
        from matplotlib.lines import Line2D
        from matplotlib.patches import Patch
        from matplotlib.text import Text

        if not artist.get_visible():
            return []
        if isinstance(artist, Line2D):
            return self.line(artist)
        if isinstance(artist, Text):
            return self.text(artist, renderer)
        if isinstance(artist, Patch):
            return self.patch(artist)
        if isinstance(artist, AxesImage):
            return self.image(artist)
        if isinstance(artist, Legend):
            # A legend places its children when it is drawn: draw it (into the scratch canvas)
            # for the layout, then take its frame and its entries in drawing order.
            artist.draw(renderer)
            ops = self.patch(artist.legendPatch) if artist.get_frame_on() else []
            for child in _leaves(artist._legend_box):
                ops += self.artist(child, figure, renderer)
            return ops
        raise NotImplementedError(f"static widgets cannot draw a dynamic {type(artist).__name__}")


def _identity():
    from matplotlib.transforms import IdentityTransform

    return IdentityTransform()


def _leaves(box):
    from matplotlib.offsetbox import OffsetBox

    for child in box.get_children():
        if isinstance(child, OffsetBox):
            yield from _leaves(child)
        else:
            yield child


# -- frames: tiles stored once --------------------------------------------------------------------


class _Frames:
    def __init__(self):
        self.tiles: dict[bytes, int] = {}
        self.tile_pixels: list[np.ndarray] = []
        self.frames: list[np.ndarray] = []  # per frame: (rows, cols) tile ids
        self.by_key: dict[Any, int] = {}

    def add(self, key, rgb: np.ndarray) -> int:
        if key in self.by_key:
            return self.by_key[key]
        h, w, _ = rgb.shape
        rows, cols = -(-h // TILE), -(-w // TILE)
        padded = np.full((rows * TILE, cols * TILE, 3), 255, np.uint8)
        padded[:h, :w] = rgb
        ids = np.empty((rows, cols), np.uint16)
        for r in range(rows):
            for c in range(cols):
                tile = padded[r * TILE : (r + 1) * TILE, c * TILE : (c + 1) * TILE]
                digest = hashlib.blake2b(tile.tobytes(), digest_size=16).digest()
                if digest not in self.tiles:
                    self.tiles[digest] = len(self.tile_pixels)
                    self.tile_pixels.append(tile.copy())
                ids[r, c] = self.tiles[digest]
        self.frames.append(ids)
        self.by_key[key] = len(self.frames) - 1
        return self.by_key[key]

    def atlas_png(self) -> tuple[bytes, int]:
        from PIL import Image

        n = len(self.tile_pixels)
        cols = max(1, min(64, n))
        rows = -(-n // cols)
        atlas = np.full((rows * TILE, cols * TILE, 3), 255, np.uint8)
        for k, tile in enumerate(self.tile_pixels):
            r, c = divmod(k, cols)
            atlas[r * TILE : (r + 1) * TILE, c * TILE : (c + 1) * TILE] = tile
        buffer = io.BytesIO()
        Image.fromarray(atlas).save(buffer, format="png", optimize=True)
        return buffer.getvalue(), cols


# -- the precomputation ----------------------------------------------------------------------------


def set_resolution(view, width_px: int = WIDTH_PX) -> float:
    """Draw ``view`` ``width_px`` pixels wide from now on (same layout, more pixels); the dpi."""
    width_in = view.figure.get_figwidth()
    dpi = width_px / width_in
    if abs(view.figure.dpi - dpi) > 1e-9:
        view.figure.set_dpi(dpi)
        view._frame_key = None
        view._background = None
    return dpi


def frame_pixels(view) -> np.ndarray:
    """The frame the view draws behind its dynamic artists, (H, W, 3) uint8."""
    return np.asarray(view._background)[..., :3].copy()


def serialize(view, known_frames=()) -> tuple[list[dict], _Ops]:
    """The dynamic artists of ``view`` as drawing operations, as it would be drawn now.

    The frame is drawn (``View.render``) only when it is new (not in ``known_frames``): the
    operations need the frame's layout (limits, transforms), not its pixels.
    """
    key = view._frame()
    if key != view._frame_key and key not in known_frames:
        view.render()
    else:
        view._frame_key = key  # the frame drawn for this key is already stored
    width, height = view.canvas.get_width_height()
    ops = _Ops(width, height, view.figure.dpi)
    renderer = view.canvas.get_renderer()
    out: list[dict] = []
    for artist in view._dynamic:
        out += ops.artist(artist, view.figure, renderer)
    return out, ops


@dataclass
class Declared:
    axes: list[Axis]
    fixed: dict[str, str]


def declared_grid(widget) -> Declared:
    """The site's grid of a LiveWidget from its ``static_grid`` declaration."""
    spec = getattr(widget, "static_grid", None) or {}
    unknown = set(spec) - set(widget.controls)
    if unknown:
        raise ValueError(
            f"static grid names {sorted(unknown)}, which are not controls of the "
            f"widget ({sorted(widget.controls)})"
        )
    axes, fixed = [], {}
    for name, control in widget.controls.items():
        entry = spec.get(name)
        if isinstance(entry, Fixed):
            fixed[name] = entry.reason
        else:
            axes.append(control_axis(name, control, entry))
    return Declared(axes, fixed)


def _settings(widget, grid: Declared):
    """Every setting: (key, values, disabled names). Option controls are set on the widget
    (their observers may enable or disable other controls); sliders never are."""
    option_axes = [a for a in grid.axes if a.kind == "index"]
    slider_axes = [a for a in grid.axes if a.kind == "value"]
    controls = widget.controls
    for combo in itertools.product(*[range(len(a.values)) for a in option_axes]):
        for axis, k in zip(option_axes, combo):
            controls[axis.name].index = k
        disabled = {n for n, c in controls.items() if getattr(c, "disabled", False)}
        disabled |= set(grid.fixed)
        # sliders precomputed only for some options: at their initial value otherwise
        disabled |= {
            a.name
            for a in slider_axes
            if a.when and any(controls[k].value != v for k, v in a.when.items())
        }
        free = [a for a in slider_axes if a.name not in disabled]
        for picks in itertools.product(*[range(len(a.values)) for a in free]):
            index = {a.name: k for a, k in zip(option_axes, combo)}
            index.update({a.name: k for a, k in zip(free, picks)})
            values = dict(widget.values())
            for axis in grid.axes:
                if axis.name in index:
                    values[axis.name] = axis.values[index[axis.name]]
            key = tuple(index.get(a.name, -1) for a in grid.axes)
            yield key, values, frozenset(disabled)


def _source_digest() -> str:
    import matplotlib

    root = Path(__file__).resolve().parents[1]
    h = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        h.update(str(path.relative_to(root)).encode())
        h.update(path.read_bytes())
    h.update(f"{matplotlib.__version__} {np.__version__} {FORMAT} {WIDTH_PX}".encode())
    return h.hexdigest()


class _Encoder:
    """Packs typed arrays after a JSON header; operations are stored once each."""

    def __init__(self):
        self.chunks: list[bytes] = []
        self.size = 0
        self.ops: list[dict] = []
        self.op_ids: dict[bytes, int] = {}

    def blob(self, data: bytes) -> list[int]:
        pad = (-self.size) % 8
        if pad:
            self.chunks.append(b"\0" * pad)
            self.size += pad
        start = self.size
        self.chunks.append(data)
        self.size += len(data)
        return [start, len(data)]

    def op(self, op: dict) -> int:
        meta = {k: v for k, v in op.items() if k not in ("xy", "codes", "rgba")}
        arrays = []
        if "xy" in op:
            xy = op["xy"]
            # The first point in the header; then the x and the y steps apart, each as int8
            # when it fits (most steps of a line are a few pixels): deflate packs them well.
            meta["p0"] = [int(v) for v in xy[0]] if len(xy) else [0, 0]
            steps = np.diff(xy, axis=0)
            for column in (steps[:, 0], steps[:, 1]):
                big = np.abs(column).max(initial=0)
                dtype = "i1" if big <= 127 else "i2" if big <= 32767 else "i4"
                arrays.append((column.astype(np.dtype(dtype)), dtype))
            if op["codes"] is not None:
                arrays.append((op["codes"], "u1"))
        if "rgba" in op:
            meta["shape"] = list(op["rgba"].shape[:2])
            arrays.append((op["rgba"], "u1"))
        digest = hashlib.blake2b(
            json.dumps(meta, sort_keys=True).encode() + b"".join(a.tobytes() for a, _ in arrays),
            digest_size=16,
        ).digest()
        if digest in self.op_ids:
            return self.op_ids[digest]
        stored = []
        for array, dtype in arrays:
            stored.append([dtype, *self.blob(np.ascontiguousarray(array).tobytes())])
        meta["arrays"] = stored
        self.ops.append(meta)
        self.op_ids[digest] = len(self.ops) - 1
        return self.op_ids[digest]

    def pack(self, header: dict) -> bytes:
        header = {**header, "ops": self.ops}
        head = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode()
        body = b"".join(self.chunks)
        raw = b"WMSW" + struct.pack("<I", len(head)) + head
        raw += b"\0" * ((-len(raw)) % 8) + body
        return gzip.compress(raw, compresslevel=9, mtime=0)


def _subset_fonts(fonts: dict[str, dict]) -> list[dict]:
    """Each font the dynamic texts use, cut down to their characters (WOFF, for the canvas)."""
    import logging

    out = []
    logging.getLogger("fontTools").setLevel(logging.ERROR)  # not into the page's stderr
    for path, font in fonts.items():
        try:
            from fontTools import subset
            from fontTools.ttLib import TTFont

            tt = TTFont(path)
            options = subset.Options()
            options.flavor = "woff"
            options.layout_features = ["*"]
            sub = subset.Subsetter(options)
            sub.populate(text="".join(sorted(font["chars"])) + " ")
            sub.subset(tt)
            buffer = io.BytesIO()
            tt.flavor = "woff"
            tt.save(buffer)
            data = buffer.getvalue()
        except Exception:  # noqa: BLE001 (no fontTools: the browser's sans-serif is used)
            data = b""
        from matplotlib.ft2font import FT2Font

        family = FT2Font(path).family_name
        out.append({"name": font["name"], "family": family, "data": data})
    return out


@dataclass
class Precomputed:
    payload: bytes
    key: str
    settings: int
    frames: int
    ops: int
    seconds: float
    width: int
    height: int
    initial: tuple
    fixed: dict[str, str]
    axes: list[Axis]


def precompute(widget, width_px: int = WIDTH_PX) -> Precomputed:
    """Run the widget's compute and view over its grid; the payload the site's front end reads.

    The widget's control values are restored afterwards; its view is left at the higher
    resolution of the site (``width_px`` wide).
    """
    import time

    start = time.perf_counter()
    grid = declared_grid(widget)
    view = widget.view
    dpi = set_resolution(view, width_px)
    width, height = view.canvas.get_width_height()
    frames = _Frames()
    encoder = _Encoder()
    initial_values = {n: c.value for n, c in widget.controls.items()}
    initial_index = {n: c.index for n, c in widget.controls.items() if _is_option_control(c)}
    settings: dict[str, list] = {}
    combos: dict[str, list] = {}
    fonts: dict[str, dict] = {}
    option_names = [a.name for a in grid.axes if a.kind == "index"]
    with contextlib.ExitStack() as stack:
        for control in widget.controls.values():
            stack.enter_context(control.hold_sync())
        stack.enter_context(widget.suspended())
        for key, values, disabled in _settings(widget, grid):
            data = widget.compute(**values)
            view.update(data)
            ops, state = serialize(view, frames.by_key)
            for file, font in state.fonts.items():
                fonts.setdefault(file, {"name": f"wm-font-{len(fonts)}", "chars": set()})
                fonts[file]["chars"].update(font["chars"])
                for op in ops:
                    if op.get("font") == font["name"]:
                        op["font"] = fonts[file]["name"]
            frame = frames.by_key.get(view._frame_key)
            if frame is None:
                frame = frames.add(view._frame_key, frame_pixels(view))
                assert view._frame_key == view._frame()
            settings[",".join(map(str, key))] = [frame, [encoder.op(op) for op in ops]]
            combo = ",".join(str(key[grid.axes.index(a)]) for a in grid.axes if a.kind == "index")
            combos[combo] = sorted(n for n in disabled if n not in grid.fixed)
            if len(settings) > MAX_SETTINGS:
                raise ValueError(
                    f"static grid of more than {MAX_SETTINGS} settings; declare "
                    "coarser steps or Fixed controls"
                )
        view._frame_key = None  # the next live render draws its frame afresh
        for name, index in initial_index.items():
            widget.controls[name].index = index
        for name, value in initial_values.items():
            widget.controls[name].value = value
    atlas, atlas_cols = frames.atlas_png()
    header = {
        "format": FORMAT,
        "width": width,
        "height": height,
        "dpi": dpi,
        "quantum": QUANTUM,
        "tile": TILE,
        "atlas": encoder.blob(atlas),
        "atlas_cols": atlas_cols,
        "frames": [
            [f.shape[0], f.shape[1], *encoder.blob(f.astype("<u2").tobytes())]
            for f in frames.frames
        ],
        "controls": [
            {
                "name": a.name,
                "kind": a.kind,
                "labels": a.labels,
                "log": a.log_base,
                "initial": a.initial,
                "when": a.when,
            }
            for a in grid.axes
        ],
        "options": option_names,
        "combos": combos,
        "settings": settings,
        "fonts": [],
    }
    for font in _subset_fonts(fonts):
        header["fonts"].append(
            {
                "name": font["name"],
                "family": font["family"],
                "data": encoder.blob(font["data"]) if font["data"] else None,
            }
        )
    payload = encoder.pack(header)
    key = hashlib.sha256(payload).hexdigest()[:20]
    return Precomputed(
        payload,
        key,
        len(settings),
        len(frames.frames),
        len(encoder.ops),
        time.perf_counter() - start,
        width,
        height,
        tuple(a.initial for a in grid.axes),
        grid.fixed,
        grid.axes,
    )


def decode(payload: bytes) -> tuple[dict, bytes]:
    """The header and the binary body of a payload (for tests and for reading it back)."""
    raw = gzip.decompress(payload)
    if raw[:4] != b"WMSW":
        raise ValueError("not a static-widget payload (no WMSW magic)")
    (n,) = struct.unpack("<I", raw[4:8])
    header = json.loads(raw[8 : 8 + n].decode())
    body_start = 8 + n + ((-(8 + n)) % 8)
    return header, raw[body_start:]


def decoded_ops(header: dict, body: bytes, setting_key: str) -> tuple[int, list[dict]]:
    """A setting's frame index and its operations, arrays decoded, as :func:`serialize` gave."""
    frame, ids = header["settings"][setting_key]
    out = []
    for i in ids:
        meta = dict(header["ops"][i])
        arrays = meta.pop("arrays")
        if meta["t"] == "path":
            columns = [
                np.frombuffer(body[start : start + length], np.dtype(dtype)).astype(np.int64)
                for dtype, start, length in arrays[:2]
            ]
            p0 = np.array(meta.pop("p0"), np.int64)
            steps = np.stack(columns, axis=1).reshape(-1, 2)
            meta["xy"] = np.vstack([p0[None, :], p0 + np.cumsum(steps, axis=0)])
            meta["codes"] = (
                np.frombuffer(body[arrays[2][1] : arrays[2][1] + arrays[2][2]], np.uint8)
                if len(arrays) > 2
                else None
            )
        elif meta["t"] == "image":
            _, start, length = arrays[0]
            h, w = meta.pop("shape")
            meta["rgba"] = np.frombuffer(body[start : start + length], np.uint8).reshape(h, w, 4)
        out.append(meta)
    return frame, out


def frame_from_tiles(header: dict, body: bytes, index: int) -> np.ndarray:
    """Reassemble frame ``index`` from the tile atlas (as the front end does), (H, W, 3)."""
    from PIL import Image

    start, length = header["atlas"]
    atlas = np.asarray(Image.open(io.BytesIO(body[start : start + length])).convert("RGB"))
    rows, cols, fstart, flength = header["frames"][index]
    ids = np.frombuffer(body[fstart : fstart + flength], "<u2").reshape(rows, cols)
    t, per_row = header["tile"], header["atlas_cols"]
    out = np.empty((rows * t, cols * t, 3), np.uint8)
    for r in range(rows):
        for c in range(cols):
            ar, ac = divmod(int(ids[r, c]), per_row)
            out[r * t : (r + 1) * t, c * t : (c + 1) * t] = atlas[
                ar * t : (ar + 1) * t, ac * t : (ac + 1) * t
            ]
    return out[: header["height"], : header["width"]]


# -- the widget the page shows ------------------------------------------------------------------


def _cache_dir() -> Path:
    folder = Path(os.environ[ENV]).expanduser()
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def cache_key(widget) -> str:
    """What a payload depends on: rnnlib's source, matplotlib and numpy, the grid, and what the
    widget draws at its initial setting (so a widget fed other data, e.g. another NTM episode,
    gets another payload). Leaves the view at the site's resolution."""
    grid = declared_grid(widget)
    view = widget.view
    set_resolution(view)
    view.update(widget.compute(**widget.values()))
    initial_ops, _ = serialize(view)
    digest = hashlib.sha256()
    digest.update(_source_digest().encode())
    digest.update(repr([(a.name, a.kind, a.values) for a in grid.axes]).encode())
    digest.update(repr(sorted(grid.fixed.items())).encode())
    digest.update(type(view).__name__.encode())
    for op in initial_ops:
        for k in sorted(op):
            value = op[k]
            digest.update(k.encode())
            digest.update(
                value.tobytes() if isinstance(value, np.ndarray) else repr(value).encode()
            )
    return digest.hexdigest()[:24]


def payload_file(widget, folder: Path | None = None) -> tuple[Path, dict, bool]:
    """The widget's payload in ``folder`` (default ``$WM_STATIC_WIDGETS``), computed unless a
    payload with the same :func:`cache_key` is there: (path, summary, reused)."""
    folder = Path(folder) if folder is not None else _cache_dir()
    folder.mkdir(parents=True, exist_ok=True)
    key = cache_key(widget)
    target = folder / f"{key}.wmsw"
    info_file = folder / f"{key}.json"
    if target.is_file() and info_file.is_file():
        return target, json.loads(info_file.read_text()), True
    result = precompute(widget)
    tmp = target.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_bytes(result.payload)
    tmp.replace(target)
    info = {
        "settings": result.settings,
        "frames": result.frames,
        "ops": result.ops,
        "seconds": round(result.seconds, 2),
        "bytes": len(result.payload),
        "width": result.width,
        "height": result.height,
        "view": type(widget.view).__name__,
    }
    info_file.write_text(json.dumps(info))
    return target, info, False


def static_widget(widget) -> Any:
    """The box the site shows for a LiveWidget: its controls, the notice and a StaticFigure.

    Slider steps are set to the grid's, fixed controls are disabled with their reason, and the
    payload is written to ``$WM_STATIC_WIDGETS`` (or reused, see :func:`payload_file`).
    """
    import time

    import ipywidgets as w

    start = time.perf_counter()
    grid = declared_grid(widget)
    target, info, cached = payload_file(widget)
    # The controls as the site shows them: grid steps, continuous drags, fixed ones disabled.
    for axis in grid.axes:
        control = widget.controls[axis.name]
        spec = (getattr(widget, "static_grid", None) or {}).get(axis.name)
        if isinstance(spec, Step):
            if spec.min is not None:
                control.min = spec.min
            if spec.max is not None:
                control.max = spec.max
            control.step = spec.step
        if hasattr(control, "continuous_update"):
            control.continuous_update = True
    for name in grid.fixed:
        widget.controls[name].disabled = True
    reasons = [
        f"<b>{_label(widget.controls[n], n)}</b> fixed at {_shown(widget.controls[n])}: {reason}"
        for n, reason in grid.fixed.items()
    ]
    sometimes = [
        f"<b>{_label(widget.controls[a.name], a.name)}</b>: {_spec(widget, a.name).reason}"
        for a in grid.axes
        if a.when
    ]
    note = w.HTML(
        "<div class='wm-static-note' style='font-size:0.85em;line-height:1.35;color:#555'>"
        + "".join(f"<div class='wm-static-fixed'>{r}</div>" for r in reasons)
        + "".join(f"<div class='wm-static-conditional'>{r}</div>" for r in sometimes)
        + f"<div class='wm-static-notice'><i>{NOTICE}</i></div></div>"
    )
    figure = _widget_class()(
        controls=list(widget.controls.values()),
        names=list(widget.controls),
        src=target.name,
        frame_width=info["width"],
        frame_height=info["height"],
        description=widget.alt_text(),
    )
    _log(
        f"{info.get('view', type(widget.view).__name__)}: {info['settings']} settings, "
        f"{info['frames']} frames, {info['bytes'] / 1024:.0f} KB gzip, "
        f"{'reused' if cached else 'computed in {:.1f} s'.format(info['seconds'])}; "
        f"{time.perf_counter() - start:.1f} s in all"
    )
    return w.VBox([widget.layout_box, note, figure], layout=w.Layout(width="100%"))


def _spec(widget, name: str):
    return (getattr(widget, "static_grid", None) or {}).get(name)


def _label(control, name: str) -> str:
    return getattr(control, "description", "") or name


def _shown(control) -> str:
    value = control.value
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _log(message: str) -> None:
    """Record what the precomputation did in $WM_STATIC_WIDGETS/log.txt (not in the page)."""
    try:
        with open(_cache_dir() / "log.txt", "a", encoding="utf-8") as f:
            f.write(message + "\n")
    except OSError:
        pass


@functools.cache
def _widget_class():
    import ipywidgets as w
    import traitlets as t

    class StaticFigure(w.DOMWidget):
        """The figure of a static widget: draws the precomputed setting the controls select."""

        _model_name = t.Unicode("StaticFigureModel").tag(sync=True)
        _view_name = t.Unicode("StaticFigureView").tag(sync=True)
        _model_module = t.Unicode(MODULE).tag(sync=True)
        _view_module = t.Unicode(MODULE).tag(sync=True)
        _model_module_version = t.Unicode(MODULE_VERSION).tag(sync=True)
        _view_module_version = t.Unicode(MODULE_VERSION).tag(sync=True)
        controls = t.List(t.Instance(w.Widget)).tag(sync=True, **w.widget_serialization)
        names = t.List(t.Unicode()).tag(sync=True)
        src = t.Unicode("").tag(sync=True)
        frame_width = t.Int(0).tag(sync=True)
        frame_height = t.Int(0).tag(sync=True)
        description = t.Unicode("").tag(sync=True)

    return StaticFigure


def __getattr__(name: str):
    if name == "StaticFigure":
        cls = _widget_class()
        globals()["StaticFigure"] = cls
        return cls
    raise AttributeError(name)
