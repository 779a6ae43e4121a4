"""The seven cells' interface: parameters, states, steps, outputs, initializers."""

import numpy as np
import pytest

import rnnlib
from rnnlib import init
from rnnlib.autograd import Tensor, data_of, tensors
from rnnlib.unroll import as_tuple

N_IN, N = 3, 5
GATES = {
    "vanilla": "",
    "prototype": "ifo",
    "normalized": "ifo",
    "gru": "rz",
    "pseudo": "ifo",
    "lstm": "ifo",
    "peephole": "ifo",
}


@pytest.mark.parametrize("name", sorted(rnnlib.CELLS))
def test_parameter_names_and_shapes(name):
    cell = rnnlib.make_cell(name, N_IN, N, np.random.default_rng(0))
    assert isinstance(cell, rnnlib.CELLS[name])
    expected = {"W": (N, N), "U": (N, N_IN), "b": (N,)}
    for g in GATES[name]:
        expected.update({f"W_{g}": (N, N), f"U_{g}": (N, N_IN), f"b_{g}": (N,)})
    if name == "peephole":
        expected.update({"p_i": (N,), "p_f": (N,), "p_o": (N,)})
    assert {k: v.shape for k, v in cell.params.items()} == expected
    assert cell.n_params == sum(int(np.prod(s)) for s in expected.values())
    assert all(v.dtype == np.float64 for v in cell.params.values())


def test_gru_pytorch_form_adds_the_hidden_bias():
    cell = rnnlib.make_cell("gru", N_IN, N, np.random.default_rng(0), form="pytorch")
    assert cell.params["b_h"].shape == (N,)
    assert "form='pytorch'" in repr(cell)


@pytest.mark.parametrize("name", sorted(rnnlib.CELLS))
def test_initial_state_and_run_shapes(name):
    rng = np.random.default_rng(1)
    cell = rnnlib.make_cell(name, N_IN, N, rng)
    state = cell.initial_state(4)
    parts = as_tuple(state)
    assert len(parts) == (2 if name in ("lstm", "peephole") else 1)
    assert all(p.shape == (4, N) and not p.any() for p in parts)
    traj = rnnlib.run(cell, rng.normal(size=(6, 4, N_IN)))
    assert traj.outputs.shape == (6, 4, N)
    assert len(traj.states) == 7
    assert traj.state_array(0).shape == (7, 4, N)


@pytest.mark.parametrize("name", sorted(rnnlib.CELLS))
def test_step_on_arrays_equals_step_on_tensors(name):
    rng = np.random.default_rng(2)
    cell = rnnlib.random_cell(name, N_IN, N, rng)
    state = tuple(rng.normal(size=(3, N)) for _ in cell.state_names)
    state = state if len(state) > 1 else state[0]
    x = rng.normal(size=(3, N_IN))
    plain = as_tuple(cell.step(cell.params, state, x))
    taped = as_tuple(
        cell.step(
            tensors(cell.params),
            tuple(Tensor(s) for s in as_tuple(state))
            if len(cell.state_names) > 1
            else Tensor(state),
            Tensor(x),
        )
    )
    for a, b in zip(plain, taped):
        assert isinstance(b, Tensor)
        np.testing.assert_array_equal(a, data_of(b))


def test_outputs_are_what_each_cell_shows():
    rng = np.random.default_rng(3)
    xs = rng.normal(size=(4, 2, N_IN))
    lstm = rnnlib.BasicLSTM(N_IN, N, rng)
    traj = rnnlib.run(lstm, xs)
    np.testing.assert_array_equal(traj.outputs, traj.state_array(1)[1:])  # h
    pseudo = rnnlib.PseudoLSTM(N_IN, N, rng)
    traj = rnnlib.run(pseudo, xs)
    np.testing.assert_array_equal(traj.outputs, np.tanh(traj.state_array()[1:]))
    vanilla = rnnlib.VanillaRNN(N_IN, N, rng)
    traj = rnnlib.run(vanilla, xs)
    np.testing.assert_array_equal(traj.outputs, traj.state_array()[1:])


@pytest.mark.parametrize(
    "activation,lo,hi", [("tanh", -1, 1), ("sigmoid", 0, 1), ("relu", 0, None)]
)
def test_vanilla_activations(activation, lo, hi):
    rng = np.random.default_rng(4)
    cell = rnnlib.VanillaRNN(N_IN, N, rng, activation=activation, init_scale=3.0)
    out = rnnlib.run(cell, rng.normal(size=(10, 3, N_IN)) * 3).outputs
    assert out.min() >= lo and (hi is None or out.max() <= hi)
    assert cell.gamma == {"tanh": 1.0, "sigmoid": 0.25, "relu": 1.0}[activation]


def test_vanilla_step_is_the_equation():
    rng = np.random.default_rng(5)
    cell = rnnlib.VanillaRNN(N_IN, N, rng)
    cell.params["b"][...] = rng.normal(size=N)
    s, x = rng.normal(size=(2, N)), rng.normal(size=(2, N_IN))
    p = cell.params
    expected = np.stack([np.tanh(p["W"] @ s[k] + p["U"] @ x[k] + p["b"]) for k in range(2)])
    np.testing.assert_allclose(cell.step(p, s, x), expected, rtol=1e-14, atol=1e-15)


def test_same_seed_same_parameters_and_params_override():
    a = rnnlib.make_cell("lstm", N_IN, N, np.random.default_rng(9))
    b = rnnlib.make_cell("lstm", N_IN, N, np.random.default_rng(9))
    for k in a.params:
        np.testing.assert_array_equal(a.params[k], b.params[k])
    xs = np.random.default_rng(1).normal(size=(3, 2, N_IN))
    other = {k: v * 0.5 for k, v in a.params.items()}
    np.testing.assert_array_equal(
        rnnlib.run(a, xs, params=other).outputs, rnnlib.run(b, xs, params=other).outputs
    )
    assert not np.allclose(rnnlib.run(a, xs).outputs, rnnlib.run(a, xs, params=other).outputs)


# -- initializers ------------------------------------------------------------------------


def test_uniform_and_glorot_ranges():
    rng = np.random.default_rng(0)
    w = init.uniform(rng, (50, 20), scale=2.0)
    assert np.abs(w).max() <= 2.0 * np.sqrt(3 / 50)
    assert np.abs(w).max() > 0.9 * 2.0 * np.sqrt(3 / 50)
    g = init.glorot(rng, (50, 20))
    assert np.abs(g).max() <= np.sqrt(6 / 70)


@pytest.mark.parametrize("shape", [(6, 6), (8, 3), (3, 8)])
def test_orthogonal_has_equal_singular_values(shape):
    w = init.orthogonal(np.random.default_rng(0), shape, scale=1.5)
    np.testing.assert_allclose(np.linalg.svd(w, compute_uv=False), 1.5, rtol=1e-12)


def test_identity_and_normal():
    rng = np.random.default_rng(0)
    np.testing.assert_array_equal(init.identity(rng, (4, 4), scale=0.5), 0.5 * np.eye(4))
    w = init.normal(rng, (200, 200), scale=0.9)
    assert w.std() == pytest.approx(0.9 / np.sqrt(200), rel=0.03)
    assert np.abs(np.linalg.eigvals(w)).max() == pytest.approx(0.9, rel=0.15)


@pytest.mark.parametrize("name", sorted(rnnlib.INITIALIZERS))
def test_cells_use_the_chosen_initializer(name):
    cell = rnnlib.make_cell("vanilla", 4, 4, np.random.default_rng(0), init=name, init_scale=0.7)
    expected = rnnlib.get_initializer(name, 0.7)(np.random.default_rng(0), (4, 4))
    np.testing.assert_array_equal(cell.params["W"], expected)
    assert not cell.params["b"].any()


def test_gate_probe_records_every_gate():
    rng = np.random.default_rng(6)
    cell = rnnlib.PeepholeLSTM(N_IN, N, rng)
    probe = rnnlib.GateProbe()
    rnnlib.run(cell, rng.normal(size=(7, 2, N_IN)), probe=probe)
    assert sorted(probe.values) == ["f", "i", "o"]
    assert probe.stacked("i").shape == (7, 2, N)
    with pytest.raises(KeyError, match=r"no gate 'z' recorded; recorded: \['f', 'i', 'o'\]"):
        probe.stacked("z")


@pytest.mark.parametrize("name", sorted(rnnlib.CELLS))
def test_random_cell_redraws_every_parameter_from_the_seed(name):
    """rnnlib.random_cell: make_cell's init, then every parameter (biases and peepholes
    included) redrawn from N(0, scale^2) in the cell's order; the same seed, the same cell."""
    cell = rnnlib.random_cell(name, 3, 40, np.random.default_rng(5), scale=0.7)
    again = rnnlib.random_cell(name, 3, 40, np.random.default_rng(5), scale=0.7)
    rng = np.random.default_rng(5)
    usual = rnnlib.make_cell(name, 3, 40, rng)
    assert list(cell.params) == list(usual.params)
    for key, value in cell.params.items():
        np.testing.assert_array_equal(value, again.params[key])
        np.testing.assert_array_equal(value, rng.normal(0.0, 0.7, size=usual.params[key].shape))
        assert np.all(value != usual.params[key]), key  # none kept its usual init
        assert np.all(value != 0.0), key  # biases too
    pooled = np.concatenate([v.ravel() for v in cell.params.values()])
    assert pooled.std() == pytest.approx(0.7, rel=0.1) and abs(pooled.mean()) < 0.05
    other = rnnlib.random_cell(name, 3, 40, np.random.default_rng(6), scale=0.7)
    assert any(np.any(other.params[k] != v) for k, v in cell.params.items())


def test_random_cell_passes_cell_options_and_rejects_a_bad_scale():
    cell = rnnlib.random_cell("gru", 2, 3, np.random.default_rng(0), form="pytorch")
    assert "b_h" in cell.params and "form='pytorch'" in repr(cell)
    assert "b_h" not in rnnlib.random_cell("gru", 2, 3, np.random.default_rng(0)).params
    for bad in (0.0, -1.0, float("nan"), float("inf")):
        with pytest.raises(ValueError, match="scale must be a finite number > 0"):
            rnnlib.random_cell("lstm", 2, 3, np.random.default_rng(0), scale=bad)
    for bad in ("0.5", None, True):
        with pytest.raises(TypeError, match="scale must be a finite number > 0"):
            rnnlib.random_cell("lstm", 2, 3, np.random.default_rng(0), scale=bad)
    with pytest.raises(ValueError, match="unknown cell"):
        rnnlib.random_cell("lsmt", 2, 3, np.random.default_rng(0))
