"""Static widgets (rnnlib.widgets.static): what the site shows equals what the live widget draws.

For every registered widget, at least three settings of its site grid (its initial setting,
its last one and random others) are read back from the precomputed payload and compared with
what a fresh live widget draws after a reader sets the same controls (the live callback:
compute, view.update, render): the same frame pixels, the same drawing operations (paths to the
1/8 pixel, texts, images). The payload is the one the site build left in
_build/static-widgets when it is there (same cache key), else it is computed here (slow: up to
a minute per widget on a loaded machine).

The front end that draws these operations in a browser is checked against the live PNG by
tests/browser/test_static_widgets.py.
"""

from __future__ import annotations

import os
import random
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("ipywidgets")
import matplotlib

matplotlib.use("Agg")

from rnnlib.widgets import stable_limits, static
from rnnlib.widgets.registry import WIDGETS

ROOT = Path(os.environ.get("WM_BOOK_ROOT", Path(__file__).resolve().parents[1]))
CACHE = ROOT / "_build" / "static-widgets"


# Computing every widget's whole grid takes about a minute on 2 cores (the site build's cache,
# _build/static-widgets, is reused when it is there): the tests that need the payloads are
# ``slow``, run by the test command but not by the quick unit run.
needs_payloads = pytest.mark.slow


@pytest.fixture(scope="module")
def payloads(tmp_path_factory):
    """name -> (header, body, compressed size) of every registered widget's payload."""
    out = {}
    for name, make in WIDGETS.items():
        folder = CACHE if CACHE.is_dir() else tmp_path_factory.mktemp("static-widgets")
        path, _, _ = static.payload_file(make(), folder)
        data = path.read_bytes()
        out[name] = (*static.decode(data), len(data))
    return out


def _set_controls(widget, header: dict, key: str, rng: random.Random) -> dict:
    """Set the live widget's controls to a setting of the grid, as a reader would; controls
    the setting leaves out (disabled for it) are set to a random grid value: they must not
    matter. Returns the values set."""
    picks = [int(k) for k in key.split(",")]
    chosen = {}
    # options first: they enable or disable the sliders
    order = sorted(range(len(picks)), key=lambda i: header["controls"][i]["kind"] != "index")
    for i in order:
        control = header["controls"][i]
        live = widget.controls[control["name"]]
        if picks[i] >= 0:
            k = picks[i]
        elif control.get("when") and any(
            widget.controls[n].value != v for n, v in control["when"].items()
        ):
            k = control["initial"]  # precomputed for some options only: at its initial value
        else:
            k = rng.randrange(len(control["labels"]))  # disabled by the widget: must not matter
        if control["kind"] == "index":
            live.index = k
        else:
            live.value = control["labels"][k]
        chosen[control["name"]] = control["labels"][k]
    return chosen


def _same_ops(static_ops: list[dict], live_ops: list[dict]) -> None:
    assert len(static_ops) == len(live_ops)
    for s, v in zip(static_ops, live_ops):
        assert s["t"] == v["t"]
        for key, value in v.items():
            if key in ("xy", "rgba"):
                np.testing.assert_array_equal(s[key], value)
            elif key == "codes":
                assert (s[key] is None) == (value is None)
                if value is not None:
                    np.testing.assert_array_equal(s[key], value)
            elif key == "font":
                continue  # the payload names its fonts in its own order
            else:
                expected = (
                    [list(x) if isinstance(x, tuple) else x for x in value]
                    if isinstance(value, list)
                    else value
                )
                assert s[key] == expected, key


@needs_payloads
@pytest.mark.parametrize("name", list(WIDGETS))
def test_static_settings_equal_the_live_callback(name, payloads):
    header, body, _ = payloads[name]
    keys = list(header["settings"])
    rng = random.Random(13)
    initial = keys[0]
    chosen = [keys[0], keys[-1]] + rng.sample(keys[1:-1], k=min(3, max(0, len(keys) - 2)))
    assert len(set(chosen)) >= min(3, len(keys))
    for key in chosen:
        widget = WIDGETS[name]()  # a fresh live widget, drawn at its default
        static.set_resolution(widget.view)  # the site's resolution (same layout, more pixels)
        values = _set_controls(widget, header, key, rng)
        # the live callback has run for every control set; draw what a reader would see
        widget.view._frame_key = None
        widget.view.render()
        live_frame = static.frame_pixels(widget.view)
        live_ops, _ = static.serialize(widget.view)
        frame, static_ops = static.decoded_ops(header, body, key)
        np.testing.assert_array_equal(
            static.frame_from_tiles(header, body, frame),
            live_frame,
            err_msg=f"{name}: frame differs at {values}",
        )
        _same_ops(static_ops, live_ops)
    assert initial in header["settings"]


@needs_payloads
@pytest.mark.parametrize("name", list(WIDGETS))
def test_grid_holds_the_initial_setting_and_every_option(name, payloads):
    header, _, _ = payloads[name]
    widget = WIDGETS[name]()
    grid = static.declared_grid(widget)
    for axis, control in zip(grid.axes, header["controls"]):
        assert axis.name == control["name"]
        if axis.kind == "index":
            assert control["labels"] == list(range(len(widget.controls[axis.name].options)))
    key = ",".join(str(a.initial) for a in grid.axes)
    # the initial setting is in the payload (with disabled controls left out)
    patterns = {k: v for k, v in header["combos"].items()}
    combo = ",".join(str(a.initial) for a in grid.axes if a.kind == "index")
    disabled = patterns[combo]
    key = ",".join("-1" if a.name in disabled else str(a.initial) for a in grid.axes)
    assert key in header["settings"]


@needs_payloads
def test_budgets_of_the_payloads(payloads):
    """Each widget's payload is at most 500 KB compressed (the issue's budget)."""
    for name, (_, _, size) in payloads.items():
        assert size <= 500 * 1024, f"{name}: {size / 1024:.0f} KB"


def test_gate_playground_grid_is_what_the_issue_asks():
    """The gate values respond on the site; the run's own settings are fixed, with a reason."""
    widget = WIDGETS["gate playground (ch. 5)"]()
    grid = static.declared_grid(widget)
    names = {a.name for a in grid.axes}
    assert {"cell", "mode", "i", "f", "o", "r", "z", "weight_scale"} <= names
    assert set(grid.fixed) == {"T", "input_scale"}
    # the weight scale responds with random weights (the chapter's question asks for 4)
    weight = next(a for a in grid.axes if a.name == "weight_scale")
    assert weight.when == {"mode": "random"} and 4.0 in weight.values
    decay = static.declared_grid(WIDGETS["gradient decay (ch. 2)"]())
    assert {"norm", "init", "T", "activation"} == {a.name for a in decay.axes}


@needs_payloads
def test_static_box_disables_fixed_controls_with_their_reason(monkeypatch, tmp_path):
    monkeypatch.setenv(static.ENV, str(tmp_path))
    widget = WIDGETS["gate playground (ch. 5)"]()
    box = static.static_widget(widget)
    note = box.children[1].value
    for name in ("T", "input_scale"):
        assert widget.controls[name].disabled
        assert widget.controls[name].description in note
    assert "wm-static-conditional" in note and "weight scale" in note
    assert static.NOTICE in note
    figure = box.children[2]
    assert (tmp_path / figure.src).is_file()
    assert figure.names == list(widget.controls)
    # sliders move at the grid's step on the site, and follow a drag
    assert widget.controls["f"].step == 0.25 and widget.controls["i"].step == 0.5
    assert widget.controls["i"].continuous_update


def test_axis_checks_the_grid():
    import ipywidgets as w

    slider = w.FloatSlider(value=0.5, min=0.0, max=1.0, step=0.05)
    axis = static.control_axis("x", slider, static.Step(0.25))
    assert axis.values == [0.0, 0.25, 0.5, 0.75, 1.0] and axis.initial == 2
    fine = static.control_axis(
        "x", w.FloatSlider(value=0.8, min=0.4, max=1.6, step=0.1), static.Step(0.2)
    )
    assert 0.8 in fine.values and fine.initial == 2  # not 0.8000000000000002
    with pytest.raises(ValueError, match="not on the site's grid"):
        static.control_axis("x", w.FloatSlider(value=0.1, min=0.0, max=1.0), static.Step(0.25))
    with pytest.raises(ValueError, match="whole number of steps"):
        static.control_axis("x", w.IntSlider(value=10, min=1, max=50), static.Step(3))
    log = static.control_axis(
        "n", w.FloatLogSlider(value=1.0, base=2, min=-2, max=3), static.Step(0.5)
    )
    assert log.values[0] == 0.25 and log.values[-1] == 8.0 and log.values[log.initial] == 1.0
    with pytest.raises(TypeError, match="every option"):
        static.control_axis("d", w.Dropdown(options=["a", "b"]), static.Step(1))


def test_stable_limits_depend_on_the_data_only():
    from matplotlib.figure import Figure

    ax = Figure().subplots()
    stable_limits(ax, -0.93, 0.95)
    assert ax.get_ylim() == (-1.0, 1.0) or ax.get_ylim() == (-1.2, 1.2)
    first = ax.get_ylim()
    stable_limits(ax, -40.0, 70.0)
    stable_limits(ax, -0.93, 0.95)
    assert ax.get_ylim() == first  # the same data, the same limits, whatever came before
    stable_limits(ax, 0.0, 3.1)
    assert ax.get_ylim() == (0.0, 5.0)  # norms start at 0
    stable_limits(ax, 0.0, 0.0)
    assert ax.get_ylim()[0] < 0 < ax.get_ylim()[1]
    stable_limits(ax, 0, 150, axis="x", pad=0.0)
    assert ax.get_xlim() == (0.0, 150.0)


def test_nothing_happens_without_the_environment_variable(monkeypatch):
    monkeypatch.delenv(static.ENV, raising=False)
    widget = WIDGETS["forget-gate bias (ch. 6)"]()
    assert not static.enabled()
    assert widget.image.value  # the live PNG, as before
    bundle = widget._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
