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
        params[k] -= lr * (m / (1 - b1**t)) / (np.sqrt(v / (1 - b2**t)) + eps)


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
    new = peephole_timing.train_timing(
        cell_name, seed, steps=40, n=6, batch=8, lr=0.05, task=task, record=True
    )
    loss, norm = _old_train_timing(cell_name, seed, 40, 6, 8, 0.05, task, 1.0)
    np.testing.assert_allclose(new["loss"][0], loss[0], rtol=1e-14)
    np.testing.assert_allclose(new["loss"], loss, rtol=1e-8)
    np.testing.assert_allclose(new["norm"], norm, rtol=1e-8)
    assert not new["diverged"]


def test_train_timing_learns_and_is_seeded():
    a = peephole_timing.train_timing("lstm", seed=0, steps=60, task=PulseTiming(10, 3), record=True)
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
    # per step (T,): each step's fraction over the batch, the units and every gate given
    i = np.array([[[0.001, 0.5]], [[0.5, 0.5]], [[0.999, 0.9999]]])  # (T=3, B=1, n=2)
    f = np.array([[[0.5, 0.5]], [[0.005, 0.5]], [[0.5, 0.5]]])
    np.testing.assert_array_equal(
        peephole_timing.saturated_fraction([i, f], per_step=True), [1 / 4, 1 / 4, 2 / 4]
    )


def test_hit_verdict():
    same = peephole_timing.hit_verdict([1.0, 0.2, 1.0, 0.5, 1.0], [0.4, 1.0, 1.0, 1.0, 0.3])
    assert same["verdict"] == "no reliable difference"
    assert list(same["solved"]) == [3, 3]
    clear = peephole_timing.hit_verdict([0.1, 0.12, 0.09, 0.11, 0.1], [0.9, 0.95, 0.92, 0.91, 0.93])
    assert clear["verdict"] == "peephole LSTM better" and clear["diff"] > 0.7
    with pytest.raises(ValueError):
        peephole_timing.hit_verdict([1.0], [1.0, 0.0])
    with pytest.raises(ValueError):
        peephole_timing.hit_verdict([1.0, 2.0], [1.0, 0.0])


def test_peephole_comparison_and_its_figure():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from rnnlib.book import style

    result = peephole_timing.peephole_comparison(
        seeds=(0, 1), steps=6, n=3, batch=4, task=PulseTiming(8, 2), eval_batch=16
    )
    assert result["seeds"] == (0, 1) and result["lstm"]["loss"].shape == (2, 6)
    one = peephole_timing.train_timing(
        "peephole", 1, steps=6, n=3, batch=4, task=PulseTiming(8, 2), eval_batch=16
    )
    np.testing.assert_array_equal(result["peephole"]["loss"][1], one["loss"])
    assert result["peephole"]["hit"][1] == one["hit"]
    fig = peephole_timing.plot_peephole(result)
    bars, losses = fig.axes
    heights = [bar.get_height() for bar in bars.patches]
    np.testing.assert_array_equal(
        heights, np.concatenate([result["lstm"]["hit"], result["peephole"]["hit"]])
    )
    assert bars.patches[0].get_facecolor()[:3] == matplotlib.colors.to_rgb(style.cell_color("lstm"))
    assert bars.patches[2].get_facecolor()[:3] == matplotlib.colors.to_rgb(
        style.cell_color("peephole")
    )
    np.testing.assert_array_equal(losses.get_lines()[0].get_ydata(), result["lstm"]["loss"][0])
    assert losses.get_yscale() == "log"
    hits = ", ".join(f"{h:.2f}" for h in result["peephole"]["hit"])
    assert f"peephole LSTM (cyan: {hits})" in fig._wm_description
    plt.close("all")


def _peephole_answer():
    d = peephole_timing.peephole_data()
    cell = rnnlib.make_cell("peephole", 2, 3, np.random.default_rng(0))
    return d, cell.step(d["params"], (d["c"], d["h"]), d["x"])


def test_exercise_checks(capsys):
    d, (_, h) = _peephole_answer()
    assert peephole_timing.check_peephole_step(h)
    cell = rnnlib.make_cell("peephole", 2, 3, np.random.default_rng(5))
    assert peephole_timing.check_peephole_step(cell.step(d["params"], (d["c"], d["h"]), d["x"])[1])
    assert "correct" in capsys.readouterr().out


def test_chapter6_checks_never_print_the_answer(capsys):
    d, (c_new, h) = _peephole_answer()
    assert peephole_timing.check_peephole_step(h)
    assert not peephole_timing.check_peephole_step(h + 0.01)
    assert not peephole_timing.check_peephole_step(h[0])
    p = d["params"]
    o_old = rnnlib.sigmoid(d["h"] @ p["W_o"].T + d["x"] @ p["U_o"].T + p["p_o"] * d["c"] + p["b_o"])
    assert not peephole_timing.check_peephole_step(o_old * np.tanh(c_new))
    basic = rnnlib.make_cell("lstm", 2, 3, np.random.default_rng(0))
    no_peep = {k: v for k, v in p.items() if not k.startswith("p_")}
    assert not peephole_timing.check_peephole_step(basic.step(no_peep, (d["c"], d["h"]), d["x"])[1])
    out = capsys.readouterr().out
    assert "looked at c_{t-1}" in out and "shape (1, 3)" in out and "peephole terms" in out
    for value in np.ravel(h):
        assert f"{value:.6g}" not in out and f"{value:.3f}" not in out
