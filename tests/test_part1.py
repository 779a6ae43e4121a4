"""Tests of Part I: experiment functions, exercise checks, and the two widgets (no kernel)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest

import rnnlib
from rnnlib.bptt_by_hand import vanilla_bptt
from rnnlib.exercises import part1 as X
from rnnlib.experiments import part1 as E


# -- experiments ------------------------------------------------------------------------------


def test_per_step_contributions_sum_to_dLdW():
    cell, xs, dL = X.bptt_exercise()
    parts = E.per_step_contributions(cell, xs, dL)
    grads, _ = vanilla_bptt(cell, xs, dL)
    np.testing.assert_allclose(parts.sum(axis=0), grads["W"], rtol=1e-10, atol=1e-12)


def test_recent_early_split_and_the_random_baseline():
    from rnnlib.experiments import bptt_terms

    split = bptt_terms.recent_early_split(seed=1, T=20, recent=4)
    assert split["parts"].shape == (20, 32, 32)
    np.testing.assert_allclose(split["sizes"], np.linalg.norm(split["parts"], axis=(1, 2)))
    assert split["size_ratio"] > 1 and -1 <= split["cosine"] <= 1
    cos = bptt_terms.random_cosines(1024, draws=4000)
    assert abs(cos.std() * np.sqrt(1024) - 1) < 0.1 and abs(cos.mean()) < 0.005
    with pytest.raises(ValueError, match="recent"):
        bptt_terms.recent_early_split(0, T=5, recent=5)


def test_delayed_recall_batch_targets_are_delayed_inputs():
    xs, targets, mask = E.delayed_recall_batch(np.random.default_rng(0), 12, 3, 4, 3)
    assert np.array_equal(targets[4:], xs[:-4].argmax(-1))
    assert mask[:4].sum() == 0 and mask[4:].all()


def test_truncation_short_windows_cannot_learn_long_ones_can():
    short = E.truncation_run(3, delay=4, sequences=25)
    full = E.truncation_run(24, delay=4, sequences=25)
    assert short.accuracy < 0.45
    assert full.accuracy > 0.9
    assert short.updates > full.updates


def test_truncation_checkpoints_and_seeds():
    from rnnlib.experiments import truncation

    r = E.truncation_run(6, delay=4, sequences=6, checkpoints=(2, 6))
    assert r.checkpoints == (2, 6) and r.curve.shape == (2,)
    assert r.curve[-1] == r.accuracy  # the last checkpoint is the end of training
    runs = truncation.truncation_seeds(ks=(2, 24), seeds=(0, 1), sequences=4, checkpoints=(2, 4))
    assert list(runs) == [2, 24] and all(len(v) == 2 for v in runs.values())
    table = truncation.accuracy_table(runs)
    assert table[2]["updates"] == 4 * 10  # windows 1-2 hold no target and table[24]["updates"] == 4
    assert table[2]["min"] <= table[2]["mean"] <= table[2]["max"]
    assert truncation.curves(runs[24]).shape == (2, 2)
    with pytest.raises(ValueError, match="checkpoints"):
        truncation.truncation_seeds(ks=(2,), seeds=(0,), sequences=4, checkpoints=(5,))
    with pytest.raises(ValueError, match="positive"):
        E.truncation_run(0)


# -- clipping over seeds ----------------------------------------------------------------------
def test_clipping_run_is_one_train_call_with_its_verdict():
    from rnnlib.experiments.clipping import clipping_run
    from rnnlib.optim import SGD
    from rnnlib.train import train

    run = clipping_run(2.0, steps=60, lr=0.1, seed=3, clip_norm=1.0)
    model, task = E.clipping_model(2.0, seed=3)
    h = train(model, task, 60, SGD(0.1), np.random.default_rng(4), progress=False,
              clip_norm=1.0)
    np.testing.assert_array_equal(run.loss, h.loss)  # same machine, same process: bitwise
    assert not run.diverged and len(run.loss) == 60 and run.reason == ""


def test_clipping_run_prints_no_step_number(capsys):
    from rnnlib.experiments.clipping import clipping_run

    run = clipping_run(2.0, steps=200, lr=0.1, seed=0)
    assert run.diverged and run.reason and len(run.loss) < 200
    assert capsys.readouterr().out == ""


def test_clipping_stops_the_divergence_of_most_unclipped_seeds():
    # The chapter's conclusion, over 5 seeds, on a shorter budget: counts, not step numbers.
    from rnnlib.experiments.clipping import clipping_seeds, summarize

    cases = {"none": (2.0, {}), "norm": (2.0, {"clip_norm": 1.0})}
    runs = clipping_seeds(seeds=range(5), steps=100, cases=cases)
    assert summarize(runs["none"])["diverged"] >= 3
    assert summarize(runs["norm"])["diverged"] == 0
    stopped = [r for r in runs["none"] if r.diverged]
    assert all(len(r.loss) < 100 and np.all(np.isfinite(r.loss)) for r in stopped)  # no overflow
    assert all(np.isnan(r.final_loss()) for r in stopped)


def test_clipping_figure_draws_blown_up_runs_without_warnings():
    import warnings

    from rnnlib.experiments.clipping import ClipRun
    from rnnlib.plots.clipping import plot_clipping_seeds

    blown = ClipRun(np.array([1.0, 1e200, np.inf]), np.array([1.0, 1e300, np.inf]), True, 10)
    fine = ClipRun(np.linspace(1, 0.1, 10), np.ones(10), False, 10)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fig = plot_clipping_seeds({"a": [blown, fine], "b": [fine]}, chance=1 / 6)
        fig.canvas.draw()
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert "a: 1 of 2 diverged" in labels and "b: 0 of 1 diverged" in labels


# -- exercise checks ------------------------------------------------------------------------
def test_exercise_checks_accept_right_and_reject_wrong(capsys):
    cell, xs, dL = X.bptt_exercise()
    grads, _ = vanilla_bptt(cell, xs, dL)
    assert X.check_bptt_grads(grads)
    assert not X.check_bptt_grads({**grads, "b": grads["b"] * 2})
    assert X.check_min_truncation(4, 5) and not X.check_min_truncation(4, 4)
    out = capsys.readouterr().out
    assert "correct" in out and "not yet" in out


def _numbers_in(text: str) -> list[float]:
    import re

    return [float(m) for m in re.findall(r"-?\d+\.?\d*(?:e[-+]?\d+)?", text)]


def test_exercise_checks_never_print_the_expected_value(capsys):
    cell, xs, dL = X.bptt_exercise()
    grads, _ = vanilla_bptt(cell, xs, dL)
    wrong = [
        (lambda: X.check_min_truncation(7, 3), [8]),
        (lambda: X.check_bptt_grads({k: v + 0.5 for k, v in grads.items()}),
         [x for v in grads.values() for x in np.ravel(v)]),
    ]
    for call, secrets in wrong:
        assert call() is False
        out = capsys.readouterr().out
        assert "not yet" in out and len(out.strip()) > len("x: not yet.")  # a hint is given
        for value in secrets:
            for shown in _numbers_in(out):
                assert not np.isclose(shown, value, rtol=1e-3, atol=1e-4) or abs(value) < 1e-9, \
                    (out, value)


def test_bptt_check_recognises_a_missing_recurrent_term(capsys):
    cell, xs, dL = X.bptt_exercise()
    local = rnnlib.bptt(cell, xs, lambda out, window, extra: (out * dL[window]).sum(),
                        truncate=1).grads
    assert X.check_bptt_grads(local) is False
    assert "W^T" in capsys.readouterr().out


# -- widgets (no kernel: set control values, read what was computed and plotted) ----------------


