"""rnnlib against PyTorch in float64: outputs and every gradient, all parameters random.

PyTorch is optional (CI installs it); without it these tests skip and say how to install it.
"""

import numpy as np
import pytest

import rnnlib

torch = pytest.importorskip(
    "torch", reason="PyTorch is optional: pip install torch==2.13.0 (CPU) to run the comparison"
)

T, B, N_IN, N = 5, 3, 4, 6
TOL = 1e-10


def torch_loop(torch_cell, xs, state0, weights):
    """Run a torch cell over xs; loss = sum_t <weights_t, h_t>. Returns outputs, loss, leaves."""
    x = torch.tensor(xs, requires_grad=True)
    state = tuple(torch.tensor(s, requires_grad=True) for s in state0)
    leaves = state
    outputs = []
    for t in range(xs.shape[0]):
        if len(state) == 2:
            state = torch_cell(x[t], state)
            outputs.append(state[0])  # LSTMCell returns (h, c)
        else:
            state = (torch_cell(x[t], state[0]),)
            outputs.append(state[0])
    out = torch.stack(outputs)
    loss = (out * torch.tensor(weights)).sum()
    loss.backward()
    return out.detach().numpy(), loss.item(), leaves


def rnnlib_grads(cell, xs, state0, weights):
    res = rnnlib.bptt(cell, xs, lambda out, w, extra: (out * weights[w]).sum(), state0=state0)
    return res


def chunks(tensor_or_grad, k):
    """Split torch's stacked (k*n, ...) weights or their gradients into k numpy blocks."""
    arr = tensor_or_grad.detach().numpy() if hasattr(tensor_or_grad, "detach") else tensor_or_grad
    return np.split(arr, k, axis=0)


def assert_close(a, b, what):
    err = float(np.max(np.abs(np.asarray(a) - np.asarray(b))))
    assert err < TOL, f"{what}: max abs difference {err:.2e}"


@pytest.fixture
def data():
    rng = np.random.default_rng(2024)
    xs = rng.normal(size=(T, B, N_IN))
    weights = rng.normal(size=(T, B, N))
    return rng, xs, weights


@pytest.mark.parametrize("activation", ["tanh", "relu"])
def test_vanilla_matches_rnncell(data, activation):
    rng, xs, weights = data
    cell = rnnlib.random_cell("vanilla", N_IN, N, rng, scale=0.5, activation=activation)
    tc = torch.nn.RNNCell(N_IN, N, nonlinearity=activation).double()
    b_ih, b_hh = rng.normal(size=N), rng.normal(size=N)
    with torch.no_grad():
        tc.weight_hh.copy_(torch.tensor(cell.params["W"]))
        tc.weight_ih.copy_(torch.tensor(cell.params["U"]))
        tc.bias_ih.copy_(torch.tensor(b_ih))
        tc.bias_hh.copy_(torch.tensor(b_hh))
    cell.params["b"][...] = b_ih + b_hh  # the two biases only ever appear as a sum
    h0 = rng.normal(size=(B, N))

    out, loss, (th0,) = torch_loop(tc, xs, (h0,), weights)
    res = rnnlib_grads(cell, xs, h0, weights)
    assert_close(res.outputs, out, "outputs")
    assert res.loss == pytest.approx(loss, abs=TOL)
    assert_close(res.grads["W"], tc.weight_hh.grad, "dW")
    assert_close(res.grads["U"], tc.weight_ih.grad, "dU")
    assert_close(res.grads["b"], tc.bias_ih.grad, "db (bias_ih)")
    assert_close(res.grads["b"], tc.bias_hh.grad, "db (bias_hh)")
    assert_close(res.state_grads[0][0], th0.grad, "dh0")


def test_basic_lstm_matches_lstmcell(data):
    rng, xs, weights = data
    cell = rnnlib.random_cell("lstm", N_IN, N, rng, scale=0.5)
    tc = torch.nn.LSTMCell(N_IN, N).double()
    b_ih, b_hh = rng.normal(size=4 * N), rng.normal(size=4 * N)
    order = ["i", "f", "", "o"]  # torch stacks i, f, g (the candidate), o
    p = cell.params
    with torch.no_grad():
        tc.weight_hh.copy_(torch.tensor(np.concatenate([p[f"W_{g}" if g else "W"] for g in order])))
        tc.weight_ih.copy_(torch.tensor(np.concatenate([p[f"U_{g}" if g else "U"] for g in order])))
        tc.bias_ih.copy_(torch.tensor(b_ih))
        tc.bias_hh.copy_(torch.tensor(b_hh))
    for g, bias in zip(order, np.split(b_ih + b_hh, 4)):
        p[f"b_{g}" if g else "b"][...] = bias
    c0, h0 = rng.normal(size=(B, N)), rng.normal(size=(B, N))

    out, loss, (th0, tc0) = torch_loop(tc, xs, (h0, c0), weights)
    res = rnnlib_grads(cell, xs, (c0, h0), weights)
    assert_close(res.outputs, out, "outputs")
    assert res.loss == pytest.approx(loss, abs=TOL)
    for g, dW, dU, db_ih, db_hh in zip(
        order,
        chunks(tc.weight_hh.grad, 4),
        chunks(tc.weight_ih.grad, 4),
        chunks(tc.bias_ih.grad, 4),
        chunks(tc.bias_hh.grad, 4),
    ):
        suffix = f"_{g}" if g else ""
        assert_close(res.grads["W" + suffix], dW, "dW" + suffix)
        assert_close(res.grads["U" + suffix], dU, "dU" + suffix)
        assert_close(res.grads["b" + suffix], db_ih, "db" + suffix + " (bias_ih)")
        assert_close(res.grads["b" + suffix], db_hh, "db" + suffix + " (bias_hh)")
    assert_close(res.state_grads[0][0], tc0.grad, "dc0")
    assert_close(res.state_grads[0][1], th0.grad, "dh0")


def test_gru_pytorch_form_matches_grucell(data):
    rng, xs, weights = data
    cell = rnnlib.random_cell("gru", N_IN, N, rng, scale=0.5, form="pytorch")
    tc = torch.nn.GRUCell(N_IN, N).double()
    p = cell.params
    b_ih, b_hh = rng.normal(size=3 * N), rng.normal(size=3 * N)
    (bi_r, bi_z, bi_n), (bh_r, bh_z, bh_n) = np.split(b_ih, 3), np.split(b_hh, 3)
    with torch.no_grad():  # torch stacks r, z, n
        tc.weight_hh.copy_(torch.tensor(np.concatenate([p["W_r"], p["W_z"], p["W"]])))
        tc.weight_ih.copy_(torch.tensor(np.concatenate([p["U_r"], p["U_z"], p["U"]])))
        tc.bias_ih.copy_(torch.tensor(b_ih))
        tc.bias_hh.copy_(torch.tensor(b_hh))
    p["b_r"][...] = bi_r + bh_r
    p["b_z"][...] = bi_z + bh_z
    p["b"][...] = bi_n  # the candidate's input bias
    p["b_h"][...] = bh_n  # inside the reset gate's product: r * (W h + b_h)
    h0 = rng.normal(size=(B, N))

    out, loss, (th0,) = torch_loop(tc, xs, (h0,), weights)
    res = rnnlib_grads(cell, xs, h0, weights)
    assert_close(res.outputs, out, "outputs")
    assert res.loss == pytest.approx(loss, abs=TOL)
    names = [("W_r", "U_r", "b_r"), ("W_z", "U_z", "b_z"), ("W", "U", "b")]
    for (w, u, b), dW, dU, db_ih, db_hh in zip(
        names,
        chunks(tc.weight_hh.grad, 3),
        chunks(tc.weight_ih.grad, 3),
        chunks(tc.bias_ih.grad, 3),
        chunks(tc.bias_hh.grad, 3),
    ):
        assert_close(res.grads[w], dW, "d" + w)
        assert_close(res.grads[u], dU, "d" + u)
        assert_close(res.grads[b], db_ih, "d" + b + " (bias_ih)")
        if b != "b":
            assert_close(res.grads[b], db_hh, "d" + b + " (bias_hh)")
        else:
            assert_close(res.grads["b_h"], db_hh, "db_h (bias_hh of n)")
    assert_close(res.state_grads[0][0], th0.grad, "dh0")
