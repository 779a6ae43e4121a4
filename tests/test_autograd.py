"""The array engine: every op's gradient against central differences, broadcasting included."""

import gc

import numpy as np
import pytest

import rnnlib
from rnnlib import autograd as ag
from rnnlib.autograd import Tensor, collector_paused, unbroadcast
from rnnlib.gradcheck import numerical_gradient, relative_error


def check(fn, *arrays, tol=1e-6):
    """Gradient of sum(fn(*tensors) * R) for a fixed random R, against central differences."""
    rng = np.random.default_rng(0)
    out_shape = np.shape(ag.data_of(fn(*arrays)))
    weights = rng.normal(size=out_shape)
    leaves = [Tensor(a) for a in arrays]
    (fn(*leaves) * weights).sum().backward()
    for k, (leaf, arr) in enumerate(zip(leaves, arrays)):
        numeric = numerical_gradient(lambda: float((fn(*arrays) * weights).sum()), arr)
        assert leaf.grad is not None, f"argument {k} got no gradient"
        assert leaf.grad.shape == arr.shape
        err = relative_error(leaf.grad, numeric)
        assert err < tol, f"argument {k}: relative error {err:.2e}"


R = np.random.default_rng(42)
A23, B23, A3, A13, A21 = (R.normal(size=s) for s in [(2, 3), (2, 3), (3,), (1, 3), (2, 1)])
POS23 = R.uniform(0.5, 2.0, size=(2, 3))

BINARY = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,
}


@pytest.mark.parametrize("op", sorted(BINARY))
@pytest.mark.parametrize("b", [B23, A3, A13, A21], ids=["same", "row", "1x3", "2x1"])
def test_binary_ops_with_broadcasting(op, b):
    b = np.abs(b) + 0.5 if op == "div" else b
    check(BINARY[op], A23.copy(), b.copy())


def test_reflected_ops_with_constants():
    check(lambda a: 2.0 - a, A23.copy())
    check(lambda a: 3.0 / a, POS23.copy())
    check(lambda a: A3 + a * 2.0, A23.copy())
    check(lambda a: -a, A23.copy())


@pytest.mark.parametrize("exponent", [2, 3, 0.5, -1.5])
def test_pow(exponent):
    check(lambda a: a**exponent, POS23.copy())


@pytest.mark.parametrize(
    "a_shape,b_shape",
    [((2, 3), (3, 4)), ((3,), (3, 4)), ((2, 3), (3,)), ((5, 2, 3), (3, 4)), ((3,), (3,))],
)
def test_matmul_shapes(a_shape, b_shape):
    rng = np.random.default_rng(1)
    check(lambda a, b: a @ b, rng.normal(size=a_shape), rng.normal(size=b_shape))


def test_matmul_with_transpose_as_in_the_cells():
    rng = np.random.default_rng(2)
    check(lambda s, W: s @ W.T, rng.normal(size=(4, 3)), rng.normal(size=(5, 3)))


@pytest.mark.parametrize("name", ["tanh", "sigmoid", "relu", "exp", "log", "sqrt", "absolute"])
def test_elementwise_functions(name):
    fn = getattr(ag, name)
    x = POS23.copy() if name in ("log", "sqrt") else A23.copy()
    check(fn, x)
    assert np.allclose(fn(x), ag.data_of(fn(Tensor(x))))  # arrays and tensors agree


@pytest.mark.parametrize(
    "index", [1, (slice(None), 0), (0, slice(1, 3)), (Ellipsis, -1), np.array([0, 1, 1])], ids=str
)
def test_getitem(index):
    check(lambda a: a[index], R.normal(size=(3, 4)))


def test_getitem_with_repeated_fancy_index_accumulates():
    a = Tensor(np.arange(4.0))
    a[np.array([1, 1, 2])].sum().backward()
    assert np.array_equal(a.grad, [0.0, 2.0, 1.0, 0.0])


@pytest.mark.parametrize("axis", [None, 0, 1, -1, (0, 1)])
@pytest.mark.parametrize("keepdims", [False, True])
def test_sum_and_mean(axis, keepdims):
    check(lambda a: a.sum(axis=axis, keepdims=keepdims), R.normal(size=(2, 3, 4)))
    check(lambda a: a.mean(axis=axis, keepdims=keepdims), R.normal(size=(2, 3, 4)))


def test_reshape_and_transpose():
    check(lambda a: a.reshape(3, 2), A23.copy())
    check(lambda a: a.T, A23.copy())


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_concat(axis):
    rng = np.random.default_rng(3)
    shapes = {0: [(1, 3), (2, 3)], 1: [(2, 1), (2, 4)], -1: [(2, 2), (2, 3)]}[axis]
    a, b = (rng.normal(size=s) for s in shapes)
    check(lambda x, y: ag.concat([x, y], axis=axis), a, b)
    check(lambda x: ag.concat([x, b], axis=axis), a)  # a constant among the pieces


@pytest.mark.parametrize("axis", [0, 1, 2])
def test_stack(axis):
    rng = np.random.default_rng(4)
    a, b, c = (rng.normal(size=(2, 3)) for _ in range(3))
    check(lambda x, y, z: ag.stack([x, y, z], axis=axis), a, b, c)


def test_concat_and_stack_on_plain_arrays_return_arrays():
    assert isinstance(ag.concat([A23, B23]), np.ndarray)
    assert isinstance(ag.stack([A23, B23]), np.ndarray)


def test_a_tensor_used_twice_accumulates_both_paths():
    x = Tensor(np.array([1.5, -2.0]))
    (x * x + x).sum().backward()
    assert np.allclose(x.grad, 2 * x.data + 1)


def test_composite_expression_like_a_gate():
    rng = np.random.default_rng(5)
    check(
        lambda h, W, b: ag.sigmoid(h @ W.T + b) * ag.tanh(h @ W.T),
        rng.normal(size=(3, 4)),
        rng.normal(size=(4, 4)),
        rng.normal(size=4),
    )


def test_ndarray_on_the_left_defers_to_tensor():
    out = A23 + Tensor(B23)
    assert isinstance(out, Tensor)
    out = A23 * Tensor(B23)
    assert isinstance(out, Tensor)


def test_unbroadcast_sums_added_and_stretched_axes():
    g = np.ones((4, 2, 3))
    assert unbroadcast(g, (3,)).tolist() == [8.0, 8.0, 8.0]
    assert unbroadcast(g, (2, 1)).shape == (2, 1)
    assert np.all(unbroadcast(g, (2, 1)) == 12.0)


def test_deep_chain_backpropagates_without_recursion():
    x = Tensor(np.array([0.5]))
    y = x
    for _ in range(5000):
        y = ag.tanh(y) * 1.0 + 0.0
    y.sum().backward()
    assert x.grad is not None and np.isfinite(x.grad).all()


def test_backward_needs_a_scalar_or_a_gradient():
    with pytest.raises(ValueError, match=r"needs a scalar.*shape \(2, 3\)"):
        Tensor(A23).backward()
    t = Tensor(A23)
    (t * 2.0).backward(np.ones((2, 3)))
    assert np.allclose(t.grad, 2.0)


# -- the cyclic garbage collector is paused while graphs are built and differentiated ---------


def _lstm_bptt(loss_fn=None, T=30):
    rng = np.random.default_rng(0)
    cell = rnnlib.BasicLSTM(3, 4, rng)
    xs = rng.normal(size=(T, 2, 3))
    return rnnlib.bptt(cell, xs, loss_fn or (lambda out, window, extra: (out * out).sum()))


@pytest.mark.parametrize("enabled", [True, False])
def test_bptt_restores_the_collector_state(enabled):
    was = gc.isenabled()
    try:
        (gc.enable if enabled else gc.disable)()
        _lstm_bptt()
        assert gc.isenabled() is enabled
    finally:
        (gc.enable if was else gc.disable)()


def test_bptt_restores_the_collector_after_an_exception():
    assert gc.isenabled()

    def seen_inside(out, window, extra):
        assert not gc.isenabled()  # paused while the graph exists
        raise RuntimeError("a failing loss")

    with pytest.raises(RuntimeError, match="a failing loss"):
        _lstm_bptt(seen_inside)
    assert gc.isenabled()
    with pytest.raises(ValueError, match="loss_fn must return a scalar Tensor"):
        _lstm_bptt(lambda out, window, extra: out)
    assert gc.isenabled()


def test_nested_pauses_restore_only_at_the_outermost():
    assert gc.isenabled()
    with collector_paused():
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()


def _live_tensors() -> int:
    return sum(type(o) is Tensor for o in gc.get_objects())


@pytest.mark.parametrize("name", sorted(rnnlib.CELLS))
def test_graphs_hold_no_cycles_and_are_freed_when_bptt_returns(name):
    """With the collector paused, a cycle in the graph would leak until it runs again: every
    cell's graph must be freed by reference counting alone, as soon as bptt returns.

    With the collector disabled nothing is promoted, so every object bptt allocates stays in
    the youngest generation: collecting that generation alone (cheap, where a full collection
    of a whole test session's objects takes a second) finds any cycle bptt left behind."""
    rng = np.random.default_rng(0)
    cell = rnnlib.make_cell(name, 3, 4, rng)
    xs = rng.normal(size=(20, 2, 3))
    gc.collect(0)
    before = _live_tensors()
    gc.disable()
    try:
        res = rnnlib.bptt(cell, xs, lambda out, window, extra: (out * out).sum() / 3.0, truncate=7)
        assert _live_tensors() == before
        assert gc.collect(0) == 0  # nothing unreachable was waiting for the collector
    finally:
        gc.enable()
    assert np.isfinite(res.loss)


def test_division_keeps_no_reference_to_its_output():
    a, b = Tensor(POS23), Tensor(POS23 + 1.0)
    out = a / b
    assert all(c.cell_contents is not out for c in out._backward.__closure__)
