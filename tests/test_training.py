"""Optimizers, clipping, the Model and the training loop; and that an LSTM learns to copy."""

import re
import time

import numpy as np
import pytest

import rnnlib
from rnnlib import optim
from rnnlib.model import Model
from rnnlib.tasks import AddingTask, CopyTask, EmbeddedReber
from rnnlib.train import History, train


def test_sgd_step_is_exact():
    p = {"W": np.array([1.0, -2.0])}
    optim.SGD(0.5).step(p, {"W": np.array([2.0, 4.0])})
    np.testing.assert_array_equal(p["W"], [0.0, -4.0])


def test_momentum_accumulates_velocity():
    p = {"w": np.array([0.0])}
    opt = optim.Momentum(0.1, beta=0.5)
    opt.step(p, {"w": np.array([1.0])})  # v = 1
    opt.step(p, {"w": np.array([1.0])})  # v = 1.5
    np.testing.assert_allclose(p["w"], [-0.25])


def test_adam_matches_its_formulas():
    rng = np.random.default_rng(0)
    grads = [rng.normal(size=3) for _ in range(4)]
    p = {"w": np.zeros(3)}
    opt = optim.Adam(0.01, beta1=0.8, beta2=0.9, eps=1e-8)
    w, m, v = np.zeros(3), np.zeros(3), np.zeros(3)
    for t, g in enumerate(grads, start=1):
        opt.step(p, {"w": g})
        m = 0.8 * m + 0.2 * g
        v = 0.9 * v + 0.1 * g * g
        w = w - 0.01 * (m / (1 - 0.8**t)) / (np.sqrt(v / (1 - 0.9**t)) + 1e-8)
    np.testing.assert_allclose(p["w"], w, rtol=1e-13)


def test_adam_first_step_moves_each_parameter_by_about_lr():
    p = {"a": np.zeros(3), "b": np.ones((2, 2))}
    optim.Adam(0.1).step(p, {"a": np.array([1e-3, -5.0, 30.0]), "b": np.full((2, 2), 2.0)})
    np.testing.assert_allclose(p["a"], [-0.1, 0.1, -0.1], rtol=1e-4)
    np.testing.assert_allclose(p["b"], 0.9, rtol=1e-6)


def test_optimizers_update_in_place():
    arr = np.ones(2)
    params = {"w": arr}
    for opt in (optim.SGD(0.1), optim.Momentum(0.1), optim.Adam(0.1)):
        opt.step(params, {"w": np.ones(2)})
    assert params["w"] is arr and np.all(arr < 1.0)


def test_global_norm_and_clipping():
    grads = {"a": np.array([3.0]), "b": np.array([[4.0]])}
    assert optim.global_norm(grads) == 5.0
    clipped, before = optim.clip_by_global_norm(grads, 1.0)
    assert before == 5.0
    assert optim.global_norm(clipped) == pytest.approx(1.0)
    np.testing.assert_allclose(clipped["a"] / clipped["b"][0], 0.75)  # direction kept
    assert grads["a"][0] == 3.0  # input untouched
    same, _ = optim.clip_by_global_norm(grads, 10.0)
    np.testing.assert_array_equal(same["b"], grads["b"])
    by_value = optim.clip_by_value({"a": np.array([-3.0, 0.5, 2.0])}, 1.0)
    np.testing.assert_array_equal(by_value["a"], [-1.0, 0.5, 1.0])


def test_model_params_share_arrays_with_the_cell():
    rng = np.random.default_rng(0)
    cell = rnnlib.GRU(3, 5, rng)
    model = Model(cell, 2, rng)
    assert set(model.params) == set(cell.params) | {"V", "c"}
    assert model.params["W"] is cell.params["W"]
    assert model.params["V"].shape == (2, 5) and model.params["c"].shape == (2,)
    assert model.predict(rng.normal(size=(4, 6, 3))).shape == (4, 6, 2)


def test_model_loss_and_grads_returns_the_bptt_result():
    rng = np.random.default_rng(1)
    task = EmbeddedReber()
    model = Model(rnnlib.BasicLSTM(task.n_in, 8, rng), task.n_out, rng)
    batch = task.sample(rng, 4)
    loss, grads, res = model.loss_and_grads(batch, task.kind)
    assert set(grads) == set(model.params)
    assert isinstance(res, rnnlib.BPTTResult) and res.loss == loss
    assert len(res.state_grads) == batch.xs.shape[0] + 1
    assert loss == pytest.approx(model.loss(batch, task.kind), rel=1e-12)
    assert 0.0 <= model.accuracy(batch) <= 1.0


def test_truncated_loss_equals_full_loss():
    """Windows are scaled so their losses add up to the sequence's mean loss."""
    rng = np.random.default_rng(2)
    task = CopyTask(length=3, delay=4)
    model = Model(rnnlib.BasicLSTM(task.n_in, 6, rng), task.n_out, rng)
    batch = task.sample(rng, 3)
    full, *_ = model.loss_and_grads(batch, task.kind)
    for k in (1, 3, 4, 20):
        cut, *_ = model.loss_and_grads(batch, task.kind, truncate=k)
        assert cut == pytest.approx(full, rel=1e-12)


def small_run(seed, steps=15, **kw):
    task = AddingTask(length=8)
    cell = rnnlib.make_cell("lstm", task.n_in, 6, np.random.default_rng(seed))
    model = Model(cell, task.n_out, np.random.default_rng(seed + 1))
    history = train(model, task, steps, optim.Adam(0.01), np.random.default_rng(seed + 2),
                    batch_size=4, progress=False, **kw)
    return model, history


def test_history_records_every_step():
    _, h = small_run(0)
    assert isinstance(h, History)
    assert h.loss.shape == h.grad_norm.shape == h.wall_time.shape == (15,)
    assert np.all(np.diff(h.wall_time) > 0) and np.all(h.grad_norm > 0)
    assert not h.diverged and "15 steps" in h.message


def test_same_seed_same_numbers():
    m1, h1 = small_run(3, clip_norm=0.5, truncate=3)
    m2, h2 = small_run(3, clip_norm=0.5, truncate=3)
    np.testing.assert_array_equal(h1.loss, h2.loss)
    np.testing.assert_array_equal(h1.grad_norm, h2.grad_norm)
    for k in m1.params:
        np.testing.assert_array_equal(m1.params[k], m2.params[k])
    _, h3 = small_run(4)
    assert not np.array_equal(h1.loss, h3.loss)


def test_clipping_changes_the_updates_not_the_recorded_norm():
    m1, h1 = small_run(5, steps=3)
    m2, h2 = small_run(5, steps=3, clip_value=1e-4)
    assert h1.grad_norm[0] == h2.grad_norm[0]  # recorded before clipping
    assert not np.array_equal(m1.params["W"], m2.params["W"])


def test_progress_bar_can_be_silenced(capsys):
    small_run(0, steps=3)
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""


def test_progress_bar_shows_by_default(capsys):
    task = AddingTask(length=4)
    rng = np.random.default_rng(0)
    model = Model(rnnlib.VanillaRNN(2, 3, rng), 1, rng)
    train(model, task, 3, optim.SGD(0.1), rng)
    assert "3/3" in capsys.readouterr().err


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_divergence_stops_with_a_clear_message(capsys):
    rng = np.random.default_rng(0)
    task = AddingTask(length=5)
    model = Model(rnnlib.VanillaRNN(2, 4, rng, activation="relu"), 1, rng)
    model.params["V"][...] = 1e200  # the squared error overflows to inf
    model.params["b"][...] = 1.0
    h = train(model, task, 50, optim.SGD(0.1), rng, progress=False)
    assert h.diverged and h.steps == 1
    assert not np.isfinite(h.loss[-1])
    out = capsys.readouterr().out
    assert re.match(r"training stopped at step 0 of 50: the loss is (inf|nan)\. Try a smaller", out)
    assert out.strip() == h.message


def test_basic_lstm_learns_the_copy_task():
    """BasicLSTM, 32 units, Adam(0.01), batch 32, seed 0: copying 3 symbols across a delay of 2
    drops the mean loss of the last 20 steps below 0.05 (chance: log 4 = 1.39) within 300 steps."""
    task = CopyTask(n_symbols=4, length=3, delay=2)
    cell = rnnlib.BasicLSTM(task.n_in, 32, np.random.default_rng(0))
    model = Model(cell, task.n_out, np.random.default_rng(1))
    start = time.perf_counter()
    history = train(model, task, 300, optim.Adam(0.01), np.random.default_rng(2), batch_size=32,
                    progress=False)
    elapsed = time.perf_counter() - start
    assert history.loss[0] == pytest.approx(np.log(4), abs=0.1)
    assert history.final_loss(20) < 0.05, history.final_loss(20)
    assert model.accuracy(task.sample(np.random.default_rng(3), 256)) > 0.99
    assert elapsed < 20.0
