"""Chapter 6's timing experiment (rnnlib/book/peephole_timing.py): the training run shared with
chapter 5, the merges that made it (Adam, train, PulseTiming), the verdict, figure and checks."""

import numpy as np
import pytest

import rnnlib
from rnnlib.book import peephole_timing
from rnnlib.losses import readout
from rnnlib.optim import Adam
from rnnlib.tasks import PulseTiming


def _old_adam_step(params, grads, state, lr, t, b1=0.9, b2=0.999, eps=1e-8):
    """The Adam step train_timing had of its own before the merge (kept here as the reference)."""
    for k, g in grads.items():
        m, v = state.setdefault(k, (np.zeros_like(g), np.zeros_like(g)))
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        state[k] = (m, v)
        params[k] -= lr * (m / (1 - b1 ** t)) / (np.sqrt(v / (1 - b2 ** t)) + eps)


def test_adam_equals_the_old_adam_step():
    rng = np.random.default_rng(0)
    shapes = {"W": (5, 5), "U": (5, 2), "b": (5,)}
    mine = {k: rng.normal(size=s) for k, s in shapes.items()}
    theirs = {k: v.copy() for k, v in mine.items()}
    adam, state = Adam(0.05), {}
    for t in range(1, 31):
        grads = {k: rng.normal(size=s) * 10.0 ** rng.uniform(-4, 1) for k, s in shapes.items()}
        adam.step(mine, grads)
        _old_adam_step(theirs, grads, state, 0.05, t)
        for k in shapes:
            np.testing.assert_allclose(mine[k], theirs[k], rtol=1e-12, atol=1e-12)


def _old_train_timing(cell_name, seed, steps, n, batch, lr, task, keep_bias):
    """The loop train_timing had before the merge: its own loss, bptt call and Adam step."""
    rng = np.random.default_rng(seed)
    cell = rnnlib.make_cell(cell_name, task.n_in, n, rng)
    cell.params["b_f" if cell_name != "gru" else "b_z"][:] = keep_bias
    extra = {"V": rng.normal(size=(1, n)) / np.sqrt(n), "c": np.zeros(1)}
    state, losses, norms = {}, [], []
    for step in range(steps):
        batch_ = task.sample(rng, batch)
        ys = batch_.targets
        weight = np.where(ys > 0, task.length - 1.0, 1.0) / (2.0 * (task.length - 1.0))

        def loss_fn(out, window, e, ys=ys, weight=weight):
            diff = readout(out, e["V"], e["c"]) - ys[window]
            return (diff * diff * weight[window]).sum() * (1.0 / ys.shape[1])

        traj = rnnlib.run(cell, batch_.xs)
        first = rnnlib.unroll.as_tuple(traj.states[-1])[0]  # s, or c for the LSTMs
        norms.append(np.linalg.norm(first, axis=-1).mean())
        res = rnnlib.bptt(cell, batch_.xs, loss_fn, extra_params=extra)
        losses.append(res.loss)
        _old_adam_step({**cell.params, **extra}, res.grads, state, lr, step + 1)
    return np.array(losses), np.array(norms)


@pytest.mark.parametrize("cell_name,seed", [("lstm", 0), ("peephole", 3), ("gru", 1)])
def test_train_timing_follows_the_old_loop(cell_name, seed):
    """train() with the task's weighted mask and Adam gives the old record: the two losses
    differ in rounding only (the mask's weights are divided once, not per element: ~1e-16 per
    step), which 40 steps of training amplify to ~1e-12 on these well-behaved runs."""
    task = PulseTiming(12, 4)
    new = peephole_timing.train_timing(cell_name, seed, steps=40, n=6, batch=8, lr=0.05,
                                       task=task, record=True)
    loss, norm = _old_train_timing(cell_name, seed, 40, 6, 8, 0.05, task, 1.0)
    np.testing.assert_allclose(new["loss"][0], loss[0], rtol=1e-14)
    np.testing.assert_allclose(new["loss"], loss, rtol=1e-8)
    np.testing.assert_allclose(new["norm"], norm, rtol=1e-8)
    assert not new["diverged"]


def test_train_timing_learns_and_is_seeded():
    a = peephole_timing.train_timing("lstm", seed=0, steps=60, task=PulseTiming(10, 3),
                                     record=True)
    b = peephole_timing.train_timing("lstm", seed=0, steps=60, task=PulseTiming(10, 3))
    np.testing.assert_array_equal(a["loss"], b["loss"])
    assert a["loss"][-5:].mean() < a["loss"][:5].mean()
    assert a["norm"].shape == (60,) and np.all((a["saturated"] >= 0) & (a["saturated"] <= 1))
    assert 0.0 <= a["hit"] <= 1.0 and a["pred"].shape == a["target"].shape == (10, 4)


def test_train_timing_refuses_another_task():
    with pytest.raises(TypeError, match="PulseTiming"):
        peephole_timing.train_timing("lstm", 0, steps=2, task=rnnlib.tasks.AddingTask(5))


def test_keep_gate_and_saturation():
    rng = np.random.default_rng(0)
    assert peephole_timing.keep_gate(rnnlib.make_cell("gru", 2, 3, rng)) == "z"
    assert peephole_timing.keep_gate(rnnlib.make_cell("peephole", 2, 3, rng)) == "f"
    assert peephole_timing.keep_gate(rnnlib.make_cell("vanilla", 2, 3, rng)) is None
    gates = [np.array([0.005, 0.5, 0.999]), np.array([[0.2, 0.995]])]
    assert peephole_timing.saturated_fraction(gates) == pytest.approx(3 / 5)
    assert np.isnan(peephole_timing.saturated_fraction([]))


def test_hit_verdict():
    same = peephole_timing.hit_verdict([1.0, 0.2, 1.0, 0.5, 1.0], [0.4, 1.0, 1.0, 1.0, 0.3])
    assert same["verdict"] == "no reliable difference"
    assert list(same["solved"]) == [3, 3]
    clear = peephole_timing.hit_verdict([0.1, 0.12, 0.09, 0.11, 0.1],
                                        [0.9, 0.95, 0.92, 0.91, 0.93])
    assert clear["verdict"] == "peephole LSTM better" and clear["diff"] > 0.7
    with pytest.raises(ValueError):
        peephole_timing.hit_verdict([1.0], [1.0, 0.0])
    with pytest.raises(ValueError):
        peephole_timing.hit_verdict([1.0, 2.0], [1.0, 0.0])
