"""Bad input fails early, with a ValueError or TypeError saying what was expected and what came."""

import numpy as np
import pytest

import rnnlib
from rnnlib import optim
from rnnlib.autograd import Tensor
from rnnlib.losses import cross_entropy, mse
from rnnlib.model import Model
from rnnlib.tasks import AddingTask, CopyTask, get_task
from rnnlib.train import train
from rnnlib.vanilla_bptt import vanilla_bptt


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
    with pytest.raises(ValueError, match=r"inputs have shape \(5, 2, 3\); VanillaRNN\(n_in=4\) "
                                         r"expects \(T, B, 4\)"):
        rnnlib.run(cell, np.zeros((5, 2, 3)))


def test_wrong_rank(cell):
    with pytest.raises(ValueError, match=r"inputs have shape \(5, 4\);.*expects \(T, B, 4\), a 3-d"):
        rnnlib.run(cell, np.zeros((5, 4)))


def test_wrong_rank_in_bptt(lstm):
    with pytest.raises(ValueError, match=r"inputs have shape \(2, 3, 4, 1\); BasicLSTM\(n_in=4\)"):
        rnnlib.bptt(lstm, np.zeros((2, 3, 4, 1)), loss_fn)


def test_batch_mismatch_between_input_and_state(cell):
    with pytest.raises(ValueError, match=r"initial state 's' has shape \(3, 3\); expected .*"
                                         r"\(2, 3\) to match inputs of batch 2"):
        rnnlib.run(cell, np.zeros((5, 2, 4)), np.zeros((3, 3)))


def test_lstm_state_needs_two_vectors(lstm):
    with pytest.raises(ValueError, match=r"BasicLSTM carries 2 state vector\(s\) \('c', 'h'\); got 1"):
        rnnlib.run(lstm, np.zeros((5, 2, 4)), np.zeros((2, 3)))


def test_lstm_h_batch_mismatch(lstm):
    with pytest.raises(ValueError, match=r"initial state 'h' has shape \(1, 3\); expected"):
        rnnlib.bptt(lstm, np.zeros((5, 2, 4)), loss_fn, state0=(np.zeros((2, 3)), np.zeros((1, 3))))


def test_zero_time_steps(cell):
    with pytest.raises(ValueError, match=r"inputs have shape \(0, 2, 4\); need at least one time step"):
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
    with pytest.raises(ValueError, match=r"unknown initializer 'xavier'; expected one of "
                                         r"\['glorot', 'identity', 'normal', 'orthogonal', 'uniform'\]"):
        rnnlib.make_cell("gru", 2, 3, rng, init="xavier")


def test_initializer_of_the_wrong_type(rng):
    with pytest.raises(TypeError, match=r"init must be a name or a callable, got int"):
        rnnlib.make_cell("gru", 2, 3, rng, init=3)


def test_identity_init_needs_a_square_matrix(rng):
    with pytest.raises(ValueError, match=r"identity init needs a square shape, got \(3, 2\)"):
        rnnlib.make_cell("vanilla", 2, 3, rng, init="identity")


def test_unknown_activation(rng):
    with pytest.raises(ValueError, match=r"unknown activation 'softplus'; expected one of "
                                         r"\['relu', 'sigmoid', 'tanh'\]"):
        rnnlib.VanillaRNN(2, 3, rng, activation="softplus")


def test_unknown_gru_form(rng):
    with pytest.raises(ValueError, match=r"unknown GRU form 'keras'; expected one of "
                                         r"\('tutorial', 'pytorch'\)"):
        rnnlib.GRU(2, 3, rng, form="keras")


@pytest.mark.parametrize("truncate", [0, -3, 2.5, True, "2"])
def test_invalid_truncation_length(cell, truncate):
    with pytest.raises(ValueError, match=rf"truncate must be a positive integer or None, got "
                                         rf"{repr(truncate).replace('.', '[.]')}"):
        rnnlib.bptt(cell, np.zeros((5, 2, 4)), loss_fn, truncate=truncate)


@pytest.mark.parametrize("n_hidden", [0, -1, 2.0])
def test_bad_sizes(rng, n_hidden):
    with pytest.raises(ValueError, match=rf"n_hidden must be a positive integer, got {n_hidden!r}"):
        rnnlib.BasicLSTM(3, n_hidden, rng)


def test_rng_must_be_a_generator():
    with pytest.raises(TypeError, match=r"rng must be a numpy Generator .*got int"):
        rnnlib.BasicLSTM(3, 4, 0)


def test_cross_entropy_needs_integer_targets():
    with pytest.raises(TypeError, match=r"targets must be integer class indices, got dtype float64"):
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
    with pytest.raises(ValueError, match=r"unknown task 'sorting'; expected one of "
                                         r"\['adding', 'charlm', 'copy', 'reber'\]"):
        get_task("sorting")


def test_model_needs_a_cell(rng):
    with pytest.raises(TypeError, match=r"expected an rnnlib Cell, got str"):
        Model("lstm", 3, rng)


def test_train_checks_task_against_model(rng):
    model = Model(rnnlib.BasicLSTM(3, 4, rng), 2, rng)
    with pytest.raises(ValueError, match=r"CopyTask\(.*\) has n_in=6, n_out=4; the model has "
                                         r"n_in=3, n_out=2"):
        train(model, CopyTask(), 5, optim.SGD(0.1), rng, progress=False)


def test_model_kind(rng):
    model = Model(rnnlib.BasicLSTM(2, 4, rng), 1, rng)
    with pytest.raises(ValueError, match=r"unknown kind 'regression'; expected one of "
                                         r"\('classify', 'regress'\)"):
        model.loss_and_grads(AddingTask(5).sample(rng, 2), "regression")


@pytest.mark.parametrize("make", [lambda: optim.SGD(-0.1), lambda: optim.Adam(0.0)])
def test_optimizer_learning_rate(make):
    with pytest.raises(ValueError, match=r"lr must be a positive finite number, got -?0\.[01]"):
        make()


def test_optimizer_gradient_shapes():
    params = {"W": np.zeros((2, 3))}
    with pytest.raises(ValueError, match=r"gradient of 'W' has shape \(3, 2\); expected \(2, 3\)"):
        optim.SGD(0.1).step(params, {"W": np.zeros((3, 2))})
    with pytest.raises(ValueError, match=r"grads lack entries for parameters \['W'\]; got grads for "
                                         r"\['V'\]"):
        optim.Momentum(0.1).step(params, {"V": np.zeros(2)})


def test_clip_limits_must_be_positive():
    with pytest.raises(ValueError, match=r"max_norm must be a positive finite number, got 0"):
        optim.clip_by_global_norm({"W": np.ones(2)}, 0)
    with pytest.raises(TypeError, match=r"limit must be a number, got NoneType None"):
        optim.clip_by_value({"W": np.ones(2)}, None)


def test_vanilla_bptt_checks_its_arguments(cell, lstm):
    with pytest.raises(ValueError, match=r"dL_dout has shape \(5, 2, 4\); expected \(T, B, n\) = "
                                         r"\(5, 2, 3\)"):
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
