"""Tests of rnnlib/book/truncation.py (chapter 3): truncated BPTT on the delayed-recall task,
its figure and the exercise check on the shortest useful window."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest

from rnnlib.book import truncation


def test_truncation_short_windows_cannot_learn_long_ones_can():
    short = truncation.truncation_run(3, delay=4, sequences=25)
    full = truncation.truncation_run(24, delay=4, sequences=25)
    assert short.accuracy < 0.45
    assert full.accuracy > 0.9
    assert short.updates > full.updates


def test_truncation_checkpoints_and_seeds():
    r = truncation.truncation_run(6, delay=4, sequences=6, checkpoints=(2, 6))
    assert r.checkpoints == (2, 6) and r.curve.shape == (2,)
    assert r.curve[-1] == r.accuracy  # the last checkpoint is the end of training
    runs = truncation.truncation_seeds(ks=(2, 24), seeds=(0, 1), sequences=4, checkpoints=(2, 4))
    assert list(runs) == [2, 24] and all(len(v) == 2 for v in runs.values())
    table = truncation.accuracy_table(runs)
    assert table[2]["updates"] == 4 * 10  # windows 1-2 hold no target
    assert table[24]["updates"] == 4
    assert table[2]["min"] <= table[2]["mean"] <= table[2]["max"]
    assert truncation.curves(runs[24]).shape == (2, 2)
    with pytest.raises(ValueError, match="checkpoints"):
        truncation.truncation_seeds(ks=(2,), seeds=(0,), sequences=4, checkpoints=(5,))
    with pytest.raises(ValueError, match="checkpoints"):
        truncation.truncation_run(2, sequences=4, checkpoints=(0,))
    with pytest.raises(ValueError, match="positive"):
        truncation.truncation_run(0)


def test_training_in_chunks_at_the_checkpoints_changes_nothing():
    # truncation_run stops train() at each checkpoint to measure the accuracy; the optimizer
    # and the data stream go on, so the run is the same as one without checkpoints.
    a = truncation.truncation_run(5, sequences=6, seed=2)
    b = truncation.truncation_run(5, sequences=6, seed=2, checkpoints=(1, 3, 4))
    np.testing.assert_array_equal(a.loss, b.loss)  # same machine, same process: bitwise
    assert a.accuracy == b.accuracy and a.updates == b.updates == 6 * 5  # 5 windows, all scored


def test_truncation_figure_shows_every_seed_and_is_described():
    runs = truncation.truncation_seeds(ks=(2, 6), seeds=(0, 1, 2), sequences=4, checkpoints=(2, 4))
    fig = truncation.plot_truncation_seeds(runs, delay=4, chance=1 / 3)
    top, bottom = fig.axes
    drawn = [np.asarray(c.get_offsets())[:, 1] for c in top.collections]
    for dots, k in zip(drawn, (2, 6)):
        np.testing.assert_array_equal(dots, [r.accuracy for r in runs[k]])
    mean_line = bottom.lines[0].get_ydata()
    np.testing.assert_allclose(mean_line, truncation.curves(runs[2]).mean(axis=0))
    description = fig._wm_description
    assert "k = 2, 6" in description and "3 seeds" in description
    assert f"{truncation.accuracy_table(runs)[2]['mean']:.2f}" in description
    for ax in fig.axes:
        assert ax.title.get_fontsize() == matplotlib.rcParams["axes.titlesize"]


def test_min_truncation_check(capsys, numbers_in):
    assert truncation.check_min_truncation(4, 5)
    assert not truncation.check_min_truncation(4, 4)
    assert not truncation.check_min_truncation(4, 9)
    assert not truncation.check_min_truncation(4, "five")
    out = capsys.readouterr().out
    assert "correct" in out and "Too short" in out and "not the shortest" in out
    assert truncation.check_min_truncation(7, 3) is False
    out = capsys.readouterr().out
    assert "not yet" in out and 8 not in numbers_in(out)  # the answer is never printed
