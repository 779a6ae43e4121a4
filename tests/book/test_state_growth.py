"""Tests of the state-growth experiments over seeds (chapter 5) and their plots."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pytest

from rnnlib.experiments import part2 as ex
from rnnlib.book import state_growth as sg
from rnnlib.plots import state_growth as plots


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_boundedness_over_seeds_stacks_the_single_seed_tables():
    table = sg.boundedness_over_seeds(cells=("prototype", "gru"), scales=(1.0, 4.0),
                                      seeds=(3, 7), T=60, n=8, batch=2)
    assert table["norm"].shape == table["saturated"].shape == (2, 2, 2)
    one = ex.boundedness_table(cells=("prototype", "gru"), scales=(1.0, 4.0), T=60, n=8,
                               batch=2, seed=7)
    np.testing.assert_array_equal(table["norm"][1], one["norm"])
    np.testing.assert_array_equal(table["saturated"][1], one["saturated"])


def test_prototype_runs_away_in_every_seed_at_large_scale():
    # the chapter's verdict, on a smaller run: the seeds of the two cells do not overlap
    table = sg.boundedness_over_seeds(cells=("prototype", "gru", "lstm"), scales=(4.0,),
                                      seeds=(0, 1, 2, 3, 4), T=120, n=16, batch=4)
    proto, others = table["norm"][:, 0, 0], table["norm"][:, 1:, 0]
    assert proto.min() > 5 * others.max()
    assert np.all(others[:, 0] <= 4.0 + 1e-9)  # the GRU's hard bound, sqrt(16)


def test_early_training_is_seeded_and_shaped():
    a = sg.early_training_over_seeds(cells=("prototype", "gru"), seeds=(0, 1), steps=4, n=4)
    b = sg.early_training_over_seeds(cells=("prototype", "gru"), seeds=(0, 1), steps=4, n=4)
    for key in ("norm", "saturated", "loss"):
        assert a[key].shape == (2, 2, 4)
        np.testing.assert_array_equal(a[key], b[key])  # same machine, same numbers
    single = ex.train_timing("gru", seed=1, steps=4, n=4, lr=0.2, record=True)
    np.testing.assert_array_equal(a["norm"][1, 1], single["norm"])
    assert np.all((a["saturated"] >= 0) & (a["saturated"] <= 1))


def test_growth_summary_on_a_known_record():
    norm = np.array([[[1.0, 5.0, 2.0, 2.0], [1.0, 3.0, 9.0, 1.0], [1.0, 1.0, 1.0, 4.0]]])
    sat = np.array([[[0.0, 0.0, 0.2, 0.4], [0.0, 0.0, 1.0, 1.0], [0.0, 0.0, 0.0, 0.0]]])
    loss = np.array([[[1.0, 1.0, 2.0, 2.0], [1.0, 1.0, 0.5, 0.5], [3.0, 1.0, 4.0, 4.0]]])
    s = sg.growth_summary({"norm": norm, "saturated": sat, "loss": loss, "cells": ("a",),
                           "seeds": (0, 1, 2)})
    assert s["tail"] == 2 and s["n_seeds"] == 3
    np.testing.assert_allclose([s["peak_median"][0], s["peak_min"][0], s["peak_max"][0]],
                               [5.0, 4.0, 9.0])
    np.testing.assert_allclose([s["sat_median"][0], s["sat_min"][0], s["sat_max"][0]],
                               [0.3, 0.0, 1.0])
    assert s["worse"][0] == 2  # seeds 0 and 2 end above their first loss


def test_bad_seeds_and_steps_are_refused():
    with pytest.raises(ValueError, match="at least 2 distinct seeds"):
        sg.boundedness_over_seeds(seeds=(1,))
    with pytest.raises(ValueError, match="distinct"):
        sg.early_training_over_seeds(seeds=(2, 2))
    with pytest.raises(ValueError, match="steps >= 2"):
        sg.early_training_over_seeds(seeds=(0, 1), steps=1)


def test_plots_draw_median_and_range():
    table = sg.boundedness_over_seeds(cells=("prototype", "gru"), scales=(1.0, 2.0),
                                      seeds=(0, 1, 2), T=30, n=4, batch=2)
    fig = plots.plot_boundedness_seeds(table)
    line = fig.axes[0].get_lines()[0]  # the prototype's median markers
    np.testing.assert_allclose(line.get_ydata(), np.median(table["norm"][:, 0], axis=0))
    record = sg.early_training_over_seeds(cells=("gru",), seeds=(0, 1, 2), steps=3, n=4)
    fig = plots.plot_early_training(record)
    np.testing.assert_allclose(fig.axes[0].get_lines()[0].get_ydata(),
                               np.median(record["norm"][0], axis=0))
