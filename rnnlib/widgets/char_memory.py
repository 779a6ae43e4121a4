"""The widget of the chapter "An LSTM that writes text": pick a passage, a unit and a signal
(the cell state c_t or a gate) and see every character coloured by that unit's value."""

from __future__ import annotations

import numpy as np

from ..plots.char_memory import ColouredText, passage_grid
from . import LiveWidget

SIGNALS = {"cell state c_t": "c", "forget gate f_t": "f"}


def passage_view(passages: dict[str, tuple[str, dict[str, np.ndarray]]], passage: str,
                 unit: int, signal: str, labels: dict[int, str] | None = None,
                 n_cols: int = 80) -> dict:
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

    style = {"description_width": "initial"}
    names = list(passages)
    controls = {
        "passage": w.Dropdown(options=names, value=names[0], description="passage",
                              style=style),
        "unit": w.Dropdown(options=[(f"unit {u}: {label}", u) for u, label in units.items()],
                           value=next(iter(units)), description="unit", style=style),
        "signal": w.ToggleButtons(options=list(SIGNALS.items()), value="c",
                                  description="colour by", style=style),
    }
    n_rows = max(len(text.split("\n")) for text, _ in passages.values())

    def compute(passage: str, unit: int, signal: str) -> dict:
        return passage_view(passages, passage, unit, signal, units, n_cols)

    # On the website: every passage x unit x signal (all dropdown and toggle options).
    return LiveWidget(controls, compute, ColouredText(n_rows, n_cols),
                      w.VBox(list(controls.values())), static_grid={},
                      alt="A passage of Python source, each character on a background coloured "
                          "by the chosen unit's value after reading it: red positive, blue "
                          "negative.")


def chapter_widget(max_chunks: int = 20) -> LiveWidget:
    """The chapter's widget: the shipped late LSTM on held-out passages, with the unit that
    correlates best with each feature in the unit menu."""
    from ..experiments import char_model as cm

    trained = cm.load_trained()
    cell = trained.model("lstm").cell
    inside = cm.look_inside(cell, trained.task, trained.corpus.valid_files, chunk=1000,
                            max_chunks=max_chunks)
    return widget_for(cm.passages(cell, trained.task, trained.corpus.valid_files),
                      units_of(inside))


def units_of(inside) -> dict[int, str]:
    """For each feature, the unit of a recorded run that correlates best with it: unit ->
    label (a unit that is best for two features is listed once, under the first)."""
    from ..experiments import char_model as cm

    units: dict[int, str] = {}
    for feature, unit, r in cm.best_units(inside.correlations(), cm.FEATURES, 1):
        units.setdefault(unit, f"{feature}, r = {r:+.2f}")
    return units


def widget_for(passages, units: dict[int, str]) -> LiveWidget:
    """The widget on recorded passages (:func:`rnnlib.experiments.char_model.passages`) and
    a unit menu (:func:`units_of`)."""
    return char_memory_widget(passages, units)
