"""Properties the equations promise: gates in (0, 1), a state kept exactly, bounded states,
truncated BPTT that equals full BPTT when the window covers the sequence."""

import numpy as np
import pytest

import rnnlib
from rnnlib.unroll import as_tuple

GATED = ["prototype", "normalized", "gru", "pseudo", "lstm", "peephole"]


N_IN, N_HIDDEN = 3, 6  # cells from rnnlib.random_cell: every parameter, biases included, random


@pytest.mark.parametrize("name", GATED)
def test_gates_lie_strictly_between_zero_and_one(name):
    rng = np.random.default_rng(0)
    cell = rnnlib.random_cell(name, N_IN, N_HIDDEN, rng)
    probe = rnnlib.GateProbe()
    rnnlib.run(cell, rng.normal(size=(20, 4, 3)), probe=probe)
    assert sorted(probe.values) == sorted(cell.gate_names)
    for g in cell.gate_names:
        values = probe.stacked(g)
        assert values.shape == (20, 4, 6)
        assert values.min() > 0.0 and values.max() < 1.0, g


@pytest.mark.parametrize("name", ["prototype", "pseudo", "lstm", "peephole"])
def test_forget_one_input_zero_keeps_the_state_exactly(name):
    rng = np.random.default_rng(1)
    cell = rnnlib.random_cell(name, N_IN, N_HIDDEN, rng)
    state0 = tuple(rng.normal(size=(3, 6)) for _ in cell.state_names)
    state0 = state0 if len(state0) > 1 else state0[0]
    traj = rnnlib.run(
        cell,
        rng.normal(size=(25, 3, 3)),
        state0,
        probe=rnnlib.GateProbe(fixed={"f": 1.0, "i": 0.0}),
    )
    kept = traj.state_array(0)  # s for the prototypes, c for the LSTMs
    for t in range(kept.shape[0]):
        np.testing.assert_array_equal(kept[t], as_tuple(state0)[0])


def test_without_pinned_gates_the_prototype_state_moves():
    rng = np.random.default_rng(1)
    cell = rnnlib.random_cell("prototype", N_IN, N_HIDDEN, rng)
    traj = rnnlib.run(cell, rng.normal(size=(5, 3, 3)))
    assert not np.allclose(traj.state_array()[-1], 0.0)


@pytest.mark.parametrize("form", ["tutorial", "pytorch"])
def test_gru_state_stays_within_its_bound(form):
    """s_t = z s_{t-1} + (1 - z) s~ with |s~| < 1 and z in (0, 1), so elementwise
    |s_t| <= max(|s_{t-1}|, 1) <= ... <= max(|s_0|, 1), however large the weights."""
    rng = np.random.default_rng(2)
    cell = rnnlib.random_cell("gru", N_IN, N_HIDDEN, rng, scale=5.0, form=form)
    state0 = rng.normal(0.0, 3.0, size=(4, 6))
    states = rnnlib.run(cell, rng.normal(0.0, 5.0, size=(60, 4, 3)), state0).state_array()
    bound = np.maximum(np.abs(state0), 1.0)
    assert np.all(np.abs(states) <= bound + 1e-12)
    assert np.abs(states[1:]).max() > 0.5  # the state did move


def test_lstm_h_is_bounded_by_one_and_c_grows_at_most_by_one_per_step():
    rng = np.random.default_rng(3)
    cell = rnnlib.random_cell("lstm", N_IN, N_HIDDEN, rng, scale=4.0)
    traj = rnnlib.run(cell, rng.normal(0.0, 4.0, size=(30, 4, 3)))
    c, h = traj.state_array(0), traj.state_array(1)
    assert np.abs(h).max() < 1.0
    assert np.all(np.abs(np.diff(c, axis=0)) <= np.abs(c[:-1]) + 1.0)


def test_normalized_prototype_keeps_a_soft_bound():
    rng = np.random.default_rng(4)
    plain, normed = rnnlib.random_cell("prototype", N_IN, N_HIDDEN, rng, scale=3.0), None
    normed = rnnlib.NormalizedPrototype(N_IN, N_HIDDEN, rng)
    for k, v in plain.params.items():
        normed.params[k][...] = v
    xs = rng.normal(0.0, 3.0, size=(200, 2, 3))
    s = rnnlib.run(normed, xs).state_array()
    centred = s - s.mean(axis=-1, keepdims=True)
    # after the division, Var(s_t) = v / (v + 1) < 1 for every step and sequence
    assert np.all((centred**2).mean(axis=-1)[1:] < 1.0)


@pytest.mark.parametrize("name", sorted(rnnlib.CELLS))
def test_truncation_covering_the_sequence_equals_full_bptt(name):
    rng = np.random.default_rng(5)
    cell = rnnlib.random_cell(name, N_IN, N_HIDDEN, rng, scale=0.5)
    T = 6
    xs = rng.normal(size=(T, 2, 3))
    weights = rng.normal(size=(T, 2, 6))

    def loss_fn(out, window, extra):
        return (out * weights[window]).sum()

    full = rnnlib.bptt(cell, xs, loss_fn)
    for k in (T, T + 3):
        cut = rnnlib.bptt(cell, xs, loss_fn, truncate=k)
        assert cut.loss == full.loss
        for p in full.grads:
            np.testing.assert_array_equal(cut.grads[p], full.grads[p])
        for a, b in zip(cut.state_grads, full.state_grads):
            for x, y in zip(a, b):
                np.testing.assert_array_equal(x, y)
    short = rnnlib.bptt(cell, xs, loss_fn, truncate=2)
    assert short.loss == pytest.approx(full.loss, rel=1e-12)  # same forward pass
    np.testing.assert_allclose(short.outputs, full.outputs, rtol=0, atol=1e-15)
    assert max(np.abs(short.grads[p] - full.grads[p]).max() for p in full.grads) > 1e-6


def test_truncation_stops_gradients_at_window_starts():
    """With k = 2, the loss at step 4 (last window) sends nothing to states before step 4."""
    rng = np.random.default_rng(6)
    cell = rnnlib.random_cell("vanilla", N_IN, N_HIDDEN, rng)
    xs = rng.normal(size=(6, 2, 3))

    def loss_fn(out, w, extra):  # only the last output counts
        return out[-1].sum() if w.stop == 6 else out.sum() * 0.0

    res = rnnlib.bptt(cell, xs, loss_fn, truncate=2)
    norms = res.state_grad_norms()
    assert norms.shape == (7,)
    assert np.all(norms[:4] == 0.0) and np.all(norms[4:] > 0.0)
    full = rnnlib.bptt(cell, xs, lambda out, w, extra: out[-1].sum())
    assert np.all(full.state_grad_norms() > 0.0)
