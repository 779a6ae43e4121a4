"""Which notebooks the live-widget tests drive (live_harness.notebook_uses_widgets).

No browser is needed here, but the file sits with the harness it tests (and so is marked
``browser`` with the rest of tests/live/).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import live_harness as H

FIRST_CELL = (
    "try:\n"
    "    import ipywidgets, matplotlib, rnnlib  # noqa: F401\n"
    "except ImportError:\n"
    '    %pip install --quiet "rnnlib[widgets]"\n'
    "    import rnnlib\n"
)
VIEW = {
    "output_type": "display_data",
    "data": {
        H.WIDGET_VIEW_MIME: {"model_id": "abc", "version_major": 2, "version_minor": 0},
        "text/plain": "VBox(...)",
    },
    "metadata": {},
}
TEXT = {"output_type": "stream", "name": "stdout", "text": "0.25\n"}


def _notebook(tmp_path: Path, cells: list[tuple[str, list[dict]]], name: str = "nb") -> Path:
    path = tmp_path / f"{name}.ipynb"
    nb = {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {},
        "cells": [
            {
                "cell_type": "code",
                "source": src,
                "outputs": outs,
                "metadata": {},
                "execution_count": None,
            }
            for src, outs in cells
        ],
    }
    path.write_text(json.dumps(nb))
    return path


def test_a_saved_widget_view_counts_whatever_module_built_it(tmp_path):
    nb = _notebook(
        tmp_path,
        [
            (FIRST_CELL, []),
            ("from rnnlib.book import sensitivity", []),
            ("sensitivity.morphing()", [VIEW]),
        ],
    )
    assert H.notebook_uses_widgets(nb)


def test_an_ipywidgets_import_alone_does_not_count(tmp_path):
    """The standard first cell imports ipywidgets; a chapter with no widget is not driven."""
    executed = _notebook(tmp_path, [(FIRST_CELL, []), ("print(0.25)", [TEXT])], "executed")
    assert not H.notebook_uses_widgets(executed)
    fresh = _notebook(
        tmp_path,
        [(FIRST_CELL, []), ("import ipywidgets as widgets", []), ("print(0.25)", [])],
        "fresh",
    )
    assert not H.notebook_uses_widgets(fresh)


def test_an_executed_notebook_is_judged_by_its_outputs(tmp_path):
    """A widget call whose output is not a widget view (saved as text) does not count."""
    nb = _notebook(tmp_path, [(FIRST_CELL, []), ("w = bptt.decay_widget()", [TEXT])])
    assert not H.notebook_uses_widgets(nb)


def test_a_notebook_without_outputs_is_judged_by_its_widget_calls(tmp_path):
    calls = [
        "sensitivity.morphing_widget()",
        "w = gates.playground_widget(n=3)",
        "LiveWidget(compute, view, controls)",
        "interactive_output(f, {'a': a})",
        "widgets.IntSlider(value=1)",
    ]
    for k, call in enumerate(calls):
        assert H.notebook_uses_widgets(
            _notebook(tmp_path, [(FIRST_CELL, []), (call, [])], f"call{k}")
        ), call
    commented = _notebook(
        tmp_path, [(FIRST_CELL, []), ("# sensitivity.morphing_widget()", [])], "commented"
    )
    assert not H.notebook_uses_widgets(commented)


def test_the_chapters_driven_are_those_that_show_widget_views():
    """On the committed chapters: exactly those with a saved widget view are driven; at least
    one chapter imports ipywidgets in its first cell and has none (it must not be driven)."""
    chapters = sorted(H.CHAPTERS.glob("*.ipynb"))
    shows_views, imports_only = set(), set()
    for path in chapters:
        nb = json.loads(path.read_text(encoding="utf-8"))
        code = [c for c in nb["cells"] if c["cell_type"] == "code"]
        views = any(
            H.WIDGET_VIEW_MIME in o.get("data", {}) for c in code for o in c.get("outputs", [])
        )
        if views:
            shows_views.add(path)
        elif code and "ipywidgets" in "".join(code[0]["source"]):
            imports_only.add(path)
    assert shows_views, "no chapter has a saved widget view: the chapters were saved unexecuted?"
    assert imports_only, "no chapter without widgets left to check the first-cell case on"
    assert set(H.widget_chapters()) == shows_views
