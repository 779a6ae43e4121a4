"""rnnlib.book.char_memory (chapter 10): the features of Python source, the feature search
(on a synthetic case with a known answer, and on the shipped LSTM), the recorded passages, the
coloured-text figure, the widget and the bracket-depth check."""

from __future__ import annotations

import numpy as np
import pytest

from rnnlib import run
from rnnlib.book import char_memory, char_model
from rnnlib.tasks import one_hot


@pytest.fixture(scope="module")
def trained():
    return char_model.load_trained()


def test_source_features_on_a_known_snippet():
    src = 'def f(a, b="(x"):  # (\n    return [a,\n            b]\n'
    feats = char_memory.source_features(src)
    depth, string = feats["bracket depth"], feats["inside a string"]
    assert depth[src.index("(")] == 1 and depth[src.index("):") + 1] == 0
    assert depth[src.index("[")] == 1 and depth[src.index("[") - 1] == 0
    assert depth[src.index('"(x') + 1] == 1  # the bracket in the string is text
    assert depth[src.index("#") + 2] == 0  # so is the one in the comment
    assert depth[src.index("b]")] == 1 and depth[src.index("b]") + 1] == 0
    assert string[src.index('"(x') : src.index('"(x') + 4].all() and string.sum() == 4
    assert feats["inside a comment"].sum() == 3
    line2 = src.index("    return")
    assert feats["column"][line2 + 4] == 4 and feats["indentation"][line2 + 6] == 4
    with pytest.raises(ValueError, match="tokenize"):
        char_memory.source_features('x = "unterminated\n')


def test_feature_search_finds_a_planted_unit():
    rng = np.random.default_rng(2)
    T, n = 5000, 20
    depth = np.cumsum(rng.choice([-1, 0, 1], T)).clip(0, None).astype(float)
    column = np.tile(np.arange(50.0), T // 50)
    states = rng.normal(size=(T, n))
    states[:, 7] = -0.3 * depth + 0.1 * rng.normal(size=T)  # unit 7 tracks depth, sign flipped
    states[:, 3] = 0.0  # a dead unit
    r = char_memory.correlations(states, {"depth": depth, "column": column})
    assert r.shape == (2, n) and np.all(r[:, 3] == 0)
    (f1, unit, value), (f2, _other, weak) = char_memory.best_units(r, ["depth", "column"], 1)
    assert (f1, unit) == ("depth", 7) and value < -0.9
    assert f2 == "column" and abs(weak) < 0.1
    with pytest.raises(ValueError, match="positions"):
        char_memory.correlations(states[:10], {"depth": depth})


def test_the_lstm_has_a_unit_that_tracks_a_feature_and_the_untrained_one_does_not(trained):
    inside = char_memory.look_inside(
        trained.model("lstm").cell,
        trained.task,
        trained.corpus.valid_files,
        chunk=1000,
        max_chunks=20,
    )
    cfg = char_model.CharConfig(
        **{**trained.log["config"], "checkpoints": tuple(trained.log["config"]["checkpoints"])}
    )
    fresh = char_model.make_model("lstm", trained.task, cfg)
    blank = char_memory.look_inside(
        fresh.cell, trained.task, trained.corpus.valid_files, chunk=1000, max_chunks=20
    )
    best = np.abs(inside.correlations()).max(axis=1)
    base = np.abs(blank.correlations()).max(axis=1)
    assert best.max() > 0.6
    assert (best > base).sum() >= 3
    depth = char_memory.FEATURES.index("bracket depth")  # the chapter's clearest gain over chance
    assert best[depth] - base[depth] > 0.15


def test_widget_logic(trained):
    cell = trained.model("lstm").cell
    shown = char_memory.passages(cell, trained.task, trained.corpus.valid_files)
    assert len(shown) == 3
    for text, recorded in shown.values():
        assert len(text.split("\n")) == 12 and recorded["c"].shape == (len(text), 64)
    inside = char_memory.look_inside(
        cell, trained.task, trained.corpus.valid_files, chunk=1000, max_chunks=8
    )
    units = char_memory.units_of(inside)
    assert 1 <= len(units) <= len(char_memory.FEATURES)
    widget = char_memory.widget_for(shown, units)
    first = widget.data
    assert first["values"].shape == (widget.view.n_rows, 80)
    widget.controls["signal"].value = "f"
    gate = widget.data
    assert np.nanmin(gate["values"]) >= -1 and np.nanmax(gate["values"]) <= 1
    assert "forget" in gate["title"]
    widget.controls["passage"].index = 1
    assert widget.data["lines"] != gate["lines"]
    with pytest.raises(ValueError, match="passage"):
        char_memory.passage_view({}, "nope", 0, "c")


def test_passage_states_equal_a_run_over_the_whole_file(trained):
    """A passage's recorded states are those of the cell reading the passage after its lead."""
    cell = trained.model("lstm").cell
    shown = char_memory.passages(cell, trained.task, trained.corpus.valid_files, n=1, lead=50)
    ((text, recorded),) = shown.values()
    whole = "".join(trained.corpus.valid_files.values())
    start = whole.index(text)
    xs = one_hot(
        char_model.encode(trained.task, whole[start - 50 : start + len(text)])[:, None],
        trained.task.n_in,
    )
    c = run(cell, xs).state_array(0)[51:, 0]
    np.testing.assert_allclose(recorded["c"], c, rtol=1e-10, atol=1e-12)


def test_check_depth_says_right_or_wrong_never_the_answer(capsys):
    right = char_memory.source_features(char_memory.DEPTH_LINE)["bracket depth"]
    assert right.tolist() == [0, 1, 1, 2, 2, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 1, 0, 0]
    assert char_memory.check_depth(right.astype(int).tolist())
    before = [0.0] + right[:-1].tolist()
    assert not char_memory.check_depth(before)
    assert not char_memory.check_depth([0] * 3)
    out = capsys.readouterr().out
    assert "correct" in out and "before each character" in out and "shape" in out
    assert str(right.astype(int).tolist()) not in out


def test_coloured_text_figure_in_the_book_style_and_described(trained):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    text = "def f(x):\n    return (x + 1)\n"
    values = np.linspace(-1.0, 2.0, len(text))
    fig = char_memory.plot_coloured_text(text, values, "a ramp")
    ax = fig.axes[0]
    sizes = {t.get_fontsize() for t in ax.texts} | {ax.title.get_fontsize()}
    assert sizes == {matplotlib.rcParams["font.size"]}  # no explicit font size
    drawn = [t.get_text() for t in ax.texts if t.get_text()]
    assert drawn == ["def f(x):", "    return (x + 1)"]
    description = fig._wm_description
    shown = values[[k for k, ch in enumerate(text) if ch != "\n"]]  # newlines are not drawn
    assert "3 lines" in description
    assert f"{shown.min():+.2f}" in description and f"{shown.max():+.2f}" in description
    assert "line 2" in description  # the largest value is on line 2
    plt.close(fig)
    widget_view = char_memory.ColouredText(12)
    assert widget_view.figure._wm_description == char_memory.WIDGET_DESCRIPTION
