"""The hand-derived reverse passes (rnnlib/bptt_by_hand.py), the vanilla RNN's and the LSTM's,
against the engine, rnnlib.bptt, and against central differences."""

import numpy as np
import pytest

import rnnlib
from rnnlib.bptt_by_hand import lstm_bptt, lstm_forward, vanilla_bptt
from rnnlib.gradcheck import numerical_gradient, relative_error


def _engine(cell, xs, dL_dout, state0=None):
    """rnnlib.bptt on the loss sum_t <dL_dout[t], h_t>, whose gradient on the outputs is dL_dout."""
    return rnnlib.bptt(cell, xs, lambda out, w, e: (out * dL_dout[w]).sum(), state0=state0)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_lstm_bptt_equals_the_engine_with_every_parameter_random(seed):
    rng = np.random.default_rng(seed)
    cell = rnnlib.random_cell("lstm", 3, 5, rng, scale=0.8)
    xs, dL_dout = rng.normal(size=(11, 4, 3)), rng.normal(size=(11, 4, 5))
    state0 = (rng.normal(size=(4, 5)), np.tanh(rng.normal(size=(4, 5))))
    grads, (dc, dh) = lstm_bptt(cell, xs, dL_dout, state0)
    res = _engine(cell, xs, dL_dout, state0)
    assert set(grads) == set(cell.params)
    for k in cell.params:
        np.testing.assert_allclose(grads[k], res.grads[k], rtol=1e-10, atol=1e-12, err_msg=k)
    for t in range(12):
        np.testing.assert_allclose(dc[t], res.state_grads[t][0], rtol=1e-10, atol=1e-13)
        np.testing.assert_allclose(dh[t], res.state_grads[t][1], rtol=1e-10, atol=1e-13)


def test_lstm_bptt_with_the_loss_at_the_last_step_only():
    rng = np.random.default_rng(7)
    cell = rnnlib.random_cell("lstm", 2, 6, rng)
    xs, v = rng.normal(size=(40, 3, 2)), rng.normal(size=(3, 6))
    dL_dout = np.zeros((40, 3, 6))
    dL_dout[-1] = v
    _, (dc, _) = lstm_bptt(cell, xs, dL_dout)
    want = rnnlib.bptt(cell, xs, lambda out, w, e: (out[-1] * v).sum()).state_grad_norms(0)
    np.testing.assert_allclose(np.linalg.norm(dc, axis=(1, 2)), want, rtol=1e-10)


def test_lstm_forward_is_the_cells_own_step():
    rng = np.random.default_rng(3)
    cell = rnnlib.random_cell("lstm", 3, 4, rng)
    xs = rng.normal(size=(6, 2, 3))
    fw = lstm_forward(cell, xs)
    p, (c, h) = cell.params, cell.initial_state(2)
    for t in range(6):
        probe = rnnlib.GateProbe()
        c_new, h_new = cell.step(p, (c, h), xs[t], probe=probe)
        for g in "ifo":
            np.testing.assert_array_equal(fw[g][t], probe.values[g][0])
        # c_t = f c_{t-1} + i c~_t, with the candidate the pass found
        np.testing.assert_allclose(
            c_new, fw["f"][t] * c + fw["i"][t] * fw["cand"][t], rtol=1e-14, atol=1e-15
        )
        c, h = c_new, h_new
        np.testing.assert_array_equal(fw["c"][t + 1], c)
        np.testing.assert_array_equal(fw["h"][t + 1], h)


def test_lstm_bptt_refuses_other_cells_and_shapes():
    rng = np.random.default_rng(0)
    for name in ("peephole", "gru", "vanilla"):
        with pytest.raises(TypeError, match="lstm_bptt needs a BasicLSTM"):
            lstm_bptt(rnnlib.make_cell(name, 3, 4, rng), np.zeros((5, 2, 3)), np.zeros((5, 2, 4)))
    cell = rnnlib.make_cell("lstm", 3, 4, rng)
    with pytest.raises(ValueError, match=r"dL_dout has shape \(5, 2, 3\)"):
        lstm_bptt(cell, np.zeros((5, 2, 3)), np.zeros((5, 2, 3)))
    with pytest.raises(ValueError):
        lstm_bptt(cell, np.zeros((5, 2, 2)), np.zeros((5, 2, 4)))
    with pytest.raises(ValueError, match="dL_dout"):
        lstm_bptt(cell, np.zeros((5, 2, 3)), np.full((5, 2, 4), np.nan))


@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "relu"])
@pytest.mark.parametrize("T", [1, 2, 7])
def test_hand_bptt_equals_engine(activation, T):
    rng = np.random.default_rng(T)
    cell = rnnlib.random_cell("vanilla", 3, 5, rng, 0.6, activation=activation)
    xs = rng.normal(size=(T, 4, 3))
    state0 = rng.normal(size=(4, 5))
    dL_dout = rng.normal(size=(T, 4, 5))
    res = rnnlib.bptt(cell, xs, lambda out, w, extra: (out * dL_dout[w]).sum(), state0=state0)
    grads, state_grads = vanilla_bptt(cell, xs, dL_dout, state0)
    for name in ("W", "U", "b"):
        assert np.max(np.abs(grads[name] - res.grads[name])) < 1e-10, name
    engine_states = np.stack([g[0] for g in res.state_grads])
    assert state_grads.shape == (T + 1, 4, 5)
    assert np.max(np.abs(state_grads - engine_states)) < 1e-10


def test_hand_bptt_matches_central_differences():
    rng = np.random.default_rng(11)
    cell = rnnlib.random_cell("vanilla", 2, 3, rng, 0.6)
    xs, dL_dout = rng.normal(size=(4, 2, 2)), rng.normal(size=(4, 2, 3))
    state0 = rng.normal(size=(2, 3))
    grads, state_grads = vanilla_bptt(cell, xs, dL_dout, state0)

    def value():
        return float((rnnlib.run(cell, xs, state0).outputs * dL_dout).sum())

    for name, arr in cell.params.items():
        assert relative_error(grads[name], numerical_gradient(value, arr)) < 1e-6
    assert relative_error(state_grads[0], numerical_gradient(value, state0)) < 1e-6
