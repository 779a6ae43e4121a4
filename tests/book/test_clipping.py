"""Tests of rnnlib/book/clipping.py (chapter 3): exploding gradients and clipping over seeds,
and its figure."""

from __future__ import annotations

import warnings

import matplotlib

matplotlib.use("Agg")

import numpy as np

from rnnlib.book import clipping
from rnnlib.optim import SGD
from rnnlib.train import train


def test_clipping_run_is_one_train_call_with_its_verdict():
    run = clipping.clipping_run(2.0, steps=60, lr=0.1, seed=3, clip_norm=1.0)
    model, task = clipping.clipping_model(2.0, seed=3)
    h = train(model, task, 60, SGD(0.1), np.random.default_rng(4), progress=False, clip_norm=1.0)
    np.testing.assert_array_equal(run.loss, h.loss)  # same machine, same process: bitwise
    assert not run.diverged and len(run.loss) == 60 and run.reason == ""


def test_clipping_run_prints_no_step_number(capsys):
    run = clipping.clipping_run(2.0, steps=200, lr=0.1, seed=0)
    assert run.diverged and run.reason and len(run.loss) < 200
    assert capsys.readouterr().out == ""


def test_clipping_stops_the_divergence_of_most_unclipped_seeds():
    # The chapter's conclusion, over 5 seeds, on a shorter budget: counts, not step numbers.
    cases = {"none": (2.0, {}), "norm": (2.0, {"clip_norm": 1.0})}
    runs = clipping.clipping_seeds(seeds=range(5), steps=100, cases=cases)
    assert clipping.summarize(runs["none"])["diverged"] >= 3
    assert clipping.summarize(runs["norm"])["diverged"] == 0
    stopped = [r for r in runs["none"] if r.diverged]
    assert all(len(r.loss) < 100 and np.all(np.isfinite(r.loss)) for r in stopped)  # no overflow
    assert all(np.isnan(r.final_loss()) for r in stopped)


def test_clipping_figure_draws_blown_up_runs_without_warnings():
    blown = clipping.ClipRun(
        np.array([1.0, 1e200, np.inf]), np.array([1.0, 1e300, np.inf]), True, 10
    )
    fine = clipping.ClipRun(np.linspace(1, 0.1, 10), np.ones(10), False, 10)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fig = clipping.plot_clipping_seeds({"a": [blown, fine], "b": [fine]}, chance=1 / 6)
        fig.canvas.draw()
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert "a: 1 of 2 diverged" in labels and "b: 0 of 1 diverged" in labels
    top, bottom = fig.axes
    assert top.get_yscale() == bottom.get_yscale() == "log"
    ticks = [t.get_text() for t in bottom.get_yticklabels() if t.get_text()]
    assert ticks and all(t.startswith("10") and "e" not in t for t in ticks)  # plain decades
    description = fig._wm_description
    assert "a, 1 of 2 diverged, largest finite gradient norm 1e+300" in description
    assert "b, 0 of 1 diverged" in description and "0.167" in description
