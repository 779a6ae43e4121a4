"""rnnlib.train: the training loop (history, seeds, clipping, progress bar, the divergence
rules, online truncation) and that an LSTM learns to copy."""

import re
import sys

import numpy as np
import pytest

import rnnlib
from rnnlib import optim
from rnnlib.model import Model
from rnnlib.tasks import AddingTask, CopyTask
from rnnlib.train import (
    LOSS_EXPLODED,
    NON_FINITE_GRADIENT,
    NON_FINITE_LOSS,
    History,
    reference_loss,
    train,
)


def small_run(seed, steps=15, **kw):
    task = AddingTask(length=8)
    cell = rnnlib.make_cell("lstm", task.n_in, 6, np.random.default_rng(seed))
    model = Model(cell, task.n_out, np.random.default_rng(seed + 1))
    history = train(
        model,
        task,
        steps,
        optim.Adam(0.01),
        np.random.default_rng(seed + 2),
        batch_size=4,
        progress=False,
        **kw,
    )
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
    assert re.match(
        r"training stopped at step 0 of 50 \(divergence rule: non-finite loss\): "
        r"the loss is (inf|nan)\. Try a smaller",
        out,
    )
    assert h.reason == NON_FINITE_LOSS
    assert out.strip() == h.message


def test_basic_lstm_learns_the_copy_task():
    """BasicLSTM, 32 units, Adam(0.01), batch 32, seed 0: copying 3 symbols across a delay of 2
    drops the mean loss of the last 20 steps below 0.05 (chance: log 4 = 1.39) within 300 steps."""
    task = CopyTask(n_symbols=4, length=3, delay=2)
    cell = rnnlib.BasicLSTM(task.n_in, 32, np.random.default_rng(0))
    model = Model(cell, task.n_out, np.random.default_rng(1))
    history = train(
        model, task, 300, optim.Adam(0.01), np.random.default_rng(2), batch_size=32, progress=False
    )
    assert history.loss[0] == pytest.approx(np.log(4), abs=0.1)
    assert history.final_loss(20) < 0.05, history.final_loss(20)
    assert model.accuracy(task.sample(np.random.default_rng(3), 256)) > 0.99
    assert not history.diverged and history.reason == ""


def exploding_run(max_loss_ratio=1e3, steps=200, seed=0):
    """Plain SGD with a learning rate far too large for a linear readout: the adding problem's
    loss grows geometrically, step after step, while staying finite for dozens of steps."""
    task = AddingTask(length=4)
    rng = np.random.default_rng(seed)
    model = Model(rnnlib.VanillaRNN(task.n_in, 4, rng), task.n_out, rng)
    h = train(
        model,
        task,
        steps,
        optim.SGD(3.0),
        rng,
        batch_size=8,
        progress=False,
        max_loss_ratio=max_loss_ratio,
    )
    return task, h


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_a_loss_that_explodes_while_finite_is_diverged(capsys):
    task, h = exploding_run()
    assert h.diverged and h.reason == LOSS_EXPLODED
    assert np.all(np.isfinite(h.loss)) and np.all(np.isfinite(h.grad_norm))
    limit = 1e3 * reference_loss(h.loss[0], task)
    assert h.loss[-1] > limit and np.all(h.loss[:-1] <= limit)  # stops at the first such step
    out = capsys.readouterr().out
    step = h.steps - 1
    assert out.strip() == h.message
    assert h.message.startswith(
        f"training stopped at step {step} of 200 (divergence rule: {LOSS_EXPLODED}): the loss "
    )
    assert "exceeds max_loss_ratio = 1000 times the reference loss" in h.message
    # the same run without the ratio rule goes on growing until something overflows
    _, free = exploding_run(max_loss_ratio=None)
    assert free.steps > h.steps
    np.testing.assert_array_equal(free.loss[: h.steps], h.loss)
    assert free.diverged and free.reason in (NON_FINITE_LOSS, NON_FINITE_GRADIENT)
    assert free.loss[h.steps - 1] > 1e3 * free.loss[0]


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_the_ratio_is_a_keyword(capsys):
    _, strict = exploding_run(max_loss_ratio=10.0)
    _, loose = exploding_run(max_loss_ratio=1e6)
    assert strict.reason == loose.reason == LOSS_EXPLODED
    assert strict.steps < loose.steps
    assert "max_loss_ratio = 10 times" in strict.message


class PoisonedGradients(Model):
    """A model whose gradients turn NaN from step ``at`` on while its loss stays finite (a
    real model rarely does this; the rule must still catch it)."""

    at = 3

    def loss_and_grads(self, batch, kind, truncate=None, state0=None):
        loss, grads, result = super().loss_and_grads(batch, kind, truncate, state0)
        self.calls = getattr(self, "calls", 0) + 1
        if self.calls > self.at:
            grads = {k: np.full_like(g, np.nan) for k, g in grads.items()}
        return loss, grads, result


def test_a_non_finite_gradient_norm_is_diverged(capsys):
    task = AddingTask(length=5)
    rng = np.random.default_rng(0)
    model = PoisonedGradients(rnnlib.VanillaRNN(2, 4, rng), 1, rng)
    before = {k: v.copy() for k, v in model.params.items()}
    h = train(model, task, 20, optim.SGD(0.01), rng, progress=False)
    assert h.diverged and h.reason == NON_FINITE_GRADIENT and h.steps == 4
    assert np.isfinite(h.loss[-1]) and np.isnan(h.grad_norm[-1])
    assert (
        "training stopped at step 3 of 20 (divergence rule: non-finite gradient norm): the "
        "gradient norm is nan." in capsys.readouterr().out
    )
    for k, v in model.params.items():  # three updates applied, the poisoned one not
        assert np.all(np.isfinite(v)) and not np.array_equal(v, before[k]) or k == "c"


def test_reference_loss_is_the_larger_of_first_and_chance():
    task = AddingTask(length=5)  # chance 1/6
    assert reference_loss(0.01, task) == pytest.approx(1 / 6)
    assert reference_loss(5.0, task) == 5.0

    class NoChance(AddingTask):
        def chance_loss(self):
            raise NotImplementedError

    assert reference_loss(0.01, NoChance(5)) == 0.01


def test_healthy_training_in_chunks_is_not_flagged():
    """A run trained in chunks (as the comparison does) starts each chunk with a small loss;
    the reference (at least the chance loss) keeps the ratio rule quiet."""
    task = CopyTask(n_symbols=4, length=2, delay=1)
    model = Model(
        rnnlib.BasicLSTM(task.n_in, 16, np.random.default_rng(0)),
        task.n_out,
        np.random.default_rng(1),
    )
    rng, opt = np.random.default_rng(2), optim.Adam(0.02)
    chunks = [train(model, task, 40, opt, rng, batch_size=16, progress=False) for _ in range(4)]
    assert not any(h.diverged for h in chunks)
    assert chunks[-1].loss[0] < 0.1 * chunks[0].loss[0]  # it did learn; later chunks start low


@pytest.mark.parametrize(
    "bad, error, text",
    [
        (1.0, ValueError, "max_loss_ratio must be above 1 (or None to turn the rule off), got 1.0"),
        (float("nan"), ValueError, "max_loss_ratio must be a positive finite number, got nan"),
        ("big", TypeError, "max_loss_ratio must be a number, got str 'big'"),
    ],
)
def test_max_loss_ratio_is_checked(bad, error, text):
    task = AddingTask(length=4)
    rng = np.random.default_rng(0)
    model = Model(rnnlib.VanillaRNN(2, 3, rng), 1, rng)
    with pytest.raises(error) as info:
        train(model, task, 3, optim.SGD(0.1), rng, progress=False, max_loss_ratio=bad)
    assert str(info.value) == text


def test_training_without_progress_does_not_need_tqdm(monkeypatch):
    """The README's example (progress=False) must run where tqdm is not installed."""
    for name in [m for m in sys.modules if m == "tqdm" or m.startswith("tqdm.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "tqdm", None)  # makes `import tqdm...` raise ImportError
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)
    task = AddingTask(length=4)
    rng = np.random.default_rng(0)
    model = Model(rnnlib.VanillaRNN(2, 3, rng), 1, rng)
    h = train(model, task, 3, optim.SGD(0.1), rng, progress=False)
    assert h.steps == 3 and not h.diverged
    with pytest.raises(ImportError):
        train(model, task, 3, optim.SGD(0.1), rng, progress=True)


def test_online_truncation_updates_after_every_window():
    # The merge guard of chapter 3's truncation experiment: train(online=True) must do what
    # its own loop did, written out here once: cut each sequence into windows of k steps,
    # carry the state, skip windows with no target, one Adam update per window.
    from rnnlib.losses import cross_entropy, readout
    from rnnlib.tasks import DelayedRecall

    task, k, B, batches = DelayedRecall(n_symbols=3, delay=4, length=13), 3, 4, 3

    def fresh_model():
        rng = np.random.default_rng(5)
        return Model(rnnlib.VanillaRNN(3, 6, rng), 3, rng)

    model = fresh_model()
    h = train(
        model,
        task,
        batches,
        optim.Adam(0.05),
        np.random.default_rng(6),
        batch_size=B,
        truncate=k,
        online=True,
        progress=False,
    )

    ref = fresh_model()
    params, adam, data, losses = ref.params, optim.Adam(0.05), np.random.default_rng(6), []
    for _ in range(batches):
        batch, state = task.sample(data, B), None
        for start in range(0, task.T, k):
            w = slice(start, min(start + k, task.T))
            if batch.mask[w].sum() == 0:
                state = rnnlib.run(ref.cell, batch.xs[w], state0=state).states[-1]
                continue
            tgt, msk = batch.targets[w], batch.mask[w]
            res = rnnlib.bptt(
                ref.cell,
                batch.xs[w],
                lambda out, window, ex, tgt=tgt, msk=msk: cross_entropy(
                    readout(out, ex["V"], ex["c"]), tgt, msk
                ),
                state0=state,
                extra_params=ref.readout,
            )
            adam.step(params, res.grads)
            losses.append(res.loss)
            state = res.final_state
    assert len(losses) == batches * 4  # windows 2-5 of 13 steps score; window 1 (steps 0-2) not
    np.testing.assert_allclose(h.loss, losses, rtol=1e-12, atol=0)
    for key in params:
        np.testing.assert_allclose(model.params[key], params[key], rtol=1e-12, atol=1e-14)
    # without online, the same truncate gives one update per batch
    once = train(
        fresh_model(),
        task,
        batches,
        optim.Adam(0.05),
        np.random.default_rng(6),
        batch_size=B,
        truncate=k,
        progress=False,
    )
    assert once.steps == batches


def test_online_needs_a_window_length():
    model = Model(rnnlib.VanillaRNN(2, 3, np.random.default_rng(0)), 1, np.random.default_rng(0))
    with pytest.raises(ValueError, match="give truncate"):
        train(
            model,
            AddingTask(5),
            2,
            optim.SGD(0.1),
            np.random.default_rng(0),
            online=True,
            progress=False,
        )
    # online, a window that scores nothing only moves the state on
    from rnnlib.tasks import DelayedRecall

    recall = Model(rnnlib.VanillaRNN(3, 4, np.random.default_rng(1)), 3, np.random.default_rng(1))
    before = {k: v.copy() for k, v in recall.params.items()}
    h = train(
        recall,
        DelayedRecall(delay=4, length=6),
        2,
        optim.SGD(0.1),
        np.random.default_rng(0),
        truncate=2,
        online=True,
        progress=False,
    )  # 1 of 3 scores
    assert h.steps == 2 * 1 and not h.diverged
    h = train(
        recall,
        DelayedRecall(delay=4, length=5),
        2,
        optim.SGD(0.1),
        np.random.default_rng(0),
        truncate=6,
        online=True,
        progress=False,
    )
    assert h.steps == 2 and "final loss" in h.message
    for k, v in before.items():
        assert not np.array_equal(recall.params[k], v) or k == "c"
    with pytest.raises(TypeError, match="online must be True or False"):
        train(
            model,
            AddingTask(5),
            2,
            optim.SGD(0.1),
            np.random.default_rng(0),
            truncate=2,
            online="yes",
            progress=False,
        )
