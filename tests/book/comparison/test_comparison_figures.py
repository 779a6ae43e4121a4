"""The comparison's figures (rnnlib/book/comparison/figures.py): drawn from the data, in the
book's style (one palette, decade labels), each with a description of what it shows."""

from __future__ import annotations

import matplotlib
import numpy as np
import pytest

from rnnlib.book import comparison, style

matplotlib.use("Agg")


def line_colors(ax) -> dict:
    return {line.get_label(): matplotlib.colors.to_hex(line.get_color()) for line in ax.lines}


def test_learning_curves_draw_the_seed_means_in_the_book_palette(full):
    fig = comparison.plot_curves(full, "adding")
    ax = fig.axes[0]
    colors = line_colors(ax)
    for cell in full["config"]["cells"]:
        assert colors[style.cell_label(cell)] == style.CELL_COLORS[cell], cell
        line = next(li for li in ax.lines if li.get_label() == style.cell_label(cell))
        assert np.array_equal(line.get_ydata(), comparison.curves(full, "adding", cell)["mean"])
    assert colors[style.cell_label("lstm")] == style.BLUE  # the LSTM is blue in every chapter
    assert ax.get_yscale() == "log"
    labels = [t.get_text() for t in ax.get_yticklabels() if t.get_text()]
    assert labels and all(t.startswith("10") and "e" not in t for t in labels)
    text = fig._wm_description
    best = min(
        full["config"]["cells"], key=lambda c: comparison.curves(full, "adding", c)["mean"][-1]
    )
    assert f"lowest the {style.cell_label(best)}" in text and "step 300" in text


def test_the_grids_have_one_panel_per_task_and_a_description_from_the_data(full):
    fig = comparison.plot_all_curves(full)
    assert len([ax for ax in fig.axes if ax.get_visible()]) == len(full["sizes"])
    assert [ax.get_yscale() for ax in fig.axes] == ["log", "log", "log", "linear"]
    text = fig._wm_description
    for task in full["sizes"]:
        assert comparison.figures.TASK_TITLES[task] in text
    fig = comparison.plot_all_final(full)
    text = fig._wm_description
    assert "Four panels of dot plots" in text and "GRU" in text
    ax = fig.axes[1]  # the adding problem: each dot one seed's test loss
    points = np.concatenate([c.get_offsets()[:, 1] for c in ax.collections])
    expected = [
        r["test_loss"]
        for t in ["adding"]
        for c in full["config"]["cells"]
        for r in full["runs"]
        if r["task"] == t and r["cell"] == c
    ]
    assert np.allclose(np.sort(points), np.sort(expected), rtol=1e-12)


def test_no_figure_sets_its_own_font_size(full):
    for fig in (
        comparison.plot_all_curves(full),
        comparison.plot_all_final(full),
        comparison.plot_final(full, "reber"),
    ):
        for text in fig.findobj(matplotlib.text.Text):
            if text.get_text():
                assert text.get_fontsize() in (9.0, 10.0, 12.0), (
                    text.get_text(),
                    text.get_fontsize(),
                )


def test_plot_functions_reject_an_unknown_task(full):
    with pytest.raises(ValueError, match="unknown task 'add'"):
        comparison.plot_curves(full, "add")
