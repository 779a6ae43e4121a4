"""Backpropagation through time for the vanilla RNN, derived by hand: an explicit reverse loop.

Forward, for t = 1..T:  ``a_t = W s_{t-1} + U x_t + b``,  ``s_t = phi(a_t)``; the output is s_t.

Backward, given ``dL/ds_t`` from the loss directly (``dL_dout[t-1]``):

* ``delta_T = dL_dout[T]``; for t = T..1:
  ``g_t = delta_t * phi'(a_t)``            (through the nonlinearity, elementwise)
  ``dL/dW += g_t^T s_{t-1}``, ``dL/dU += g_t^T x_t``, ``dL/db += sum over the batch of g_t``
  ``delta_{t-1} = dL_dout[t-1] + g_t W``     (the direct gradient plus the one from the future)
* ``delta_0 = g_1 W``: the gradient with respect to the initial state.

``phi'`` is written with the output ``s_t = phi(a_t)``: ``1 - s^2`` for tanh,
``s (1 - s)`` for the sigmoid, ``[s > 0]`` for relu.
"""

from __future__ import annotations

import numpy as np

from .cells import VanillaRNN
from .checks import finite_array
from .unroll import check_inputs, run

PHI_PRIME = {
    "tanh": lambda s: 1.0 - s * s,
    "sigmoid": lambda s: s * (1.0 - s),
    "relu": lambda s: (s > 0).astype(np.float64),
}


def vanilla_bptt(
    cell: VanillaRNN, xs, dL_dout, state0=None
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Gradients of a loss whose gradient with respect to the outputs is ``dL_dout`` (T, B, n).

    Returns ``(grads, state_grads)``: ``grads`` has ``W, U, b``; ``state_grads`` (T + 1, B, n)
    holds ``dL/ds_t`` for t = 0..T (index 0 is the initial state), the total gradient that
    reaches each state, directly and through all later steps.
    """
    if not isinstance(cell, VanillaRNN):
        raise TypeError(f"vanilla_bptt needs a VanillaRNN, got {type(cell).__name__}")
    xs, state0 = check_inputs(cell, xs, state0)
    T, B, n = xs.shape[0], xs.shape[1], cell.n_hidden
    dL_dout = finite_array(dL_dout, "dL_dout")
    if dL_dout.shape != (T, B, n):
        raise ValueError(f"dL_dout has shape {dL_dout.shape}; expected (T, B, n) = ({T}, {B}, {n})")
    W = cell.params["W"]
    phi_prime = PHI_PRIME[cell.activation]
    s = run(cell, xs, state0).state_array()  # (T + 1, B, n); s[t] is s_t, s[0] the initial state

    grads = {k: np.zeros_like(v) for k, v in cell.params.items()}
    state_grads = np.zeros((T + 1, B, n))
    delta = dL_dout[T - 1]  # dL/ds_T
    for t in range(T, 0, -1):  # t = T, ..., 1; inputs are xs[t - 1]
        state_grads[t] = delta
        g = delta * phi_prime(s[t])  # (B, n): dL/da_t
        grads["W"] += g.T @ s[t - 1]
        grads["U"] += g.T @ xs[t - 1]
        grads["b"] += g.sum(axis=0)
        delta = g @ W  # dL/ds_{t-1} through step t
        if t > 1:
            delta = delta + dL_dout[t - 2]  # plus what the loss puts on output t - 1 directly
    state_grads[0] = delta
    return grads, state_grads
