"""Chapter 10 ("An LSTM that writes text"), what the cell holds: hand-defined features of
Python source (bracket depth, strings, comments, column, indentation), the search for cell units
that track them, held-out passages with what the cell held while reading them, the coloured-text
figure (:func:`plot_coloured_text`), the character-memory widget (:func:`char_memory_widget`,
:func:`chapter_widget`) and the bracket-depth exercise's check.

The maths: for every unit ``j`` of the cell state ``c_t`` (the state ``s_t`` of a vanilla RNN)
and every feature ``f_t``, recorded over the same held-out characters ``t``, the Pearson
correlation ``r_j = sum_t (c_tj - mean c_j)(f_t - mean f) / (||c_j - mean|| ||f - mean||)``
(:func:`correlations`); a unit "tracks" a feature when ``|r|`` is far above an untrained cell's.
The model, its training and sampling are in :mod:`rnnlib.book.char_model`.
"""

from __future__ import annotations

import io
import re
import tokenize
from dataclasses import dataclass

import numpy as np

from ..cells import Cell, GateProbe
from ..checks import describe, integer
from ..tasks import CharLM, one_hot
from ..unroll import run
from ..widgets import LiveWidget, View
from . import style
from .char_model import encode
from .judge import judge

# ---------------------------------------------------------------- features and the search

FEATURES = ("bracket depth", "inside a string", "inside a comment", "column", "indentation")

_STRING_TOKENS = {"STRING"}
_OPEN_F, _CLOSE_F = {"FSTRING_START", "TSTRING_START"}, {"FSTRING_END", "TSTRING_END"}


def source_features(source: str) -> dict[str, np.ndarray]:
    """Hand-defined features of every character of Python ``source``, each shape (len,):
    the value after reading that character.

    bracket depth      open ( [ { outside strings and comments
    inside a string    1 within a string literal (quotes included), else 0
    inside a comment   1 from ``#`` to the end of its line
    column             characters since the last newline (0 for the first of a line)
    indentation        leading spaces of the character's line
    """
    if not isinstance(source, str):
        raise TypeError(f"source_features needs a str, got {describe(source)}")
    starts = np.concatenate([[0], np.cumsum([len(line) for line in source.splitlines(True)])])

    def offset(pos):
        return int(starts[pos[0] - 1] + pos[1])

    string = np.zeros(len(source))
    comment = np.zeros(len(source))
    f_depth, f_start = 0, 0
    try:
        for tok in tokenize.generate_tokens(io.StringIO(source).readline):
            kind = tokenize.tok_name[tok.type]
            if kind in _OPEN_F:
                if f_depth == 0:
                    f_start = offset(tok.start)
                f_depth += 1
            elif kind in _CLOSE_F:
                f_depth -= 1
                if f_depth == 0:
                    string[f_start : offset(tok.end)] = 1
            elif kind in _STRING_TOKENS and f_depth == 0:
                string[offset(tok.start) : offset(tok.end)] = 1
            elif kind == "COMMENT":
                comment[offset(tok.start) : offset(tok.end)] = 1
            elif kind == "ERRORTOKEN" and tok.string[:1] in "'\"":  # Python < 3.12
                raise tokenize.TokenError(f"unterminated string at line {tok.start[0]}")
    except (tokenize.TokenError, SyntaxError, IndentationError) as error:
        raise ValueError(
            f"source_features needs complete Python source; tokenize says: {error}"
        ) from None
    depth = np.zeros(len(source))
    column = np.zeros(len(source))
    indentation = np.zeros(len(source))
    d, col, indent, line_start = 0, 0, 0, True
    for t, ch in enumerate(source):
        if line_start:
            rest = source[t:].split("\n", 1)[0]
            indent = len(rest) - len(rest.lstrip(" "))
            line_start = False
        if not (string[t] or comment[t]):
            if ch in "([{":
                d += 1
            elif ch in ")]}":
                d = max(d - 1, 0)
        depth[t], column[t], indentation[t] = d, col, indent
        col += 1
        if ch == "\n":
            col, line_start = 0, True
    return {
        "bracket depth": depth,
        "inside a string": string,
        "inside a comment": comment,
        "column": column,
        "indentation": indentation,
    }


def correlations(states: np.ndarray, features: dict[str, np.ndarray]) -> np.ndarray:
    """Pearson correlation of every unit with every feature: shape (n_features, n_units).

    ``states`` (T, n): one row per character; each feature (T,). A constant unit or feature
    gets correlation 0.
    """
    states = np.asarray(states, dtype=float)
    if states.ndim != 2:
        raise ValueError(f"states must be (T, n_units), got shape {states.shape}")
    F = np.stack([np.asarray(features[k], dtype=float) for k in features])  # (F, T)
    if F.shape[1] != states.shape[0]:
        raise ValueError(f"features have {F.shape[1]} positions; states have {states.shape[0]}")
    S = states - states.mean(axis=0)
    F = F - F.mean(axis=1, keepdims=True)
    norm = np.sqrt((F**2).sum(axis=1))[:, None] * np.sqrt((S**2).sum(axis=0))[None, :]
    with np.errstate(invalid="ignore", divide="ignore"):
        r = (F @ S) / norm
    return np.where(norm > 0, r, 0.0)


def best_units(r: np.ndarray, names, k: int = 1) -> list[tuple[str, int, float]]:
    """For each feature, the ``k`` units with the largest |correlation|: (feature, unit, r)."""
    rows = []
    for name, row in zip(names, r):
        for unit in np.argsort(-np.abs(row), kind="stable")[:k]:
            rows.append((name, int(unit), float(row[unit])))
    return rows


@dataclass
class Inside:
    """What a cell held while reading the held-out files, joined into one text and read in
    chunks, each from the zero state. Arrays have one row per character of ``text``."""

    text: str
    c: np.ndarray  # (T, n) cell state after each character (s for a vanilla RNN)
    gates: dict[str, np.ndarray]  # gate name -> (T, n)
    features: dict[str, np.ndarray]  # feature name -> (T,)
    scored: np.ndarray  # (T,) bool: False in each chunk's first ``warmup`` characters
    chunk: int
    file_starts: dict[str, int]  # file name -> offset of its first character in ``text``

    def where(self, offset: int) -> str:
        """``"<file>.py line <k>"`` for a character offset of ``text``."""
        name = [n for n, s in self.file_starts.items() if s <= offset][-1]
        start = self.file_starts[name]
        return f"{name}.py line {self.text[start:offset].count(chr(10)) + 1}"

    def correlations(self) -> np.ndarray:
        """:func:`correlations` of the cell state with the features over the scored characters."""
        return correlations(
            self.c[self.scored], {k: v[self.scored] for k, v in self.features.items()}
        )


def look_inside(
    cell: Cell,
    task: CharLM,
    files: dict[str, str],
    chunk: int = 2000,
    warmup: int = 200,
    max_chunks: int | None = None,
) -> Inside:
    """Run ``cell`` over the files joined, cut into chunks of ``chunk`` characters read side
    by side from the zero state (a batch; the tail shorter than a chunk is dropped), and
    record its state, its gates and the features of :func:`source_features` (computed on each
    whole file). The first ``warmup`` characters of a chunk, read before the cell could know
    where it is, are left out of the correlations (``scored``). ``max_chunks`` keeps only the
    first chunks (a faster look)."""
    chunk, warmup = integer(chunk, "chunk"), integer(warmup, "warmup", minimum=0)
    if warmup >= chunk:
        raise ValueError(f"warmup ({warmup}) must be shorter than chunk ({chunk})")
    texts = list(files.values())
    text = "".join(texts)
    feats = [source_features(s) for s in texts]
    features = {name: np.concatenate([f[name] for f in feats]) for name in FEATURES}
    B = len(text) // chunk
    if max_chunks is not None:
        B = min(B, integer(max_chunks, "max_chunks"))
    if B == 0:
        raise ValueError(f"the files hold {len(text)} characters, fewer than one chunk ({chunk})")
    T = B * chunk
    codes = encode(task, text[:T]).reshape(B, chunk).T  # (chunk, B)
    probe = GateProbe()
    traj = run(cell, one_hot(codes, task.n_in), probe=probe)

    def flat(a):  # (chunk, B, n) -> (T, n), in text order
        return np.swapaxes(a, 0, 1).reshape(T, -1)

    state = flat(traj.state_array(0)[1:])
    gates = {g: flat(probe.stacked(g)) for g in cell.gate_names}
    scored = np.tile(np.arange(chunk) >= warmup, B)
    file_starts = dict(zip(files, np.cumsum([0] + [len(s) for s in texts[:-1]]).tolist()))
    return Inside(
        text[:T], state, gates, {k: v[:T] for k, v in features.items()}, scored, chunk, file_starts
    )


def passages(
    cell: Cell,
    task: CharLM,
    files: dict[str, str],
    n: int = 3,
    n_lines: int = 12,
    width: int = 80,
    lead: int = 300,
) -> dict[str, tuple[str, dict[str, np.ndarray]]]:
    """``n`` held-out passages of ``n_lines`` lines and what ``cell`` held while reading them:
    name -> ``(text, {"c": (len, n_units), gate: (len, n_units), ...})``.

    Each passage starts at a line opening a ``def`` (spread over the files), has lines of at
    most ``width`` characters, opens a bracket after its first line and is mostly code (under a
    third of its characters in strings). The cell reads the ``lead`` characters before it
    first, from the zero state, so that it knows its context (the passages side by side in one
    batch)."""
    text = "".join(files.values())
    feats = [source_features(s) for s in files.values()]
    in_string = np.concatenate([f["inside a string"] for f in feats])
    depth = np.concatenate([f["bracket depth"] for f in feats])
    file_starts = dict(zip(files, np.cumsum([0] + [len(s) for s in files.values()][:-1]).tolist()))
    starts = [m.start() + 1 for m in re.finditer(r"\n {4}def ", text) if m.start() + 1 >= lead]
    chosen: dict[str, tuple[int, str]] = {}
    for k in range(n):
        for start in starts:
            if start < k * len(text) / n or start in [c[0] for c in chosen.values()]:
                continue
            lines = text[start:].split("\n")[:n_lines]
            body = "\n".join(lines)
            end = start + len(body)
            if (
                max(map(len, lines)) > width
                or in_string[start:end].mean() >= 1 / 3
                or depth[start + len(lines[0]) : end].max() < 1
            ):
                continue
            name = [f for f, s in file_starts.items() if s <= start][-1]
            line = text[file_starts[name] : start].count("\n") + 1
            func = re.match(r" *def (\w+)", lines[0]).group(1)
            chosen[f"{func}, {name}.py line {line}"] = (start, body)
            break
    if not chosen:
        raise ValueError("no passage of the held-out files fits the rules")
    T = lead + max(len(body) for _, body in chosen.values())
    codes = np.stack(
        [
            np.pad(
                encode(task, text[s - lead : s] + body),
                (0, T - lead - len(body)),
                constant_values=task.index["\n"],
            )
            for s, body in chosen.values()
        ],
        axis=1,
    )  # (T, B)
    probe = GateProbe()
    traj = run(cell, one_hot(codes, task.n_in), probe=probe)
    recorded = {"c": traj.state_array(0)[1:], **{g: probe.stacked(g) for g in cell.gate_names}}
    return {
        name: (body, {k: v[lead : lead + len(body), b] for k, v in recorded.items()})
        for b, (name, (_, body)) in enumerate(chosen.items())
    }


# ---------------------------------------------------------------- the coloured-text figure

#: Advance width of DejaVu Sans Mono (matplotlib's monospace font) in em: 1233 / 2048.
MONO_ADVANCE = 1233 / 2048


def passage_grid(text: str, values: np.ndarray, n_cols: int) -> tuple[list[str], np.ndarray]:
    """The lines of ``text`` (cut at ``n_cols``) and a (lines, n_cols) array of ``values``
    (one per character of ``text``) at each character's place; NaN where there is none."""
    values = np.asarray(values, dtype=float)
    if values.shape != (len(text),):
        raise ValueError(
            f"values must have one entry per character, shape ({len(text)},); got {values.shape}"
        )
    lines = text.split("\n")
    grid = np.full((len(lines), n_cols), np.nan)
    t = 0
    for row, line in enumerate(lines):
        k = min(len(line), n_cols)
        grid[row, :k] = values[t : t + k]
        t += len(line) + 1  # the newline's own value is not shown
    return [line[:n_cols] for line in lines], grid


class ColouredText(View):
    """A passage of source code, each character under a translucent colour for one unit's value
    (red positive, blue negative, white zero), with the unit and its range in the title.

    The text is set in the book style's font size; the figure is as wide as ``n_cols``
    monospace characters of that size (so 80 columns fit whatever the size)."""

    def __init__(self, n_rows: int, n_cols: int = 80):
        import matplotlib as mpl

        style.use_book_style()
        font_pt = float(mpl.rcParams["font.size"])
        width_in = n_cols * font_pt * MONO_ADVANCE / 72 / 0.98
        row_pt = 1.3 * font_pt
        height_in = (n_rows * row_pt + 2.2 * font_pt) / 72
        super().__init__(figsize=(width_in, height_in))
        self.n_rows, self.n_cols = n_rows, n_cols
        fig = self.figure
        fig.set_layout_engine("none")
        ax = self.axes[0, 0]
        top = 1 - 2.0 * font_pt / 72 / height_in
        ax.set_position([0.01, 0.01, 0.98, top - 0.01])
        ax.set_xlim(-0.5, n_cols - 0.5)
        ax.set_ylim(n_rows - 0.5, -0.5)
        ax.set_xticks([])
        ax.set_yticks([])
        for spine in ax.spines.values():
            spine.set_visible(True)
            spine.set_color("#bbbbbb")
        cmap = mpl.colormaps["RdBu_r"].with_extremes(bad=(1.0, 1.0, 1.0, 0.0))  # no char: clear
        # The text and the title belong to the frame (drawn by matplotlib, also on the
        # website); only the colours move, as a translucent layer over the text.
        self.image = self.dynamic(
            ax.imshow(
                np.full((n_rows, n_cols), np.nan),
                cmap=cmap,
                vmin=-1,
                vmax=1,
                aspect="auto",
                alpha=0.45,
                interpolation="nearest",
                extent=(-0.5, n_cols - 0.5, n_rows - 0.5, -0.5),
            )
        )
        self.lines = [
            ax.text(
                -0.5, row, "", fontfamily="DejaVu Sans Mono", va="center", ha="left", color="black"
            )
            for row in range(n_rows)
        ]
        ax.set_title("")  # the centre title: part of the frame key
        style.describe(fig, WIDGET_DESCRIPTION)

    def update(self, data: dict) -> None:
        """``data``: ``lines`` (list of str), ``values`` (n_rows, n_cols) with NaN for no
        character, ``limit`` (colour scale +-limit), ``title``."""
        values = np.asarray(data["values"], dtype=float)
        if values.shape != (self.n_rows, self.n_cols):
            raise ValueError(
                f"values must have shape {(self.n_rows, self.n_cols)}, got {values.shape}"
            )
        self.image.set_data(values)
        limit = float(data["limit"])
        self.image.set_clim(-1.2 * limit, 1.2 * limit)  # never the darkest colours
        for k, artist in enumerate(self.lines):
            artist.set_text(data["lines"][k] if k < len(data["lines"]) else "")
        self.axes[0, 0].set_title(data["title"])


#: What the widget's figure shows, whatever the reader picks (its alt text on the website).
WIDGET_DESCRIPTION = (
    "A passage of Python source in monospace text, each character on a "
    "translucent background coloured by the chosen unit's value after "
    "reading it: red positive, blue negative, white near zero."
)


def plot_coloured_text(text: str, values, title: str, n_cols: int = 80, limit=None):
    """A still figure of ``text`` coloured by ``values`` (one per character), with its colour
    scale +-``limit`` (default: the largest |value|); described from the values drawn."""
    lines, grid = passage_grid(text, values, n_cols)
    view = ColouredText(len(lines), n_cols)
    lim = float(np.nanmax(np.abs(grid))) if limit is None else float(limit)
    view.update({"lines": lines, "values": grid, "limit": max(lim, 1e-12), "title": title})
    view.render()
    fig = view.still()
    fig.set_dpi(100)  # the book's figures are drawn at 100 dpi (a widget's view at View.dpi)
    row_max = np.nanmax(np.where(np.isnan(grid), -np.inf, grid), axis=1)
    row_min = np.nanmin(np.where(np.isnan(grid), np.inf, grid), axis=1)
    high, low = int(np.argmax(row_max)), int(np.argmin(row_min))
    return style.describe(
        fig,
        (
            f"Coloured text: {len(lines)} lines of Python source in monospace, each character on a "
            f"background coloured by {title} (red positive, blue negative, white zero, scale "
            f"+-{lim:.2f}). The values run from {np.nanmin(grid):+.2f} (most blue, line {low + 1}) "
            f"to {np.nanmax(grid):+.2f} (most red, line {high + 1})."
        ),
    )


# ---------------------------------------------------------------- the widget

SIGNALS = {"cell state c_t": "c", "forget gate f_t": "f"}


def passage_view(
    passages: dict[str, tuple[str, dict[str, np.ndarray]]],
    passage: str,
    unit: int,
    signal: str,
    labels: dict[int, str] | None = None,
    n_cols: int = 80,
) -> dict:
    """What the widget draws: ``passages`` maps a name to ``(text, {"c": (len, n), "f": ...})``
    (recorded values per character); the lines, the (rows, n_cols) grid of ``signal`` of
    ``unit``, its colour limit (c_t: the largest |c| in the passage; a gate: 0 to 1 drawn as
    2 f - 1) and a title."""
    if passage not in passages:
        raise ValueError(f"unknown passage {passage!r}; expected one of {list(passages)}")
    if signal not in SIGNALS.values():
        raise ValueError(f"signal must be one of {list(SIGNALS.values())}, got {signal!r}")
    text, recorded = passages[passage]
    values = recorded[signal][:, unit]
    if signal == "c":
        limit = max(float(np.abs(values).max()), 1e-6)
        what = f"c_t of unit {unit}, colour scale +-{limit:.2f}"
    else:
        values, limit = 2 * values - 1, 1.0
        what = f"forget gate f_t of unit {unit}: blue 0 (forget), red 1 (keep)"
    lines, grid = passage_grid(text, values, n_cols)
    extra = f" ({labels[unit]})" if labels and unit in labels else ""
    return {"lines": lines, "values": grid, "limit": limit, "title": what + extra}


def char_memory_widget(passages, units: dict[int, str], n_cols: int = 80) -> LiveWidget:
    """Dropdowns for the passage, the unit (``units``: unit -> label, e.g. the feature it tracks
    best and the correlation) and the signal; the passage coloured by that unit."""
    import ipywidgets as w

    controls_style = {"description_width": "initial"}
    names = list(passages)
    controls = {
        "passage": w.Dropdown(
            options=names, value=names[0], description="passage", style=controls_style
        ),
        "unit": w.Dropdown(
            options=[(f"unit {u}: {label}", u) for u, label in units.items()],
            value=next(iter(units)),
            description="unit",
            style=controls_style,
        ),
        "signal": w.ToggleButtons(
            options=list(SIGNALS.items()), value="c", description="colour by", style=controls_style
        ),
    }
    n_rows = max(len(text.split("\n")) for text, _ in passages.values())

    def compute(passage: str, unit: int, signal: str) -> dict:
        return passage_view(passages, passage, unit, signal, units, n_cols)

    # On the website: every passage x unit x signal (all dropdown and toggle options).
    return LiveWidget(
        controls,
        compute,
        ColouredText(n_rows, n_cols),
        w.VBox(list(controls.values())),
        static_grid={},
        alt=WIDGET_DESCRIPTION,
    )


def units_of(inside: Inside) -> dict[int, str]:
    """For each feature, the unit of a recorded run that correlates best with it: unit ->
    label (a unit that is best for two features is listed once, under the first)."""
    units: dict[int, str] = {}
    for feature, unit, r in best_units(inside.correlations(), FEATURES, 1):
        units.setdefault(unit, f"{feature}, r = {r:+.2f}")
    return units


def widget_for(passages, units: dict[int, str]) -> LiveWidget:
    """The widget on recorded passages (:func:`passages`) and a unit menu (:func:`units_of`)."""
    return char_memory_widget(passages, units)


def chapter_widget(max_chunks: int = 20) -> LiveWidget:
    """The chapter's widget: the shipped late LSTM on held-out passages, with the unit that
    correlates best with each feature in the unit menu."""
    from .char_model import load_trained

    trained = load_trained()
    cell = trained.model("lstm").cell
    inside = look_inside(
        cell, trained.task, trained.corpus.valid_files, chunk=1000, max_chunks=max_chunks
    )
    return widget_for(passages(cell, trained.task, trained.corpus.valid_files), units_of(inside))


# ---------------------------------------------------------------- exercise check

#: Exercise 1: the line whose bracket depth the reader writes down, character by character.
DEPTH_LINE = 'f(a[1], {"(": 2})\n'


def check_depth(answer) -> bool:
    """The bracket depth after reading each character of :data:`DEPTH_LINE` (a list of ints);
    prints right or wrong and a hint, never the expected value."""
    expected = source_features(DEPTH_LINE)["bracket depth"]
    before = np.concatenate([[0.0], expected[:-1]])  # the depth before each character
    naive = np.cumsum([(ch in "([{") - (ch in ")]}") for ch in DEPTH_LINE]).astype(float)
    return judge(
        "bracket depth",
        answer,
        expected,
        rtol=0,
        atol=1e-9,
        hint=(
            f"One number per character ({len(DEPTH_LINE)} of them, the newline "
            "included): the depth after reading it, so an opening bracket already "
            "counts at its own position and a closing one no longer does."
        ),
        near={
            "before": (
                before,
                (
                    "You wrote the depth before each character; the "
                    "feature is the depth after reading it."
                ),
            ),
            "string": (
                naive,
                (
                    "A bracket inside a string literal is text, not "
                    "syntax: the feature does not count it."
                ),
            ),
        },
    )
