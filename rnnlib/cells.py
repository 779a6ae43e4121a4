"""The recurrent cells, each written once, reading like their equations.

Conventions:

* the math uses column vectors, ``s_t = phi(W s_{t-1} + U x_t + b)``; weights are stored with
  the math's shape ``(n_out, n_in)`` and batched code computes ``s @ W.T``;
* a batch of states has shape ``(B, n)``, a batch of inputs ``(B, m)``;
* ``step(p, state, x)`` takes the parameters ``p`` as a dict, so the same code runs on plain
  arrays (fast, no graph) and on :class:`~rnnlib.autograd.Tensor` (to get gradients);
* a cell that carries two vectors (``c`` and ``h``) uses a tuple ``(c, h)`` as its state.

Gates can be watched or overridden through a *probe*: a callable ``probe(name, value)`` that
returns the value to use. :class:`GateProbe` records every gate and can pin some to constants.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np

from .autograd import data_of, sigmoid, sqrt, tanh
from .autograd import relu as _relu
from .checks import describe, generator, integer, keyword_arguments
from .init import Initializer, get_initializer

Probe = Callable[[str, Any], Any]

ACTIVATIONS = {"tanh": tanh, "sigmoid": sigmoid, "relu": _relu}
# gamma: a bound on |phi'|, so ||ds_t/ds_{t-1}|| <= gamma ||W||. relu's derivative is 0 or 1.
ACTIVATION_GAMMA = {"tanh": 1.0, "sigmoid": 0.25, "relu": 1.0}


class GateProbe:
    """Records the gates a cell computes and optionally pins some of them to constants.

    >>> probe = GateProbe(fixed={"f": 1.0, "i": 0.0})   # keep the state exactly
    >>> cell.step(cell.params, s, x, probe=probe)
    >>> probe.values["o"]                                 # list of arrays, one per step
    """

    def __init__(self, fixed: dict[str, float] | None = None):
        if fixed is not None and not isinstance(fixed, dict):
            raise TypeError(
                f"fixed must be a dict gate name -> value in [0, 1], e.g. "
                f"{{'f': 1.0}}; got {describe(fixed)}"
            )
        self.fixed = dict(fixed or {})
        for name, value in self.fixed.items():
            if isinstance(value, bool) or not isinstance(
                value, (int, float, np.integer, np.floating)
            ):
                raise TypeError(
                    f"gate {name!r} must be fixed to a number in [0, 1], got {describe(value)}"
                )
            if not 0.0 <= float(value) <= 1.0:
                raise ValueError(f"gate {name!r} fixed to {value}; gates live in [0, 1]")
        self.values: dict[str, list[np.ndarray]] = {}

    def check_gates(self, cell: Cell) -> None:
        """A ValueError if this probe pins a gate that ``cell`` does not compute (such a pin
        would be ignored without a word). Called by :func:`rnnlib.run` and ``cell.step``."""
        unknown = sorted(set(self.fixed) - set(cell.gate_names))
        if unknown:
            has = f"its gates are {cell.gate_names}" if cell.gate_names else "it has no gates"
            raise ValueError(
                f"GateProbe pins gate(s) {unknown}, which {cell.name} does not compute; {has}"
            )

    def __call__(self, name: str, value):
        if name in self.fixed:
            value = np.full(data_of(value).shape, float(self.fixed[name]))
        self.values.setdefault(name, []).append(data_of(value))
        return value

    def stacked(self, name: str) -> np.ndarray:
        """All recorded values of one gate, shape ``(T, B, n)``."""
        if name not in self.values:
            raise KeyError(f"no gate {name!r} recorded; recorded: {sorted(self.values)}")
        return np.stack(self.values[name])


class Cell:
    """Base class: parameters, an initial state, a step and an output.

    Subclasses set ``gate_names`` (the gates a probe can see), ``state_names`` and implement
    ``param_shapes`` and ``step``.
    """

    gate_names: tuple[str, ...] = ()
    state_names: tuple[str, ...] = ("s",)

    def __init_subclass__(cls, **kwargs):
        # every cell's own ``step`` stays as written (it reads like the equations, and its source
        # can be shown as it is); the checks of its arguments wrap it here, once per class
        super().__init_subclass__(**kwargs)
        step = cls.__dict__.get("step")
        if step is not None and not hasattr(step, "__wrapped__"):
            cls.step = _checked_step(step)

    def __init__(
        self,
        n_in: int,
        n_hidden: int,
        rng: np.random.Generator,
        init: str | Initializer = "uniform",
        init_scale: float = 1.0,
        input_init: str | Initializer | None = None,
    ):
        self.n_in, self.n_hidden = integer(n_in, "n_in"), integer(n_hidden, "n_hidden")
        generator(rng)
        recurrent = get_initializer(init, init_scale)
        inputs = get_initializer(input_init if input_init is not None else init, init_scale)
        self.params: dict[str, np.ndarray] = {}
        own_input_init = input_init if input_init is not None else init
        for name, shape in self.param_shapes().items():
            if name.startswith("W"):
                self.params[name] = _initialized(recurrent, rng, shape, name, callable(init))
            elif name.startswith("U"):
                self.params[name] = _initialized(inputs, rng, shape, name, callable(own_input_init))
            else:  # biases and peephole vectors start at zero
                self.params[name] = np.zeros(shape)

    # -- to be provided by each cell ----------------------------------------------------
    def param_shapes(self) -> dict[str, tuple[int, ...]]:
        raise NotImplementedError

    def step(self, p: dict, state, x, probe: Probe | None = None):
        """One time step: ``(params, state (B, n) or tuple, x (B, n_in)) -> new state``."""
        raise NotImplementedError

    def output(self, state):
        """What the cell shows the world at this step (defaults to the state itself)."""
        return state

    # -- shared --------------------------------------------------------------------------
    @property
    def name(self) -> str:
        return type(self).__name__

    @property
    def n_params(self) -> int:
        return int(sum(v.size for v in self.params.values()))

    def initial_state(self, batch: int):
        """Zeros of shape ``(batch, n_hidden)``; a tuple of two for two-vector cells."""
        batch = integer(batch, "batch")
        zeros = [np.zeros((batch, self.n_hidden)) for _ in self.state_names]
        return zeros[0] if len(zeros) == 1 else tuple(zeros)

    def _gate(self, name: str, value, probe: Probe | None):
        return value if probe is None else probe(name, value)

    def check_probe(self, probe) -> None:
        """A TypeError unless ``probe`` is callable; a ValueError if it is a :class:`GateProbe`
        pinning a gate this cell does not have."""
        if not callable(probe):
            raise TypeError(
                f"probe must be a callable probe(name, value) -> value, such as "
                f"GateProbe(); got {describe(probe)}"
            )
        if isinstance(probe, GateProbe):
            probe.check_gates(self)

    def check_step(self, p, state, x, probe=None) -> None:
        """Check the arguments of :meth:`step` (their shapes, never their values): a ValueError
        or TypeError saying what this cell expects. ``step`` runs it on every call (about a
        microsecond); a parameter missing from ``p`` is reported when ``step`` looks it up."""
        x_shape = _shape(x)
        if len(x_shape) < 1 or x_shape[-1] != self.n_in:
            raise ValueError(f"x has shape {x_shape}; {self!r} expects (B, {self.n_in})")
        if len(self.state_names) > 1:
            if not isinstance(state, (tuple, list)) or len(state) != len(self.state_names):
                raise ValueError(
                    f"{self.name} carries {len(self.state_names)} state vectors "
                    f"{self.state_names}: pass a tuple of two (B, {self.n_hidden}) arrays; "
                    f"got {describe(state)}"
                )
            parts = state
        elif isinstance(state, (tuple, list)):
            raise ValueError(
                f"{self.name} carries one state vector 's' (an array of shape "
                f"(B, {self.n_hidden})); got a {type(state).__name__} of {len(state)}"
            )
        else:
            parts = (state,)
        expected = (*x_shape[:-1], self.n_hidden)
        for name, part in zip(self.state_names, parts):
            shape = _shape(part)
            if shape != expected:
                raise ValueError(
                    f"state {name!r} has shape {shape}; {self!r} expects {expected} "
                    f"for x of shape {x_shape}"
                )
        if not isinstance(p, dict):
            raise TypeError(f"p must be a dict of parameters (like cell.params), got {describe(p)}")
        if probe is not None:
            self.check_probe(probe)

    def check_param_names(self, p: dict) -> None:
        """A ValueError naming the parameters this cell needs that ``p`` lacks."""
        missing = sorted(self._param_names - p.keys())
        if missing:
            raise ValueError(
                f"parameters {missing} are missing; {self!r} needs "
                f"{sorted(self._param_names)}, got {sorted(p)}"
            )

    @functools.cached_property
    def _param_names(self) -> frozenset[str]:
        return frozenset(self.param_shapes())

    def __repr__(self) -> str:
        return f"{self.name}(n_in={self.n_in}, n_hidden={self.n_hidden})"


def _shape(value) -> tuple[int, ...]:
    try:
        return value.shape  # arrays and tensors
    except AttributeError:
        return np.shape(value)  # lists, numbers


def _checked_step(step):
    """``step`` preceded by :meth:`Cell.check_step` (``functools.wraps`` keeps its source,
    name and docstring visible)."""

    @functools.wraps(step)
    def checked(self, p, state, x, probe=None):
        self.check_step(p, state, x, probe)
        try:
            return step(self, p, state, x) if probe is None else step(self, p, state, x, probe)
        except KeyError:
            self.check_param_names(p)  # a missing parameter: say which, and what was needed
            raise

    return checked


def _initialized(
    initializer: Initializer,
    rng: np.random.Generator,
    shape: tuple[int, int],
    name: str,
    given: bool,
) -> np.ndarray:
    """``initializer(rng, shape)``, checked: an initializer given as a callable (``given``) must
    return a finite float array of exactly ``shape``, and the cell keeps a copy of it (it may
    return one array for every gate). rnnlib's own initializers return fresh arrays, kept as
    they are."""
    value = initializer(rng, shape)
    arr = np.asarray(value) if isinstance(value, (np.ndarray, list, tuple)) else None
    if arr is None or arr.dtype.kind not in "biuf":
        raise TypeError(
            f"the initializer of {name!r} must return a real array of shape {shape}, "
            f"got {describe(value)}"
        )
    if arr.shape != shape:
        raise ValueError(
            f"the initializer of {name!r} returned shape {arr.shape}; expected {shape}"
        )
    if not np.isfinite(arr).all():
        raise ValueError(
            f"the initializer of {name!r} returned NaN or inf; expected finite numbers"
        )
    return np.array(arr, dtype=np.float64) if given else arr


def _gate_shapes(n: int, m: int, gates: str) -> dict[str, tuple[int, ...]]:
    shapes: dict[str, tuple[int, ...]] = {}
    for g in gates:
        shapes.update({f"W_{g}": (n, n), f"U_{g}": (n, m), f"b_{g}": (n,)})
    return shapes


class VanillaRNN(Cell):
    """``s_t = phi(W s_{t-1} + U x_t + b)``; the state is also the output."""

    def __init__(
        self,
        n_in,
        n_hidden,
        rng,
        init="uniform",
        init_scale=1.0,
        input_init=None,
        activation: str = "tanh",
    ):
        if not isinstance(activation, str) or activation not in ACTIVATIONS:
            raise ValueError(
                f"unknown activation {activation!r}; expected one of {sorted(ACTIVATIONS)}"
            )
        self.activation = activation
        super().__init__(n_in, n_hidden, rng, init, init_scale, input_init)

    @property
    def gamma(self) -> float:
        """A bound on ``|phi'|``: 1 for tanh and relu, 1/4 for the sigmoid."""
        return ACTIVATION_GAMMA[self.activation]

    def param_shapes(self):
        n, m = self.n_hidden, self.n_in
        return {"W": (n, n), "U": (n, m), "b": (n,)}

    def step(self, p, s, x, probe=None):
        phi = ACTIVATIONS[self.activation]
        return phi(s @ p["W"].T + x @ p["U"].T + p["b"])


class PrototypeLSTM(Cell):
    """Gated incremental writes on an unbounded state.

    ``i, f, o = sigma(W_g s_{t-1} + U_g x_t + b_g)``;
    ``s~_t = phi(W (o_t * s_{t-1}) + U x_t + b)``; ``s_t = f_t * s_{t-1} + i_t * s~_t``.
    """

    gate_names = ("i", "f", "o")

    def param_shapes(self):
        n, m = self.n_hidden, self.n_in
        return {**_gate_shapes(n, m, "ifo"), "W": (n, n), "U": (n, m), "b": (n,)}

    def step(self, p, s, x, probe=None):
        i = self._gate("i", sigmoid(s @ p["W_i"].T + x @ p["U_i"].T + p["b_i"]), probe)
        f = self._gate("f", sigmoid(s @ p["W_f"].T + x @ p["U_f"].T + p["b_f"]), probe)
        o = self._gate("o", sigmoid(s @ p["W_o"].T + x @ p["U_o"].T + p["b_o"]), probe)
        candidate = tanh((o * s) @ p["W"].T + x @ p["U"].T + p["b"])
        return f * s + i * candidate


class NormalizedPrototype(PrototypeLSTM):
    """The prototype with a soft bound: divide the new state by ``sqrt(Var(s_t) + 1)``.

    The variance is over the state's n elements, separately for each sequence in the batch.
    """

    def step(self, p, s, x, probe=None):
        s_new = super().step(p, s, x, probe)  # (B, n)
        centred = s_new - s_new.mean(axis=-1, keepdims=True)
        variance = (centred * centred).mean(axis=-1, keepdims=True)  # (B, 1)
        return s_new / sqrt(variance + 1.0)


class GRU(Cell):
    """A write gate coupled to the forget gate: ``f = z``, ``i = 1 - z``.

    ``form="tutorial"`` (default) applies the reset gate to the state before the product:
    ``s~_t = phi(W (r_t * s_{t-1}) + U x_t + b)``.
    ``form="pytorch"`` applies it after, with a bias inside, as ``torch.nn.GRUCell`` does:
    ``s~_t = phi(r_t * (W s_{t-1} + b_h) + U x_t + b)``.
    Both then take ``s_t = z_t * s_{t-1} + (1 - z_t) * s~_t``.
    """

    gate_names = ("r", "z")
    FORMS = ("tutorial", "pytorch")

    def __init__(
        self,
        n_in,
        n_hidden,
        rng,
        init="uniform",
        init_scale=1.0,
        input_init=None,
        form: str = "tutorial",
    ):
        if not isinstance(form, str) or form not in self.FORMS:
            raise ValueError(f"unknown GRU form {form!r}; expected one of {self.FORMS}")
        self.form = form
        super().__init__(n_in, n_hidden, rng, init, init_scale, input_init)

    def param_shapes(self):
        n, m = self.n_hidden, self.n_in
        shapes = {**_gate_shapes(n, m, "rz"), "W": (n, n), "U": (n, m), "b": (n,)}
        if self.form == "pytorch":
            shapes["b_h"] = (n,)
        return shapes

    def step(self, p, s, x, probe=None):
        r = self._gate("r", sigmoid(s @ p["W_r"].T + x @ p["U_r"].T + p["b_r"]), probe)
        z = self._gate("z", sigmoid(s @ p["W_z"].T + x @ p["U_z"].T + p["b_z"]), probe)
        if self.form == "tutorial":
            candidate = tanh((r * s) @ p["W"].T + x @ p["U"].T + p["b"])
        else:
            candidate = tanh(r * (s @ p["W"].T + p["b_h"]) + x @ p["U"].T + p["b"])
        return z * s + (1.0 - z) * candidate

    def __repr__(self) -> str:
        return f"GRU(n_in={self.n_in}, n_hidden={self.n_hidden}, form={self.form!r})"


class PseudoLSTM(Cell):
    """The prototype that reads a squashed state: ``phi(s_{t-1})`` everywhere but the write.

    ``i, f, o = sigma(W_g phi(s_{t-1}) + U_g x_t + b_g)``;
    ``s~_t = phi(W (o_t * phi(s_{t-1})) + U x_t + b)``; ``s_t = f_t * s_{t-1} + i_t * s~_t``;
    output ``phi(s_t)``.
    """

    gate_names = ("i", "f", "o")

    def param_shapes(self):
        n, m = self.n_hidden, self.n_in
        return {**_gate_shapes(n, m, "ifo"), "W": (n, n), "U": (n, m), "b": (n,)}

    def step(self, p, s, x, probe=None):
        read = tanh(s)
        i = self._gate("i", sigmoid(read @ p["W_i"].T + x @ p["U_i"].T + p["b_i"]), probe)
        f = self._gate("f", sigmoid(read @ p["W_f"].T + x @ p["U_f"].T + p["b_f"]), probe)
        o = self._gate("o", sigmoid(read @ p["W_o"].T + x @ p["U_o"].T + p["b_o"]), probe)
        candidate = tanh((o * read) @ p["W"].T + x @ p["U"].T + p["b"])
        return f * s + i * candidate

    def output(self, s):
        return tanh(s)


class BasicLSTM(Cell):
    """The LSTM: a cell state ``c`` and a gated, squashed shadow ``h``.

    ``i, f, o = sigma(W_g h_{t-1} + U_g x_t + b_g)``; ``c~_t = phi(W h_{t-1} + U x_t + b)``;
    ``c_t = f_t * c_{t-1} + i_t * c~_t``; ``h_t = o_t * phi(c_t)``; state ``(c, h)``, output ``h``.
    """

    gate_names = ("i", "f", "o")
    state_names = ("c", "h")

    def param_shapes(self):
        n, m = self.n_hidden, self.n_in
        return {**_gate_shapes(n, m, "ifo"), "W": (n, n), "U": (n, m), "b": (n,)}

    def step(self, p, state, x, probe=None):
        c, h = state
        i = self._gate("i", sigmoid(h @ p["W_i"].T + x @ p["U_i"].T + p["b_i"]), probe)
        f = self._gate("f", sigmoid(h @ p["W_f"].T + x @ p["U_f"].T + p["b_f"]), probe)
        o = self._gate("o", sigmoid(h @ p["W_o"].T + x @ p["U_o"].T + p["b_o"]), probe)
        candidate = tanh(h @ p["W"].T + x @ p["U"].T + p["b"])
        c = f * c + i * candidate
        h = o * tanh(c)
        return c, h

    def output(self, state):
        return state[1]


class PeepholeLSTM(BasicLSTM):
    """The LSTM whose gates also see the cell state through diagonal weights ``p_i, p_f, p_o``.

    ``i, f = sigma(W_g h_{t-1} + U_g x_t + p_g * c_{t-1} + b_g)``; ``c_t`` as in the LSTM;
    ``o_t = sigma(W_o h_{t-1} + U_o x_t + p_o * c_t + b_o)`` (sees the new ``c_t``);
    ``h_t = o_t * phi(c_t)``.
    """

    def param_shapes(self):
        n = self.n_hidden
        return {**super().param_shapes(), "p_i": (n,), "p_f": (n,), "p_o": (n,)}

    def step(self, p, state, x, probe=None):
        c_prev, h = state
        i = self._gate(
            "i", sigmoid(h @ p["W_i"].T + x @ p["U_i"].T + p["p_i"] * c_prev + p["b_i"]), probe
        )
        f = self._gate(
            "f", sigmoid(h @ p["W_f"].T + x @ p["U_f"].T + p["p_f"] * c_prev + p["b_f"]), probe
        )
        candidate = tanh(h @ p["W"].T + x @ p["U"].T + p["b"])
        c = f * c_prev + i * candidate
        o = self._gate(
            "o", sigmoid(h @ p["W_o"].T + x @ p["U_o"].T + p["p_o"] * c + p["b_o"]), probe
        )
        h = o * tanh(c)
        return c, h


CELLS: dict[str, type[Cell]] = {
    "vanilla": VanillaRNN,
    "prototype": PrototypeLSTM,
    "normalized": NormalizedPrototype,
    "gru": GRU,
    "pseudo": PseudoLSTM,
    "lstm": BasicLSTM,
    "peephole": PeepholeLSTM,
}


def make_cell(name: str, n_in: int, n_hidden: int, rng: np.random.Generator, **kwargs) -> Cell:
    """Build a cell by its short name (``"vanilla"``, ``"lstm"``, ``"gru"``, ...)."""
    if not isinstance(name, str) or name not in CELLS:
        raise ValueError(f"unknown cell {name!r}; expected one of {sorted(CELLS)}")
    keyword_arguments(CELLS[name], kwargs, skip=3)
    return CELLS[name](n_in, n_hidden, rng, **kwargs)


def random_cell(
    name: str, n_in: int, n_hidden: int, rng: np.random.Generator, scale: float = 1.0, **kwargs
) -> Cell:
    """A cell whose every parameter, biases and peepholes included, is drawn from N(0, scale^2).

    For checks of a cell's equations: with zero biases a wrong or missing term can cancel and a
    check pass by luck. The cell is built by :func:`make_cell` (which draws its usual init from
    ``rng``), then each parameter, in the cell's order, is redrawn from ``rng``.
    """
    if isinstance(scale, bool) or not isinstance(scale, (int, float, np.integer, np.floating)):
        raise TypeError(f"scale must be a finite number > 0; got {describe(scale)}")
    if not np.isfinite(scale) or scale <= 0:
        raise ValueError(f"scale must be a finite number > 0; got {scale!r}")
    cell = make_cell(name, n_in, n_hidden, rng, **kwargs)
    for key, value in cell.params.items():
        cell.params[key] = rng.normal(0.0, scale, size=value.shape)
    return cell
