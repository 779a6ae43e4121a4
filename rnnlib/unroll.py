"""Unrolling a cell over a sequence: the forward pass, and full or truncated BPTT.

Inputs are shaped ``(T, B, n_in)``: time first, then the batch, then the features.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .autograd import Tensor, collector_paused, data_of, grads_of, stack, tensors
from .cells import Cell, Probe
from .checks import array_dict, describe, finite_array, real_array

LossFn = Callable[[Tensor, slice, dict], Tensor]


def as_tuple(state) -> tuple:
    """A cell's state as a tuple, whether it carries one vector or two."""
    return state if isinstance(state, tuple) else (state,)


def from_tuple(parts: tuple, cell: Cell):
    return parts if len(cell.state_names) > 1 else parts[0]


def check_inputs(cell: Cell, xs, state0=None) -> tuple[np.ndarray, object]:
    """Validate ``xs`` (T, B, n_in) and ``state0`` against ``cell``; return them as arrays.

    The initial state comes back as float64 arrays (a tuple of them for two-vector cells).
    """
    if not isinstance(cell, Cell):
        raise TypeError(f"expected an rnnlib Cell, got {type(cell).__name__}")
    xs = real_array(xs, "inputs")
    if xs.ndim != 3:
        raise ValueError(
            f"inputs have shape {xs.shape}; {cell.name}(n_in={cell.n_in}) expects "
            f"(T, B, {cell.n_in}), a 3-d array"
        )
    T, B, m = xs.shape
    if m != cell.n_in:
        raise ValueError(
            f"inputs have shape {xs.shape}; {cell.name}(n_in={cell.n_in}) expects (T, B, "
            f"{cell.n_in})"
        )
    if T == 0 or B == 0:
        raise ValueError(
            f"inputs have shape {xs.shape}; need at least one time step and one sequence"
        )
    if not np.all(np.isfinite(xs)):
        raise ValueError("inputs contain NaN or inf; expected finite numbers")
    if state0 is None:
        return xs, cell.initial_state(B)
    two = len(cell.state_names) > 1
    if two and not isinstance(state0, tuple):
        raise ValueError(
            f"{cell.name} carries {len(cell.state_names)} state vector(s) {cell.state_names}; "
            f"got 1 ({describe(state0)}); pass a tuple ({', '.join(cell.state_names)})"
        )
    if not two and isinstance(state0, tuple):
        raise ValueError(f"{cell.name} carries one state vector 's'; got a tuple of {len(state0)}")
    parts = as_tuple(state0)
    if len(parts) != len(cell.state_names):
        raise ValueError(
            f"{cell.name} carries {len(cell.state_names)} state vector(s) "
            f"{cell.state_names}; got {len(parts)}"
        )
    arrays = []
    for name, part in zip(cell.state_names, parts):
        arr = real_array(part, f"initial state {name!r}")
        if arr.shape != (B, cell.n_hidden):
            raise ValueError(
                f"initial state {name!r} has shape {arr.shape}; expected (B, n_hidden) = "
                f"({B}, {cell.n_hidden}) to match inputs of batch {B}"
            )
        arrays.append(finite_array(arr, f"initial state {name!r}"))
    return xs, from_tuple(tuple(arrays), cell)


def check_params(cell: Cell, params) -> dict[str, np.ndarray]:
    """``cell.params`` if ``params`` is None, else ``params`` after checking that it holds every
    parameter the cell needs, each with the cell's shape."""
    if params is None:
        return cell.params
    array_dict(params, "params")
    missing = sorted(set(cell.params) - set(params))
    if missing:
        raise ValueError(
            f"params lack {missing}; {cell!r} needs {sorted(cell.params)}, got {sorted(params)}"
        )
    for name, value in cell.params.items():
        shape = np.shape(data_of(params[name]))
        if shape != value.shape:
            raise ValueError(f"params[{name!r}] has shape {shape}; {cell!r} expects {value.shape}")
    return params


@dataclass
class Trajectory:
    """The forward pass: ``outputs`` (T, B, n) and ``states``, a list of T + 1 states."""

    outputs: np.ndarray
    states: list

    def state_array(self, index: int = 0) -> np.ndarray:
        """States stacked to (T + 1, B, n); ``index`` picks c (0) or h (1) for two-vector cells."""
        _check_index(index, len(as_tuple(self.states[0])), "Trajectory.state_array")
        return np.stack([as_tuple(s)[index] for s in self.states])


def _check_index(index, n_vectors: int, where: str) -> None:
    if isinstance(index, bool) or not isinstance(index, (int, np.integer)):
        raise TypeError(f"{where}: index must be an integer, got {describe(index)}")
    if not 0 <= index < n_vectors:
        choices = "0 (c) or 1 (h)" if n_vectors == 2 else "0 (the cell has one state vector)"
        raise ValueError(f"{where}: index must be {choices}, got {index}")


def run(
    cell: Cell, xs, state0=None, params: dict | None = None, probe: Probe | None = None
) -> Trajectory:
    """Run ``cell`` over ``xs`` (T, B, n_in) with plain arrays: fast, no gradients."""
    xs, state = check_inputs(cell, xs, state0)
    p = check_params(cell, params)
    if probe is not None:
        cell.check_probe(probe)
    states, outputs = [state], []
    for x in xs:
        state = cell.step(p, state, x, probe)
        states.append(state)
        outputs.append(cell.output(state))
    return Trajectory(np.stack(outputs), states)


@dataclass
class BPTTResult:
    """What backpropagation through time returns.

    ``loss``         the total loss (float)
    ``grads``        gradient of the loss for every parameter (cell and extra), by name
    ``state_grads``  list of T + 1 tuples: dL/ds_t for t = 0..T (one array per state vector);
                     with truncation, the gradient seen inside each window
    ``outputs``      (T, B, n) outputs; ``final_state`` the last state, as arrays
    """

    loss: float
    grads: dict[str, np.ndarray]
    state_grads: list[tuple[np.ndarray, ...]]
    outputs: np.ndarray
    final_state: object

    def state_grad_norms(self, index: int = 0) -> np.ndarray:
        """``||dL/ds_t||`` for t = 0..T (Frobenius norm over the batch); shape (T + 1,)."""
        _check_index(index, len(self.state_grads[0]), "BPTTResult.state_grad_norms")
        return np.array([np.linalg.norm(g[index]) for g in self.state_grads])


def bptt(
    cell: Cell,
    xs,
    loss_fn: LossFn,
    state0=None,
    truncate: int | None = None,
    extra_params: dict[str, np.ndarray] | None = None,
    params: dict[str, np.ndarray] | None = None,
) -> BPTTResult:
    """Forward over ``xs`` (T, B, n_in), then backpropagate the loss through time.

    ``loss_fn(outputs, window, extra)`` receives the outputs of a window of steps as a tensor
    of shape (len(window), B, n), the ``slice`` of time steps it covers, and the ``extra``
    parameters as tensors (a readout layer, say); it returns a scalar tensor. The total loss
    is the sum over windows. With ``truncate=k`` the sequence is cut into windows of k steps:
    the state is carried forward but no gradient crosses a window's start (truncated BPTT).
    ``truncate=None`` or ``k >= T`` is full BPTT.
    """
    xs, state = check_inputs(cell, xs, state0)
    T = xs.shape[0]
    if truncate is None:
        truncate = T
    if isinstance(truncate, bool) or not isinstance(truncate, (int, np.integer)) or truncate < 1:
        raise ValueError(f"truncate must be a positive integer or None, got {truncate!r}")
    if not callable(loss_fn):
        raise TypeError(
            f"loss_fn must be a function (outputs, window, extra) -> scalar Tensor, "
            f"got {describe(loss_fn)}"
        )
    base = check_params(cell, params)
    extra_params = {} if extra_params is None else array_dict(extra_params, "extra_params")
    clash = sorted(set(extra_params) & set(base))
    if clash:
        raise ValueError(
            f"extra_params names {clash} clash with parameters of {cell!r} "
            f"({sorted(base)}); rename them (their gradients would overwrite the cell's)"
        )
    extra_params = {k: real_array(v, f"extra_params[{k!r}]") for k, v in extra_params.items()}
    totals = {k: np.zeros_like(v) for k, v in base.items()}
    extra_totals = {k: np.zeros_like(v) for k, v in extra_params.items()}
    state = as_tuple(state)
    state_grads = [[np.zeros_like(s) for s in state] for _ in range(T + 1)]
    outputs, loss = [], 0.0
    with collector_paused():  # the graph has no cycles; see autograd.collector_paused
        for start in range(0, T, truncate):
            window = slice(start, min(start + truncate, T))
            p, extra = tensors(base), tensors(extra_params)
            chain = [
                tuple(Tensor(s) for s in state)
            ]  # leaves: no gradient crosses the window start
            outs = []
            for x in xs[window]:
                new = as_tuple(cell.step(p, from_tuple(chain[-1], cell), x))
                chain.append(new)
                outs.append(cell.output(from_tuple(new, cell)))
            window_loss = loss_fn(stack(outs), window, extra)
            if not isinstance(window_loss, Tensor) or window_loss.data.size != 1:
                raise ValueError(
                    f"loss_fn must return a scalar Tensor (use rnnlib's losses); "
                    f"got {describe(window_loss)}"
                )
            window_loss.backward()
            for k, g in grads_of(p).items():
                totals[k] += g
            for k, g in grads_of(extra).items():
                extra_totals[k] += g
            for offset, parts in enumerate(chain):  # the window's start state appears in two
                for k, t in enumerate(parts):  # windows; its gradients add up
                    if t.grad is not None:
                        state_grads[start + offset][k] += t.grad
            outputs.extend(data_of(o) for o in outs)
            loss += float(window_loss.data)
            state = tuple(t.data for t in chain[-1])
            del p, extra, chain, outs, window_loss, new  # free this window's graph now
    return BPTTResult(
        loss=loss,
        grads={**totals, **extra_totals},
        state_grads=[tuple(g) for g in state_grads],
        outputs=np.stack(outputs),
        final_state=from_tuple(state, cell),
    )
