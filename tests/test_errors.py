"""Bad input fails early, with a ValueError or TypeError saying what was expected and what came."""

import re

import numpy as np
import pytest

import rnnlib
from rnnlib import gradcheck, init, layers, ntm, optim
from rnnlib.autograd import Tensor
from rnnlib.bptt_by_hand import vanilla_bptt
from rnnlib.losses import cross_entropy, mse
from rnnlib.model import Model
from rnnlib.tasks import AddingTask, Batch, CharLM, CopyTask, EmbeddedReber, get_task, one_hot
from rnnlib.train import train


@pytest.fixture
def rng():
    return np.random.default_rng(0)


@pytest.fixture
def cell(rng):
    return rnnlib.VanillaRNN(4, 3, rng)


@pytest.fixture
def lstm(rng):
    return rnnlib.BasicLSTM(4, 3, rng)


def loss_fn(out, window, extra):
    return out.sum()


def test_wrong_input_width(cell):
    with pytest.raises(
        ValueError,
        match=r"inputs have shape \(5, 2, 3\); VanillaRNN\(n_in=4\) "
        r"expects \(T, B, 4\)",
    ):
        rnnlib.run(cell, np.zeros((5, 2, 3)))


def test_wrong_rank(cell):
    with pytest.raises(
        ValueError, match=r"inputs have shape \(5, 4\);.*expects \(T, B, 4\), a 3-d"
    ):
        rnnlib.run(cell, np.zeros((5, 4)))


def test_wrong_rank_in_bptt(lstm):
    with pytest.raises(ValueError, match=r"inputs have shape \(2, 3, 4, 1\); BasicLSTM\(n_in=4\)"):
        rnnlib.bptt(lstm, np.zeros((2, 3, 4, 1)), loss_fn)


def test_batch_mismatch_between_input_and_state(cell):
    with pytest.raises(
        ValueError,
        match=r"initial state 's' has shape \(3, 3\); expected .*"
        r"\(2, 3\) to match inputs of batch 2",
    ):
        rnnlib.run(cell, np.zeros((5, 2, 4)), np.zeros((3, 3)))


def test_lstm_state_needs_two_vectors(lstm):
    with pytest.raises(
        ValueError, match=r"BasicLSTM carries 2 state vector\(s\) \('c', 'h'\); got 1"
    ):
        rnnlib.run(lstm, np.zeros((5, 2, 4)), np.zeros((2, 3)))


def test_lstm_h_batch_mismatch(lstm):
    with pytest.raises(ValueError, match=r"initial state 'h' has shape \(1, 3\); expected"):
        rnnlib.bptt(lstm, np.zeros((5, 2, 4)), loss_fn, state0=(np.zeros((2, 3)), np.zeros((1, 3))))


def test_zero_time_steps(cell):
    with pytest.raises(
        ValueError, match=r"inputs have shape \(0, 2, 4\); need at least one time step"
    ):
        rnnlib.bptt(cell, np.zeros((0, 2, 4)), loss_fn)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_input(cell, bad):
    xs = np.zeros((3, 2, 4))
    xs[1, 0, 2] = bad
    with pytest.raises(ValueError, match=r"inputs contain NaN or inf; expected finite numbers"):
        rnnlib.run(cell, xs)


def test_unknown_cell_name(rng):
    with pytest.raises(ValueError, match=r"unknown cell 'lstmm'; expected one of \['gru', 'lstm'"):
        rnnlib.make_cell("lstmm", 2, 3, rng)


def test_unknown_initializer_name(rng):
    with pytest.raises(
        ValueError,
        match=r"unknown initializer 'xavier'; expected one of "
        r"\['glorot', 'identity', 'normal', 'orthogonal', "
        r"'uniform'\]",
    ):
        rnnlib.make_cell("gru", 2, 3, rng, init="xavier")


def test_initializer_of_the_wrong_type(rng):
    with pytest.raises(TypeError, match=r"init must be a name or a callable, got int"):
        rnnlib.make_cell("gru", 2, 3, rng, init=3)


def test_identity_init_needs_a_square_matrix(rng):
    with pytest.raises(ValueError, match=r"identity init needs a square shape, got \(3, 2\)"):
        rnnlib.make_cell("vanilla", 2, 3, rng, init="identity")


def test_unknown_activation(rng):
    with pytest.raises(
        ValueError,
        match=r"unknown activation 'softplus'; expected one of "
        r"\['relu', 'sigmoid', 'tanh'\]",
    ):
        rnnlib.VanillaRNN(2, 3, rng, activation="softplus")


def test_unknown_gru_form(rng):
    with pytest.raises(
        ValueError,
        match=r"unknown GRU form 'keras'; expected one of "
        r"\('tutorial', 'pytorch'\)",
    ):
        rnnlib.GRU(2, 3, rng, form="keras")


@pytest.mark.parametrize("truncate", [0, -3, 2.5, True, "2"])
def test_invalid_truncation_length(cell, truncate):
    with pytest.raises(
        ValueError,
        match=rf"truncate must be a positive integer or None, got "
        rf"{repr(truncate).replace('.', '[.]')}",
    ):
        rnnlib.bptt(cell, np.zeros((5, 2, 4)), loss_fn, truncate=truncate)


@pytest.mark.parametrize("n_hidden", [0, -1, 2.0])
def test_bad_sizes(rng, n_hidden):
    with pytest.raises(ValueError, match=rf"n_hidden must be a positive integer, got {n_hidden!r}"):
        rnnlib.BasicLSTM(3, n_hidden, rng)


def test_rng_must_be_a_generator():
    with pytest.raises(TypeError, match=r"rng must be a numpy Generator .*got int"):
        rnnlib.BasicLSTM(3, 4, 0)


def test_cross_entropy_needs_integer_targets():
    with pytest.raises(
        TypeError, match=r"targets must be integer class indices, got dtype float64"
    ):
        cross_entropy(Tensor(np.zeros((2, 3, 4))), np.zeros((2, 3)))


def test_cross_entropy_targets_in_range():
    with pytest.raises(ValueError, match=r"targets must lie in \[0, 4\), got values from 0 to 7"):
        cross_entropy(Tensor(np.zeros((2, 3, 4))), np.array([[0, 1, 7], [0, 0, 0]]))


def test_cross_entropy_shape_mismatch():
    with pytest.raises(ValueError, match=r"targets have shape \(3, 2\); expected \(2, 3\)"):
        cross_entropy(Tensor(np.zeros((2, 3, 4))), np.zeros((3, 2), dtype=int))


def test_mse_shape_mismatch():
    with pytest.raises(ValueError, match=r"target has shape \(2, 3\); expected \(2, 3, 1\)"):
        mse(Tensor(np.zeros((2, 3, 1))), np.zeros((2, 3)))


def test_unknown_task():
    from rnnlib.tasks import TASKS  # the message lists every registered task, sorted

    assert {"adding", "charlm", "copy", "reber"} <= set(TASKS)
    with pytest.raises(
        ValueError,
        match=r"unknown task 'sorting'; expected one of " + re.escape(str(sorted(TASKS))),
    ):
        get_task("sorting")


def test_model_needs_a_cell(rng):
    with pytest.raises(TypeError, match=r"expected an rnnlib Cell, got str"):
        Model("lstm", 3, rng)


def test_train_checks_task_against_model(rng):
    model = Model(rnnlib.BasicLSTM(3, 4, rng), 2, rng)
    with pytest.raises(
        ValueError,
        match=r"CopyTask\(.*\) has n_in=6, n_out=4; the model has "
        r"n_in=3, n_out=2",
    ):
        train(model, CopyTask(), 5, optim.SGD(0.1), rng, progress=False)


def test_model_kind(rng):
    model = Model(rnnlib.BasicLSTM(2, 4, rng), 1, rng)
    with pytest.raises(
        ValueError,
        match=r"unknown kind 'regression'; expected one of "
        r"\('classify', 'regress'\)",
    ):
        model.loss_and_grads(AddingTask(5).sample(rng, 2), "regression")


@pytest.mark.parametrize("make", [lambda: optim.SGD(-0.1), lambda: optim.Adam(0.0)])
def test_optimizer_learning_rate(make):
    with pytest.raises(ValueError, match=r"lr must be a positive finite number, got -?0\.[01]"):
        make()


def test_optimizer_gradient_shapes():
    params = {"W": np.zeros((2, 3))}
    with pytest.raises(ValueError, match=r"gradient of 'W' has shape \(3, 2\); expected \(2, 3\)"):
        optim.SGD(0.1).step(params, {"W": np.zeros((3, 2))})
    with pytest.raises(
        ValueError,
        match=r"grads lack entries for parameters \['W'\]; got grads "
        r"for \['V'\]",
    ):
        optim.Momentum(0.1).step(params, {"V": np.zeros(2)})


def test_clip_limits_must_be_positive():
    with pytest.raises(ValueError, match=r"max_norm must be a positive finite number, got 0"):
        optim.clip_by_global_norm({"W": np.ones(2)}, 0)
    with pytest.raises(TypeError, match=r"limit must be a number, got NoneType None"):
        optim.clip_by_value({"W": np.ones(2)}, None)


def test_vanilla_bptt_checks_its_arguments(cell, lstm):
    with pytest.raises(
        ValueError,
        match=r"dL_dout has shape \(5, 2, 4\); expected \(T, B, n\) = "
        r"\(5, 2, 3\)",
    ):
        vanilla_bptt(cell, np.zeros((5, 2, 4)), np.zeros((5, 2, 4)))
    with pytest.raises(TypeError, match=r"vanilla_bptt needs a VanillaRNN, got BasicLSTM"):
        vanilla_bptt(lstm, np.zeros((5, 2, 4)), np.zeros((5, 2, 3)))


def test_gate_probe_values(rng):
    with pytest.raises(ValueError, match=r"gate 'f' fixed to 1.5; gates live in \[0, 1\]"):
        rnnlib.GateProbe(fixed={"f": 1.5})


def test_task_sizes(rng):
    with pytest.raises(ValueError, match=r"batch_size must be a positive integer, got 0"):
        CopyTask().sample(rng, 0)
    with pytest.raises(ValueError, match=r"delay must be an integer >= 0, got -1"):
        CopyTask(delay=-1)
    with pytest.raises(TypeError, match=r"rng must be a numpy Generator .*got int"):
        AddingTask().sample(5, 4)


# ---------------------------------------------------------------------------------------------
# The public API probed as a user would misuse it (issue 11). Each case names the call, the
# exception it must raise, and fragments its message must contain: what was expected and what
# came. The same table, run against an older rnnlib, counts how many cases used to be clear.
# ---------------------------------------------------------------------------------------------


def _rng():
    return np.random.default_rng(0)


def _vanilla():
    return rnnlib.VanillaRNN(4, 3, _rng())


def _lstm():
    return rnnlib.BasicLSTM(4, 3, _rng())


def _xs(T=5, B=2, m=4):
    return np.zeros((T, B, m))


def _sum_loss(out, window, extra):
    return out.sum()


def _run_with_probe(cell, probe):
    return rnnlib.run(cell, _xs(m=cell.n_in), probe=probe)


def _model(kind="classify"):
    rng = _rng()
    n_out = 3 if kind == "classify" else 1
    return Model(rnnlib.VanillaRNN(4, 3, rng), n_out, rng)


def _batch(mask=None, T=5, B=2, kind="classify"):
    targets = np.zeros((T, B), dtype=np.int64) if kind == "classify" else np.zeros((T, B, 1))
    return Batch(np.zeros((T, B, 4)), targets, np.ones((T, B)) if mask is None else mask)


def _non_contiguous_gradient(view):
    """The gradient of sum(a * w) for a fixed w, taken through a view of ``a``."""
    a = np.arange(12.0).reshape(3, 4) / 7.0
    w = np.random.default_rng(1).normal(size=(3, 4))
    v = view(a)
    return gradcheck.numerical_gradient(lambda: float((a * w).sum()), v), view(w)


def _ntm(**kw):
    return ntm.NTM(3, 2, _rng(), n_rows=4, width=3, n_hidden=5, **kw)


def _ntm_data(T=3, B=2):
    return np.zeros((T, B, 3)), np.zeros((T, B, 2)), np.ones((T, B))


def _adding_model():
    rng = _rng()
    return Model(rnnlib.VanillaRNN(2, 3, rng), 1, rng)


def _sgd_step_with(grad):
    params = {"W": np.ones(3)}
    optim.SGD(0.1).step(params, {"W": grad})
    return params


CASES = [
    # -- gradient checking ---------------------------------------------------------------------
    (
        "gradcheck: eps = 0",
        lambda: gradcheck.numerical_gradient(lambda: 0.0, np.zeros(2), eps=0),
        ValueError,
        ["eps must be a positive finite number", "got 0.0"],
    ),
    (
        "gradcheck: x a list",
        lambda: gradcheck.numerical_gradient(lambda: 0.0, [1.0, 2.0]),
        TypeError,
        ["x must be the numpy array", "got list"],
    ),
    (
        "gradcheck: f not callable",
        lambda: gradcheck.numerical_gradient(3.0, np.zeros(2)),
        TypeError,
        ["f must be a function", "got float 3.0"],
    ),
    (
        "gradcheck: f returns an array",
        lambda: gradcheck.numerical_gradient(lambda: np.zeros(3), np.zeros(2)),
        TypeError,
        ["f() must return one number", "array of shape (3,)"],
    ),
    (
        "gradcheck: f returns NaN",
        lambda: gradcheck.numerical_gradient(lambda: float("nan"), np.zeros(2)),
        ValueError,
        ["f() returned nan", "needs a finite loss"],
    ),
    (
        "gradcheck: read-only x",
        lambda: gradcheck.numerical_gradient(lambda: 0.0, np.broadcast_to(np.zeros(1), (3,))),
        ValueError,
        ["read-only", "nudges its entries in place"],
    ),
    (
        "gradcheck: integer x",
        lambda: gradcheck.numerical_gradient(lambda: 0.0, np.zeros(2, int)),
        TypeError,
        ["need float64 arrays", "got int64"],
    ),
    (
        "relative_error: shapes that broadcast",
        lambda: gradcheck.relative_error(np.zeros((2, 3)), np.zeros(3)),
        ValueError,
        ["a has shape (2, 3) and b has shape (3,)", "expected the same shape"],
    ),
    (
        "directional_check: grads missing a key",
        lambda: gradcheck.directional_check(lambda: 0.0, {"W": np.zeros(2)}, {}, _rng()),
        ValueError,
        ["grads has no entry 'W'", "got []"],
    ),
    (
        "directional_check: rng an int",
        lambda: gradcheck.directional_check(lambda: 0.0, {"W": np.zeros(2)}, {"W": np.zeros(2)}, 0),
        TypeError,
        ["rng must be a numpy Generator", "got int"],
    ),
    (
        "directional_check: grad of another shape",
        lambda: gradcheck.directional_check(
            lambda: 0.0, {"W": np.zeros(2)}, {"W": np.zeros(3)}, _rng()
        ),
        ValueError,
        ["grads['W'] has shape (3,)", "expected (2,)"],
    ),
    # -- cells ---------------------------------------------------------------------------------
    (
        "cell: init_scale = nan",
        lambda: rnnlib.VanillaRNN(2, 3, _rng(), init_scale=float("nan")),
        ValueError,
        ["init_scale must be a finite number", "got nan"],
    ),
    (
        "cell: init_scale = inf",
        lambda: rnnlib.BasicLSTM(2, 3, _rng(), init_scale=float("inf")),
        ValueError,
        ["init_scale must be a finite number", "got inf"],
    ),
    (
        "cell: init_scale a string",
        lambda: rnnlib.GRU(2, 3, _rng(), init_scale="big"),
        TypeError,
        ["init_scale must be a number", "got str 'big'"],
    ),
    (
        "cell: init callable of the wrong shape",
        lambda: rnnlib.VanillaRNN(2, 3, _rng(), init=lambda rng, shape: np.zeros((2, 2))),
        ValueError,
        ["returned shape (2, 2)", "expected (3, 3)"],
    ),
    (
        "cell: init callable returning NaN",
        lambda: rnnlib.VanillaRNN(2, 3, _rng(), init=lambda rng, shape: np.full(shape, np.nan)),
        ValueError,
        ["returned NaN or inf", "expected finite numbers"],
    ),
    (
        "cell: init callable returning a number",
        lambda: rnnlib.VanillaRNN(2, 3, _rng(), init=lambda rng, shape: 0.5),
        TypeError,
        ["must return a real array of shape (3, 3)", "got float 0.5"],
    ),
    (
        "cell: init callable with init_scale",
        lambda: rnnlib.VanillaRNN(2, 3, _rng(), init=init.uniform, init_scale=2.0),
        ValueError,
        ["init_scale=2.0 would be ignored by a callable init", "function"],
    ),
    (
        "cell: activation a list",
        lambda: rnnlib.VanillaRNN(2, 3, _rng(), activation=["tanh"]),
        ValueError,
        ["unknown activation ['tanh']", "expected one of ['relu', 'sigmoid', 'tanh']"],
    ),
    (
        "cell: GRU form None",
        lambda: rnnlib.GRU(2, 3, _rng(), form=None),
        ValueError,
        ["unknown GRU form None", "expected one of ('tutorial', 'pytorch')"],
    ),
    (
        "make_cell: keyword of another cell",
        lambda: rnnlib.make_cell("lstm", 2, 3, _rng(), activation="relu"),
        TypeError,
        ["BasicLSTM does not take activation=", "it takes init, init_scale, input_init"],
    ),
    (
        "make_cell: name not a string",
        lambda: rnnlib.make_cell(3, 2, 3, _rng()),
        ValueError,
        ["unknown cell 3", "expected one of ['gru', 'lstm'"],
    ),
    (
        "cell: n_in a string",
        lambda: rnnlib.VanillaRNN("3", 2, _rng()),
        ValueError,
        ["n_in must be a positive integer", "got '3'"],
    ),
    (
        "initial_state(True)",
        lambda: _vanilla().initial_state(True),
        ValueError,
        ["batch must be a positive integer", "got True"],
    ),
    (
        "initial_state(2.5)",
        lambda: _vanilla().initial_state(2.5),
        ValueError,
        ["batch must be a positive integer", "got 2.5"],
    ),
    (
        "step: x of the wrong width",
        lambda: _vanilla().step(_vanilla().params, np.zeros((2, 3)), np.zeros((2, 5))),
        ValueError,
        ["x has shape (2, 5)", "expects (B, 4)"],
    ),
    (
        "step: state of another batch",
        lambda: _vanilla().step(_vanilla().params, np.zeros((3, 3)), np.zeros((2, 4))),
        ValueError,
        ["state 's' has shape (3, 3)", "expects (2, 3)"],
    ),
    (
        "step: one array for an LSTM (rows taken as c and h)",
        lambda: _lstm().step(_lstm().params, np.zeros((2, 3)), np.zeros((2, 4))),
        ValueError,
        ["carries 2 state vectors ('c', 'h')", "got an array of shape (2, 3)"],
    ),
    (
        "step: a tuple for a one-vector cell",
        lambda: _vanilla().step(_vanilla().params, (np.zeros((2, 3)),), np.zeros((2, 4))),
        ValueError,
        ["carries one state vector 's'", "got a tuple of 1"],
    ),
    (
        "step: a whole sequence as x (broadcast silently before)",
        lambda: _vanilla().step(_vanilla().params, np.zeros((2, 3)), _xs()),
        ValueError,
        ["state 's' has shape (2, 3)", "expects (5, 2, 3) for x of shape (5, 2, 4)"],
    ),
    (
        "step: a pytorch-form GRU given tutorial-form params",
        lambda: rnnlib.GRU(4, 3, _rng(), form="pytorch").step(
            rnnlib.GRU(4, 3, _rng()).params, np.zeros((2, 3)), np.zeros((2, 4))
        ),
        ValueError,
        ["parameters ['b_h'] are missing", "form='pytorch'"],
    ),
    (
        "step: params missing a key",
        lambda: _lstm().step({"W": np.zeros((3, 3))}, _lstm().initial_state(2), np.zeros((2, 4))),
        ValueError,
        ["parameters ['U', 'U_f'", "are missing", "got ['W']"],
    ),
    (
        "step: params not a dict",
        lambda: _vanilla().step([1, 2], np.zeros((2, 3)), np.zeros((2, 4))),
        TypeError,
        ["p must be a dict of parameters", "got list"],
    ),
    (
        "GateProbe: pins a gate no cell has",
        lambda: _run_with_probe(_lstm(), rnnlib.GateProbe(fixed={"q": 0.5})),
        ValueError,
        ["pins gate(s) ['q']", "its gates are ('i', 'f', 'o')"],
    ),
    (
        "GateProbe: pins z on an LSTM",
        lambda: _run_with_probe(_lstm(), rnnlib.GateProbe(fixed={"z": 1.0})),
        ValueError,
        ["pins gate(s) ['z']", "BasicLSTM does not compute"],
    ),
    (
        "GateProbe: pins a gate of a gateless cell",
        lambda: _run_with_probe(_vanilla(), rnnlib.GateProbe(fixed={"f": 1.0})),
        ValueError,
        ["pins gate(s) ['f']", "it has no gates"],
    ),
    (
        "GateProbe: on cell.step directly",
        lambda: _lstm().step(
            _lstm().params,
            _lstm().initial_state(2),
            np.zeros((2, 4)),
            probe=rnnlib.GateProbe(fixed={"r": 0.0}),
        ),
        ValueError,
        ["pins gate(s) ['r']", "its gates are ('i', 'f', 'o')"],
    ),
    (
        "GateProbe: value a string",
        lambda: rnnlib.GateProbe(fixed={"f": "high"}),
        TypeError,
        ["gate 'f' must be fixed to a number in [0, 1]", "got str 'high'"],
    ),
    (
        "GateProbe: fixed a string",
        lambda: rnnlib.GateProbe(fixed="f"),
        TypeError,
        ["fixed must be a dict", "got str 'f'"],
    ),
    (
        "run: probe not callable",
        lambda: _run_with_probe(_lstm(), 3),
        TypeError,
        ["probe must be a callable", "got int 3"],
    ),
    # -- run and bptt --------------------------------------------------------------------------
    (
        "run: NaN initial state",
        lambda: rnnlib.run(_vanilla(), _xs(), np.full((2, 3), np.nan)),
        ValueError,
        ["initial state 's' contains NaN or inf", "expected finite numbers"],
    ),
    (
        "bptt: inf in the initial c",
        lambda: rnnlib.bptt(
            _lstm(), _xs(), _sum_loss, state0=(np.full((2, 3), np.inf), np.zeros((2, 3)))
        ),
        ValueError,
        ["initial state 'c' contains NaN or inf", "expected finite numbers"],
    ),
    (
        "run: an LSTM state as a list",
        lambda: rnnlib.run(_lstm(), _xs(), [np.zeros((2, 3)), np.zeros((2, 3))]),
        ValueError,
        ["carries 2 state vector(s) ('c', 'h')", "got 1 (list", "pass a tuple (c, h)"],
    ),
    (
        "run: complex inputs",
        lambda: rnnlib.run(_vanilla(), _xs() + 1j),
        TypeError,
        ["inputs must hold real numbers", "complex"],
    ),
    (
        "run: string inputs",
        lambda: rnnlib.run(_vanilla(), np.full((5, 2, 4), "a")),
        TypeError,
        ["inputs must be an array of real numbers", "dtype <U1"],
    ),
    (
        "run: inputs None",
        lambda: rnnlib.run(_vanilla(), None),
        TypeError,
        ["inputs must be an array of real numbers", "got NoneType None"],
    ),
    (
        "run: batch of 0",
        lambda: rnnlib.run(_vanilla(), np.zeros((5, 0, 4))),
        ValueError,
        ["inputs have shape (5, 0, 4)", "need at least one time step and one sequence"],
    ),
    (
        "run: params missing a key",
        lambda: rnnlib.run(_vanilla(), _xs(), params={"W": np.eye(3)}),
        ValueError,
        ["params lack ['U', 'b']", "needs ['U', 'W', 'b']", "got ['W']"],
    ),
    (
        "bptt: params of the wrong shape",
        lambda: rnnlib.bptt(
            _vanilla(), _xs(), _sum_loss, params={**_vanilla().params, "W": np.eye(4)}
        ),
        ValueError,
        ["params['W'] has shape (4, 4)", "expects (3, 3)"],
    ),
    (
        "bptt: extra_params name clashes with the cell's",
        lambda: rnnlib.bptt(_vanilla(), _xs(), _sum_loss, extra_params={"W": np.zeros((2, 3))}),
        ValueError,
        [
            "extra_params names ['W'] clash with parameters of VanillaRNN",
            "their gradients would overwrite",
        ],
    ),
    (
        "bptt: extra_params a list",
        lambda: rnnlib.bptt(_vanilla(), _xs(), _sum_loss, extra_params=[np.zeros(3)]),
        TypeError,
        ["extra_params must be a dict of named arrays", "got list"],
    ),
    (
        "bptt: loss_fn not callable",
        lambda: rnnlib.bptt(_vanilla(), _xs(), 3.0),
        TypeError,
        ["loss_fn must be a function", "got float 3.0"],
    ),
    (
        "bptt: loss_fn returns a float",
        lambda: rnnlib.bptt(_vanilla(), _xs(), lambda o, w, e: 1.0),
        ValueError,
        ["loss_fn must return a scalar Tensor", "got float 1.0"],
    ),
    (
        "bptt: loss_fn returns a vector",
        lambda: rnnlib.bptt(_vanilla(), _xs(), lambda o, w, e: o.sum(axis=0)),
        ValueError,
        ["loss_fn must return a scalar Tensor", "got a Tensor of shape (2, 3)"],
    ),
    (
        "Trajectory.state_array(2) on an LSTM",
        lambda: rnnlib.run(_lstm(), _xs()).state_array(2),
        ValueError,
        ["index must be 0 (c) or 1 (h)", "got 2"],
    ),
    (
        "Trajectory.state_array(1) on a vanilla RNN",
        lambda: rnnlib.run(_vanilla(), _xs()).state_array(1),
        ValueError,
        ["index must be 0 (the cell has one state vector)", "got 1"],
    ),
    (
        "Trajectory.state_array(-1) (the last vector before)",
        lambda: rnnlib.run(_vanilla(), _xs()).state_array(-1),
        ValueError,
        ["index must be 0 (the cell has one state vector)", "got -1"],
    ),
    (
        "BPTTResult.state_grad_norms(-1) on an LSTM",
        lambda: rnnlib.bptt(_lstm(), _xs(), _sum_loss).state_grad_norms(-1),
        ValueError,
        ["index must be 0 (c) or 1 (h)", "got -1"],
    ),
    (
        "Trajectory.state_array('h')",
        lambda: rnnlib.run(_lstm(), _xs()).state_array("h"),
        TypeError,
        ["index must be an integer", "got str 'h'"],
    ),
    (
        "BPTTResult.state_grad_norms(1) on a one-vector cell",
        lambda: rnnlib.bptt(_vanilla(), _xs(), _sum_loss).state_grad_norms(1),
        ValueError,
        ["index must be 0 (the cell has one state vector)", "got 1"],
    ),
    # -- the engine ----------------------------------------------------------------------------
    (
        "Tensor of complex numbers",
        lambda: Tensor(np.ones(2) * 1j),
        TypeError,
        ["Tensor data must hold real numbers", "complex"],
    ),
    (
        "Tensor of None",
        lambda: Tensor(None),
        TypeError,
        ["Tensor data must be an array of real numbers", "got NoneType None"],
    ),
    (
        "Tensor of strings",
        lambda: Tensor("abc"),
        TypeError,
        ["Tensor data must be an array of real numbers", "got str 'abc'"],
    ),
    (
        "Tensor + a string",
        lambda: Tensor(np.ones(2)) + "a",
        TypeError,
        ["Tensor data must be an array of real numbers", "got str 'a'"],
    ),
    (
        "Tensor ** a string",
        lambda: Tensor(np.ones(2)) ** "2",
        TypeError,
        ["Tensor ** expects a constant real number", "got str '2'"],
    ),
    (
        "Tensor @ of mismatched shapes",
        lambda: Tensor(np.ones((2, 3))) @ Tensor(np.ones((4, 5))),
        ValueError,
        ["cannot multiply shapes (2, 3) @ (4, 5)", "must equal"],
    ),
    (
        "Tensor.sum over a missing axis",
        lambda: Tensor(np.ones((2, 3))).sum(axis=3),
        ValueError,
        ["axis 3 is out of bounds", "dimension 2"],
    ),
    (
        "Tensor.reshape to another size",
        lambda: Tensor(np.ones((2, 3))).reshape(7),
        ValueError,
        ["cannot reshape array of size 6", "(7,)"],
    ),
    (
        "backward with a complex gradient",
        lambda: Tensor(np.ones(2)).backward(np.ones(2) * 1j),
        TypeError,
        ["grad must hold real numbers", "complex"],
    ),
    # -- initializers --------------------------------------------------------------------------
    (
        "get_initializer scale nan",
        lambda: rnnlib.get_initializer("uniform", float("nan")),
        ValueError,
        ["init_scale must be a finite number", "got nan"],
    ),
    (
        "init.orthogonal with a 1-d shape",
        lambda: init.orthogonal(_rng(), (3,)),
        ValueError,
        ["shape must be a tuple (n_out, n_in)", "got (3,)"],
    ),
    (
        "init.uniform with a zero size",
        lambda: init.uniform(_rng(), (0, 3)),
        ValueError,
        ["shape's n_out must be a positive integer", "got 0"],
    ),
    (
        "init.normal rng an int",
        lambda: init.normal(0, (3, 3)),
        TypeError,
        ["rng must be a numpy Generator", "got int"],
    ),
    # -- losses and readout --------------------------------------------------------------------
    (
        "cross_entropy: NaN in the mask",
        lambda: cross_entropy(
            Tensor(np.zeros((2, 3, 4))), np.zeros((2, 3), dtype=int), np.full((2, 3), np.nan)
        ),
        ValueError,
        ["mask must hold finite weights >= 0", "got values from nan"],
    ),
    (
        "cross_entropy: negative mask",
        lambda: cross_entropy(
            Tensor(np.zeros((2, 3, 4))), np.zeros((2, 3), dtype=int), -np.ones((2, 3))
        ),
        ValueError,
        ["mask must hold finite weights >= 0", "got values from -1.0 to -1.0"],
    ),
    (
        "cross_entropy: 0-d logits",
        lambda: cross_entropy(Tensor(1.0), np.zeros((), dtype=int)),
        ValueError,
        ["logits have shape ()", "expected (..., k)"],
    ),
    (
        "cross_entropy: all-zero mask",
        lambda: cross_entropy(
            Tensor(np.zeros((2, 3, 4))), np.zeros((2, 3), dtype=int), np.zeros((2, 3))
        ),
        ValueError,
        ["mask selects no position (every entry is 0)", "expected at least one"],
    ),
    (
        "mse: mask that does not broadcast",
        lambda: mse(Tensor(np.zeros((2, 3, 1))), np.zeros((2, 3, 1)), np.ones(4)),
        ValueError,
        ["mask has shape (4,)", "expected (2, 3, 1)"],
    ),
    (
        "mse: complex target",
        lambda: mse(Tensor(np.zeros(3)), np.zeros(3) + 1j),
        TypeError,
        ["target must hold real numbers", "complex"],
    ),
    (
        "readout: V of the wrong width",
        lambda: rnnlib.losses.readout(np.zeros((5, 2, 3)), np.zeros((2, 4)), np.zeros(2)),
        ValueError,
        ["readout got h (5, 2, 3), V (2, 4), c (2,)", "expected h (..., n), V (k, n)"],
    ),
    # -- optimizers and clipping ---------------------------------------------------------------
    (
        "SGD(inf)",
        lambda: optim.SGD(float("inf")),
        ValueError,
        ["lr must be a positive finite number", "got inf"],
    ),
    (
        "Momentum(nan)",
        lambda: optim.Momentum(float("nan")),
        ValueError,
        ["lr must be a positive finite number", "got nan"],
    ),
    (
        "Adam(-inf)",
        lambda: optim.Adam(-float("inf")),
        ValueError,
        ["lr must be a positive finite number", "got -inf"],
    ),
    ("SGD('0.1')", lambda: optim.SGD("0.1"), TypeError, ["lr must be a number", "got str '0.1'"]),
    (
        "Momentum beta a string",
        lambda: optim.Momentum(0.1, beta="0.9"),
        TypeError,
        ["beta must be a number", "got str '0.9'"],
    ),
    (
        "Adam beta2 = 1",
        lambda: optim.Adam(0.1, beta2=1.0),
        ValueError,
        ["beta2 must lie in [0, 1)", "got 1.0"],
    ),
    (
        "SGD.step with a NaN gradient",
        lambda: _sgd_step_with(np.array([0.0, np.nan, 1.0])),
        ValueError,
        ["gradient of 'W' contains NaN or inf", "No parameter was changed"],
    ),
    (
        "Adam.step with an inf gradient",
        lambda: optim.Adam(0.1).step({"W": np.ones(2)}, {"W": np.array([np.inf, 0.0])}),
        ValueError,
        ["gradient of 'W' contains NaN or inf", "expected finite numbers"],
    ),
    (
        "SGD.step on a float parameter (a silent no-op before)",
        lambda: optim.SGD(0.1).step({"b": 1.0}, {"b": 2.0}),
        TypeError,
        ["parameter 'b' must be a float numpy array", "got float 1.0"],
    ),
    (
        "SGD.step on an integer array",
        lambda: optim.SGD(0.1).step({"W": np.ones(2, dtype=int)}, {"W": np.ones(2)}),
        TypeError,
        ["parameter 'W' must be a float numpy array", "dtype int64"],
    ),
    (
        "SGD.step with params a list",
        lambda: optim.SGD(0.1).step([np.ones(2)], {}),
        TypeError,
        ["params must be a dict of named arrays", "got list"],
    ),
    (
        "clip_by_global_norm of an infinite gradient",
        lambda: optim.clip_by_global_norm({"W": np.array([np.inf, 1.0])}, 1.0),
        ValueError,
        ["global norm is inf", "expected finite gradients"],
    ),
    (
        "clip_by_global_norm of a NaN gradient",
        lambda: optim.clip_by_global_norm({"W": np.array([np.nan, 1.0])}, 1.0),
        ValueError,
        ["global norm is nan", "expected finite gradients"],
    ),
    (
        "clip_by_global_norm max_norm inf",
        lambda: optim.clip_by_global_norm({"W": np.ones(2)}, float("inf")),
        ValueError,
        ["max_norm must be a positive finite number", "got inf"],
    ),
    (
        "clip_by_value of a NaN gradient",
        lambda: optim.clip_by_value({"W": np.array([np.nan])}, 1.0),
        ValueError,
        ["gradient of 'W' contains NaN", "expected numbers"],
    ),
    (
        "global_norm of a list",
        lambda: optim.global_norm([np.ones(2)]),
        TypeError,
        ["grads must be a dict of named arrays", "got list"],
    ),
    # -- model ---------------------------------------------------------------------------------
    (
        "Model.loss on an all-zero mask (returned 0.0 before)",
        lambda: _model().loss(_batch(np.zeros((5, 2))), "classify"),
        ValueError,
        ["mask scores no position (every entry is 0)", "expected at least one"],
    ),
    (
        "Model.loss_and_grads on an all-zero mask",
        lambda: _model().loss_and_grads(_batch(np.zeros((5, 2))), "classify"),
        ValueError,
        ["mask scores no position (every entry is 0)", "expected at least one"],
    ),
    (
        "Model.loss of a tuple",
        lambda: _model().loss((np.zeros((5, 2, 4)),), "classify"),
        TypeError,
        ["expected a tasks.Batch", "got tuple"],
    ),
    (
        "Model.loss_and_grads with a NaN mask",
        lambda: _model().loss_and_grads(_batch(np.full((5, 2), np.nan)), "classify"),
        ValueError,
        ["mask must hold finite weights >= 0", "got values from nan"],
    ),
    (
        "Model.accuracy on an all-zero mask (NaN before)",
        lambda: _model().accuracy(_batch(np.zeros((5, 2)))),
        ValueError,
        ["mask scores no position", "expected at least one"],
    ),
    (
        "Model.accuracy on a regression batch",
        lambda: _model("regress").accuracy(_batch(kind="regress")),
        ValueError,
        [
            "accuracy needs integer class targets of shape (T, B) = (5, 2)",
            "got an array of shape (5, 2, 1) and dtype float64",
        ],
    ),
    (
        "Model: kind None",
        lambda: _model().loss(_batch(), None),
        ValueError,
        ["unknown kind None", "expected one of ('classify', 'regress')"],
    ),
    # -- training ------------------------------------------------------------------------------
    (
        "train: clip_norm = -1",
        lambda: train(
            _adding_model(), AddingTask(4), 3, optim.SGD(0.1), _rng(), clip_norm=-1, progress=False
        ),
        ValueError,
        ["clip_norm must be a positive finite number", "got -1.0"],
    ),
    (
        "train: clip_value a string",
        lambda: train(
            _adding_model(),
            AddingTask(4),
            3,
            optim.SGD(0.1),
            _rng(),
            clip_value="1",
            progress=False,
        ),
        TypeError,
        ["clip_value must be a number", "got str '1'"],
    ),
    (
        "train: batch_size 0",
        lambda: train(
            _adding_model(), AddingTask(4), 3, optim.SGD(0.1), _rng(), batch_size=0, progress=False
        ),
        ValueError,
        ["batch_size must be a positive integer", "got 0"],
    ),
    (
        "train: truncate 0",
        lambda: train(
            _adding_model(), AddingTask(4), 3, optim.SGD(0.1), _rng(), truncate=0, progress=False
        ),
        ValueError,
        ["truncate must be a positive integer", "got 0"],
    ),
    (
        "train: progress a string",
        lambda: train(_adding_model(), AddingTask(4), 3, optim.SGD(0.1), _rng(), progress="no"),
        TypeError,
        ["progress must be True or False", "got 'no'"],
    ),
    (
        "History.final_loss(0) (the mean of all steps before)",
        lambda: train(
            _adding_model(), AddingTask(4), 3, optim.SGD(0.1), _rng(), progress=False
        ).final_loss(0),
        ValueError,
        ["window must be a positive integer", "got 0"],
    ),
    (
        "train: optimizer class instead of an instance",
        lambda: train(_adding_model(), AddingTask(4), 3, optim.SGD, _rng(), progress=False),
        TypeError,
        ["expected an rnnlib optimizer", "got type"],
    ),
    (
        "train: steps 2.5",
        lambda: train(_adding_model(), AddingTask(4), 2.5, optim.SGD(0.1), _rng(), progress=False),
        ValueError,
        ["steps must be a positive integer", "got 2.5"],
    ),
    # -- tasks ---------------------------------------------------------------------------------
    (
        "CharLM(text=12345) (its own error raised before)",
        lambda: CharLM(text=12345),
        TypeError,
        ["text must be a str", "got int 12345"],
    ),
    (
        "CharLM: text too short",
        lambda: CharLM(seq_len=10, text="abc"),
        ValueError,
        ["at least seq_len + 1 = 11 characters", "length 3"],
    ),
    (
        "CharLM.encode of an unknown character",
        lambda: CharLM(seq_len=3, text="abcd").encode("z"),
        ValueError,
        ["character 'z' is not in this text's vocabulary", "4 characters"],
    ),
    (
        "CharLM.decode of an unknown code",
        lambda: CharLM(seq_len=3, text="abcd").decode([9]),
        ValueError,
        ["codes must lie in [0, 4)", "from 9 to 9"],
    ),
    (
        "get_task: misspelled keyword",
        lambda: get_task("copy", lenght=3),
        TypeError,
        ["CopyTask does not take lenght=", "it takes n_symbols, length, delay"],
    ),
    (
        "EmbeddedReber: score a list",
        lambda: EmbeddedReber(score=["long"]),
        ValueError,
        ["unknown score ['long']", "expected one of ('long', 'determined', 'all')"],
    ),
    (
        "one_hot: index out of range",
        lambda: one_hot(np.array([0, 4]), 4),
        ValueError,
        ["indices must lie in [0, 4)", "from 0 to 4"],
    ),
    (
        "one_hot: negative index (wrapped round before)",
        lambda: one_hot(np.array([-1]), 4),
        ValueError,
        ["indices must lie in [0, 4)", "from -1 to -1"],
    ),
    (
        "one_hot: n = 0",
        lambda: one_hot(np.array([0]), 0),
        ValueError,
        ["n must be an integer >= 1", "got 0"],
    ),
    (
        "CopyTask: length a string",
        lambda: CopyTask(length="3"),
        ValueError,
        ["length must be an integer >= 1", "got '3'"],
    ),
    (
        "task.sample: batch_size 2.0",
        lambda: AddingTask(5).sample(_rng(), 2.0),
        ValueError,
        ["batch_size must be a positive integer", "got 2.0"],
    ),
    (
        "one_hot: float indices",
        lambda: one_hot(np.array([0.5]), 4),
        TypeError,
        ["indices must be integers in [0, 4)", "float64"],
    ),
    # -- the hand-derived BPTT -----------------------------------------------------------------
    (
        "vanilla_bptt: NaN in dL_dout",
        lambda: vanilla_bptt(_vanilla(), _xs(), np.full((5, 2, 3), np.nan)),
        ValueError,
        ["dL_dout contains NaN or inf", "expected finite numbers"],
    ),
    # -- deep stacks ---------------------------------------------------------------------------
    (
        "Stack: width 2.5",
        lambda: layers.Stack("plain", 2.5, 3, _rng()),
        ValueError,
        ["width must be a positive integer", "got 2.5"],
    ),
    (
        "Stack: rng an int",
        lambda: layers.Stack("plain", 4, 3, 0),
        TypeError,
        ["rng must be a numpy Generator", "got int"],
    ),
    (
        "Stack: gate_bias nan",
        lambda: layers.Stack("highway", 4, 3, _rng(), gate_bias=float("nan")),
        ValueError,
        ["gate_bias must be a finite number", "got nan"],
    ),
    (
        "Stack.gradient_norms: x of the wrong width",
        lambda: layers.Stack("plain", 4, 3, _rng()).gradient_norms(np.zeros((2, 5)), np.zeros(4)),
        ValueError,
        ["x has shape (2, 5)", "expects (B, 4)"],
    ),
    (
        "Stack.from_normals of an empty list",
        lambda: layers.Stack.from_normals("plain", []),
        ValueError,
        ["normals must be a non-empty list", "got list []"],
    ),
    # -- the Neural Turing Machine -------------------------------------------------------------
    (
        "NTM(-1, ...)",
        lambda: ntm.NTM(-1, 2, _rng()),
        ValueError,
        ["n_in must be a positive integer", "got -1"],
    ),
    (
        "NTM(n_rows=0)",
        lambda: ntm.NTM(3, 2, _rng(), n_rows=0),
        ValueError,
        ["n_rows must be a positive integer", "got 0"],
    ),
    (
        "NTM: width 2.0",
        lambda: ntm.NTM(3, 2, _rng(), width=2.0),
        ValueError,
        ["width must be a positive integer", "got 2.0"],
    ),
    (
        "NTM: controller 'gru'",
        lambda: _ntm(controller="gru"),
        ValueError,
        ["controller must be 'lstm' or 'feedforward'", "got 'gru'"],
    ),
    (
        "NTM: rng None",
        lambda: ntm.NTM(3, 2, None),
        TypeError,
        ["rng must be a numpy Generator", "got NoneType"],
    ),
    (
        "NTM: repeated shifts",
        lambda: _ntm(shifts=(0, 0, 1)),
        ValueError,
        ["shifts must be a non-empty tuple of distinct integers", "got (0, 0, 1)"],
    ),
    (
        "NTM: memory_init nan",
        lambda: _ntm(memory_init=float("nan")),
        ValueError,
        ["memory_init must be a finite number", "got nan"],
    ),
    (
        "NTM.run: NaN inputs",
        lambda: _ntm().run(np.full((3, 2, 3), np.nan)),
        ValueError,
        ["inputs contains NaN or inf", "expected finite numbers"],
    ),
    (
        "NTM.run: 2-d inputs",
        lambda: _ntm().run(np.zeros((3, 3))),
        ValueError,
        ["inputs have shape (3, 3)", "expects (T, B, 3)"],
    ),
    (
        "NTM.run: zero steps",
        lambda: _ntm().run(np.zeros((0, 2, 3))),
        ValueError,
        ["inputs have shape (0, 2, 3)", "need at least one time step"],
    ),
    (
        "NTM.run: params missing a key",
        lambda: _ntm().run(np.zeros((3, 2, 3)), params={}),
        ValueError,
        ["params lack ['V', 'c'", "needs"],
    ),
    (
        "NTM.loss_and_grads: all-zero mask (NaN loss before)",
        lambda: _ntm().loss_and_grads(*_ntm_data()[:2], np.zeros((3, 2))),
        ValueError,
        ["mask scores no step (every entry is 0)", "expected at least one"],
    ),
    (
        "NTM.loss_and_grads: targets of the wrong width",
        lambda: _ntm().loss_and_grads(np.zeros((3, 2, 3)), np.zeros((3, 2, 5)), np.ones((3, 2))),
        ValueError,
        ["targets have shape (3, 2, 5)", "expected (T, B, n_out) = (3, 2, 2)"],
    ),
    (
        "NTM.loss_and_grads: NaN inputs",
        lambda: _ntm().loss_and_grads(np.full((3, 2, 3), np.nan), *_ntm_data()[1:]),
        ValueError,
        ["inputs contains NaN or inf", "expected finite numbers"],
    ),
    (
        "NTM.initial_state(0)",
        lambda: _ntm().initial_state(0),
        ValueError,
        ["batch must be a positive integer", "got 0"],
    ),
    (
        "bit_cross_entropy: mask of the wrong shape",
        lambda: ntm.bit_cross_entropy(np.zeros((3, 2, 2)), np.zeros((3, 2, 2)), np.ones((2, 3))),
        ValueError,
        ["mask has shape (2, 3)", "expected (T, B) = (3, 2)"],
    ),
    (
        "copy_batch: batch 0",
        lambda: ntm.copy_batch(_rng(), 0, 3, 4),
        ValueError,
        ["batch must be a positive integer", "got 0"],
    ),
    (
        "copy_batch: rng an int",
        lambda: ntm.copy_batch(1, 2, 3, 4),
        TypeError,
        ["rng must be a numpy Generator", "got int"],
    ),
    (
        "bit_errors: logits of another shape",
        lambda: ntm.bit_errors(np.zeros((3, 2)), ntm.copy_batch(_rng(), 2, 1, 4)),
        ValueError,
        ["logits have shape (3, 2)", "expected (3, 2, 4)"],
    ),
]


@pytest.mark.parametrize(
    "call, error, fragments", [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_misuse_gets_a_clear_error(call, error, fragments):
    with pytest.raises(error) as info:
        call()
    message = str(info.value)
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} not in {message!r}"


# -- silent results that are now correct --------------------------------------------------------


@pytest.mark.parametrize(
    "view",
    [np.transpose, lambda a: a[:, 1:3], lambda a: a[::2, ::-1]],
    ids=["transpose", "slice", "strided-reversed"],
)
def test_numerical_gradient_through_a_non_contiguous_view(view):
    """d/da sum(a * w) = w, seen through the view (it returned all zeros before)."""
    grad, expected = _non_contiguous_gradient(view)
    assert not np.all(grad == 0)
    np.testing.assert_allclose(grad, expected, rtol=1e-8, atol=1e-8)


def test_numerical_gradient_restores_x_even_when_f_fails():
    x = np.array([1.0, 2.0])
    calls = []

    def f():
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("boom")
        return float(x.sum())

    with pytest.raises(RuntimeError):
        gradcheck.numerical_gradient(f, x)
    np.testing.assert_array_equal(x, [1.0, 2.0])


def test_a_refused_optimizer_step_changes_nothing():
    params = {"a": np.ones(2), "b": np.ones(2)}
    opt = optim.Adam(0.1)
    with pytest.raises(ValueError, match="gradient of 'b' contains NaN or inf"):
        opt.step(params, {"a": np.ones(2), "b": np.array([1.0, np.nan])})
    np.testing.assert_array_equal(params["a"], [1.0, 1.0])
    assert opt.t == 0 and not opt.m


def test_clipping_a_huge_finite_gradient_keeps_its_direction():
    """Entries of 1e200 square to inf; the norm is still finite and clipping still works."""
    grads = {"a": np.array([3e200]), "b": np.array([4e200])}
    assert optim.global_norm(grads) == pytest.approx(5e200, rel=1e-12)
    clipped, norm = optim.clip_by_global_norm(grads, 1.0)
    assert norm == pytest.approx(5e200, rel=1e-12)
    np.testing.assert_allclose([clipped["a"][0], clipped["b"][0]], [0.6, 0.8], rtol=1e-12)


def test_model_loss_and_loss_and_grads_agree_on_a_partly_scored_batch():
    mask = np.zeros((5, 2))
    mask[-1] = 1.0
    model, batch = _model(), _batch(mask)
    assert model.loss(batch, "classify") == pytest.approx(
        model.loss_and_grads(batch, "classify")[0], rel=1e-12
    )
