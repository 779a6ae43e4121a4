"""Every cell's gradients against central differences, the losses' and the model's too
(the hand-derived reverse passes are tested in tests/test_bptt_by_hand.py)."""

import numpy as np
import pytest

import rnnlib
from rnnlib.autograd import Tensor
from rnnlib.gradcheck import directional_check, numerical_gradient, relative_error
from rnnlib.losses import cross_entropy, mse, readout
from rnnlib.model import Model
from rnnlib.tasks import AddingTask, CopyTask
from rnnlib.unroll import as_tuple

# (name, kwargs): every cell, every vanilla activation, both GRU forms
CELL_CONFIGS = [
    ("vanilla", {"activation": "tanh"}),
    ("vanilla", {"activation": "sigmoid"}),
    ("vanilla", {"activation": "relu"}),
    ("prototype", {}),
    ("normalized", {}),
    ("gru", {"form": "tutorial"}),
    ("gru", {"form": "pytorch"}),
    ("pseudo", {}),
    ("lstm", {}),
    ("peephole", {}),
]
CONFIG_IDS = [f"{n}-{next(iter(kw.values()))}" if kw else n for n, kw in CELL_CONFIGS]
N_IN, N_HIDDEN, BATCH = 3, 4, 2


# Every parameter random, biases and peepholes included (zero biases hide bugs): the cells
# come from rnnlib.random_cell, with weights of this scale.
SCALE = 0.6


def random_state(cell, rng, batch=BATCH):
    parts = tuple(rng.normal(0.0, 0.5, size=(batch, cell.n_hidden)) for _ in cell.state_names)
    return parts if len(parts) > 1 else parts[0]


@pytest.mark.parametrize("T", [1, 2, 5])
@pytest.mark.parametrize("name,kwargs", CELL_CONFIGS, ids=CONFIG_IDS)
def test_cell_gradients_match_central_differences(name, kwargs, T):
    rng = np.random.default_rng(100 + T)
    cell = rnnlib.random_cell(name, N_IN, N_HIDDEN, np.random.default_rng(T), SCALE, **kwargs)
    xs = rng.normal(size=(T, BATCH, N_IN))
    state0 = random_state(cell, rng)
    weights = rng.normal(size=(T, BATCH, N_HIDDEN))  # random loss weights on every output

    def loss_fn(outputs, window, extra):
        return (outputs * weights[window]).sum()

    def loss_value():
        return float((rnnlib.run(cell, xs, state0).outputs * weights).sum())

    res = rnnlib.bptt(cell, xs, loss_fn, state0=state0)
    assert res.loss == pytest.approx(loss_value(), rel=1e-12)
    for pname, value in cell.params.items():
        numeric = numerical_gradient(loss_value, value)
        err = relative_error(res.grads[pname], numeric)
        assert err < 1e-6, f"{cell!r} T={T}: d/d{pname} relative error {err:.2e}"
    for k, part in enumerate(as_tuple(state0)):
        numeric = numerical_gradient(loss_value, part)
        err = relative_error(res.state_grads[0][k], numeric)
        assert err < 1e-6, f"{cell!r} T={T}: initial state {cell.state_names[k]} error {err:.2e}"


@pytest.mark.parametrize("name,kwargs", CELL_CONFIGS, ids=CONFIG_IDS)
def test_truncated_gradients_match_central_differences_of_the_window_losses(name, kwargs):
    """With truncate=k the engine returns the gradient of a surrogate: each window's loss with
    its start state held constant. Check it against finite differences of that surrogate."""
    rng = np.random.default_rng(7)
    cell = rnnlib.random_cell(name, N_IN, N_HIDDEN, np.random.default_rng(7), SCALE, **kwargs)
    T, k = 5, 2
    xs = rng.normal(size=(T, BATCH, N_IN))
    weights = rng.normal(size=(T, BATCH, N_HIDDEN))
    res = rnnlib.bptt(cell, xs, lambda out, w, extra: (out * weights[w]).sum(), truncate=k)
    frozen = [rnnlib.run(cell, xs).states[start] for start in range(0, T, k)]  # start states

    def surrogate():
        total = 0.0
        for j, start in enumerate(range(0, T, k)):
            w = slice(start, min(start + k, T))
            total += float((rnnlib.run(cell, xs[w], frozen[j]).outputs * weights[w]).sum())
        return total

    for pname, value in cell.params.items():
        err = relative_error(res.grads[pname], numerical_gradient(surrogate, value))
        assert err < 1e-6, f"{cell!r}: d/d{pname} relative error {err:.2e}"


def test_readout_cross_entropy_gradients():
    rng = np.random.default_rng(1)
    h = rng.normal(size=(3, 2, 4))
    V, c = rng.normal(size=(5, 4)), rng.normal(size=5)
    targets = rng.integers(0, 5, size=(3, 2))
    mask = (rng.uniform(size=(3, 2)) < 0.6).astype(float)
    mask[0, 0] = 1.0

    def value():
        return float(cross_entropy(readout(h, V, c), targets, mask).data)

    leaves = {"h": Tensor(h), "V": Tensor(V), "c": Tensor(c)}
    cross_entropy(readout(leaves["h"], leaves["V"], leaves["c"]), targets, mask).backward()
    for name, arr in (("h", h), ("V", V), ("c", c)):
        err = relative_error(leaves[name].grad, numerical_gradient(value, arr))
        assert err < 1e-6, f"d/d{name}: {err:.2e}"
    # masked positions get no gradient
    assert np.all(leaves["h"].grad[mask == 0] == 0)


@pytest.mark.parametrize("masked", [False, True])
def test_readout_mse_gradients(masked):
    rng = np.random.default_rng(2)
    h = rng.normal(size=(4, 3, 2))
    V, c = rng.normal(size=(2, 2)), rng.normal(size=2)
    target = rng.normal(size=(4, 3, 2))
    mask = (rng.uniform(size=(4, 3, 1)) < 0.5).astype(float) if masked else None
    if masked:
        mask[0, 0, 0] = 1.0

    def value():
        return float(mse(readout(h, V, c), target, mask).data)

    leaves = {"h": Tensor(h), "V": Tensor(V), "c": Tensor(c)}
    mse(readout(leaves["h"], leaves["V"], leaves["c"]), target, mask).backward()
    for name, arr in (("h", h), ("V", V), ("c", c)):
        err = relative_error(leaves[name].grad, numerical_gradient(value, arr))
        assert err < 1e-6, f"d/d{name}: {err:.2e}"


@pytest.mark.parametrize(
    "task,truncate", [(CopyTask(3, 2, 1), None), (CopyTask(3, 2, 1), 3), (AddingTask(6), None)]
)
def test_model_loss_and_grads_match_central_differences(task, truncate):
    rng = np.random.default_rng(3)
    cell = rnnlib.random_cell("lstm", task.n_in, 3, rng, SCALE)
    model = Model(cell, task.n_out, rng)
    model.readout["c"][...] = rng.normal(size=model.readout["c"].shape)  # a nonzero bias
    batch = task.sample(rng, 2)
    loss, grads, _ = model.loss_and_grads(batch, task.kind, truncate=truncate)
    assert loss == pytest.approx(model.loss(batch, task.kind), rel=1e-12)
    if truncate is not None:
        for name in ("V", "c"):  # the readout's gradient is exact even when truncated
            numeric = numerical_gradient(lambda: model.loss(batch, task.kind), model.params[name])
            assert relative_error(grads[name], numeric) < 1e-6
        return
    for name, value in model.params.items():
        numeric = numerical_gradient(lambda: model.loss(batch, task.kind), value)
        err = relative_error(grads[name], numeric)
        assert err < 1e-6, f"d/d{name}: {err:.2e}"


def test_two_thousand_steps_backpropagate_without_recursion_error():
    rng = np.random.default_rng(0)
    cell = rnnlib.BasicLSTM(2, 3, rng)
    xs = rng.normal(size=(2000, 2, 2))
    res = rnnlib.bptt(cell, xs, lambda out, w, extra: out[-1].sum())
    assert np.isfinite(res.loss)
    assert len(res.state_grads) == 2001
    assert all(np.all(np.isfinite(g)) for g in res.grads.values())
    assert np.any(res.grads["W"] != 0)


def test_directional_check_on_a_long_sequence():
    rng = np.random.default_rng(5)
    cell = rnnlib.random_cell("gru", 2, 4, rng, scale=0.3)
    xs = rng.normal(size=(300, 2, 2))
    weights = rng.normal(size=(300, 2, 4))
    res = rnnlib.bptt(cell, xs, lambda out, w, extra: (out * weights[w]).sum())

    def value():
        return float((rnnlib.run(cell, xs).outputs * weights).sum())

    assert directional_check(value, cell.params, res.grads, rng) < 1e-6
