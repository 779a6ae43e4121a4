"""How the gradient flows back through an LSTM's cell state: the carousel path and the h path.

The basic LSTM (:class:`rnnlib.BasicLSTM`) computes, with ``h_{t-1} = o_{t-1} * tanh(c_{t-1})``,

    c_t = f_t * c_{t-1} + i_t * c~_t,   gates and candidate c~_t computed from h_{t-1} and x_t.

So ``c_{t-1}`` reaches ``c_t`` along two paths: directly, multiplied by ``f_t`` (the constant
error carousel, Hochreiter and Schmidhuber 1997, with Gers et al.'s forget gate), and through
``h_{t-1}``, which feeds the gates and the candidate. The full Jacobian is

    dc_t/dc_{t-1} = diag(f_t) + A_t diag(o_{t-1} * (1 - tanh(c_{t-1})^2)),
    A_t = dc_t/dh_{t-1} = diag(c_{t-1} f_t (1 - f_t)) W_f + diag(c~_t i_t (1 - i_t)) W_i
                          + diag(i_t (1 - c~_t^2)) W,

and ``c_{t-1}`` also reaches the loss through ``h_{t-1} -> o_t -> h_t``. The reverse pass below
is the exact gradient (it equals :func:`rnnlib.bptt`); next to it, it propagates the carousel
alone, ``dL/dc_{t-1} ~ f_t * dL/dc_t``, to show what the product of the forget gates predicts.
"""

from __future__ import annotations

import numpy as np

from ..autograd import sigmoid
from ..cells import Cell, GateProbe, make_cell
from ..unroll import run

RECURRENT = ("W_i", "W_f", "W_o", "W")  # the LSTM's weights applied to h_{t-1}


def _check(T, n, batch, recurrent_scale) -> None:
    for name, value in (("T", T), ("n", n), ("batch", batch)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{name} must be a positive integer; got {value!r}")
    if not np.isfinite(recurrent_scale) or recurrent_scale < 0:
        raise ValueError(f"recurrent_scale must be a finite number >= 0; got {recurrent_scale!r}")


def lstm_flow_setup(T: int = 100, n: int = 16, forget_bias: float = 0.0, seed: int = 0,
                    batch: int = 4, recurrent_scale: float = 1.0):
    """The LSTM, inputs and loss direction of the chapter-6 gradient-flow experiment.

    Built exactly as :func:`rnnlib.experiments.part2.state_grad_norms` builds ``"lstm"``: a
    :class:`rnnlib.BasicLSTM` with 4 inputs and ``n`` units (uniform init) from
    ``default_rng(seed)``, every forget bias set to ``forget_bias``, then inputs ``xs`` (T, B, 4)
    and a loss direction ``v`` (B, n) drawn from the same generator; ``L = sum(v * h_T)``.
    The recurrent weights (``W_i, W_f, W_o, W``) are multiplied by ``recurrent_scale``.
    Returns ``(cell, xs, v)``.
    """
    _check(T, n, batch, recurrent_scale)
    if not np.isfinite(forget_bias):
        raise ValueError(f"forget_bias must be a finite number; got {forget_bias!r}")
    rng = np.random.default_rng(seed)
    cell = make_cell("lstm", 4, n, rng)
    cell.params["b_f"][:] = forget_bias
    for k in RECURRENT:
        cell.params[k] *= recurrent_scale
    xs = rng.normal(size=(T, batch, 4))
    v = rng.normal(size=(batch, n))
    return cell, xs, v


def cell_state_jacobian(p: dict, c_prev: np.ndarray, o_prev: np.ndarray, x: np.ndarray
                        ) -> tuple[np.ndarray, np.ndarray]:
    """The two terms of ``dc_t/dc_{t-1}`` for one sequence: ``(carousel, through_h)``, each (n, n).

    ``p``: a basic LSTM's parameters; ``c_prev`` (n,): ``c_{t-1}``; ``o_prev`` (n,): the read
    gate ``o_{t-1}`` (it depends on ``h_{t-2}``, not on ``c_{t-1}``); ``x`` (n_in,): ``x_t``.
    With ``h_{t-1} = o_{t-1} * tanh(c_{t-1})``:
    ``carousel = diag(f_t)`` and ``through_h = A_t diag(o_{t-1} (1 - tanh(c_{t-1})^2))``, where
    ``A_t = diag(c_{t-1} f_t (1-f_t)) W_f + diag(c~_t i_t (1-i_t)) W_i + diag(i_t (1-c~_t^2)) W``.
    Their sum is the full Jacobian of ``c_t`` with respect to ``c_{t-1}``.
    """
    c_prev, o_prev, x = (np.asarray(a, dtype=np.float64) for a in (c_prev, o_prev, x))
    n = p["W"].shape[0]
    if c_prev.shape != (n,) or o_prev.shape != (n,) or x.shape != (p["U"].shape[1],):
        raise ValueError(f"c_prev, o_prev must have shape ({n},) and x ({p['U'].shape[1]},); got "
                         f"{c_prev.shape}, {o_prev.shape}, {x.shape}")
    h_prev = o_prev * np.tanh(c_prev)
    i, f = (sigmoid(p[f"W_{k}"] @ h_prev + p[f"U_{k}"] @ x + p[f"b_{k}"]) for k in "if")
    cand = np.tanh(p["W"] @ h_prev + p["U"] @ x + p["b"])
    A = ((c_prev * f * (1 - f))[:, None] * p["W_f"] + (cand * i * (1 - i))[:, None] * p["W_i"]
         + (i * (1 - cand ** 2))[:, None] * p["W"])
    return np.diag(f), A * (o_prev * (1 - np.tanh(c_prev) ** 2))[None, :]


def lstm_backward_paths(cell: Cell, xs: np.ndarray, v: np.ndarray) -> dict:
    """Exact ``dL/dc_t`` of a basic LSTM for ``L = sum(v * h_T)``, and its carousel part.

    ``cell``: a :class:`rnnlib.BasicLSTM`; ``xs`` (T, B, n_in); ``v`` (B, n). The forward pass
    is the cell's own ``step`` (through :func:`rnnlib.run` with a probe recording i, f, o).
    Returns, for t = 0..T (index t is ``c_t``; ``c_0`` is the zero initial state):

    * ``"full"`` (T+1,): ``||dL/dc_t||``, the exact gradient (equal to ``rnnlib.bptt``'s);
    * ``"carousel"`` (T+1,): ``||prod_{k>t} f_k * dL/dc_T||``, the diag(f)-only prediction;
    * ``"cec_part"``, ``"h_part"`` (T,): index t holds the norms of the two terms of
      ``dL/dc_t = f_{t+1} * dL/dc_{t+1} + o_t (1 - tanh(c_t)^2) * dL/dh_t``: the carousel
      term and the term through ``h_t`` (which feeds the gates and candidate of step t+1 and
      the read gate ``o_{t+1}``); ``h_part[0] = 0`` (``h_0`` is a state of its own);
    * ``"f"`` (T, B, n): the forget gates.

    Norms are Frobenius norms over the batch, as :meth:`BPTTResult.state_grad_norms`.
    """
    if cell.__class__.__name__ != "BasicLSTM":
        raise TypeError(f"lstm_backward_paths needs a BasicLSTM; got {type(cell).__name__}")
    xs = np.asarray(xs, dtype=np.float64)
    T = xs.shape[0]
    probe = GateProbe()
    traj = run(cell, xs, probe=probe)
    v = np.asarray(v, dtype=np.float64)
    if v.shape != traj.outputs.shape[1:]:
        raise ValueError(f"v has shape {v.shape}; expected (B, n) = {traj.outputs.shape[1:]}")
    p = cell.params
    c, h = traj.state_array(0), traj.state_array(1)  # (T+1, B, n) each
    i, f, o = (probe.stacked(k) for k in "ifo")       # (T, B, n): the gates of steps 1..T
    # the candidate of step t+1 (index t), from h_t: needed by the reverse pass
    cand = np.tanh(h[:-1] @ p["W"].T + xs @ p["U"].T + p["b"])
    tc = np.tanh(c[1:])                                # tanh(c_t), t = 1..T
    full, carousel = np.zeros(T + 1), np.zeros(T + 1)
    cec_part, h_part = np.zeros(T), np.zeros(T)
    dc_next = np.zeros_like(v)  # part of dL/dc_{t} that comes through c_{t+1}
    dh = v.copy()               # dL/dh_t
    cec = None
    for t in range(T - 1, -1, -1):  # index t: step t+1, turning dL/dc_{t+1} into dL/dc_t
        dc = dc_next + dh * o[t] * (1 - tc[t] ** 2)  # total dL/dc_{t+1}, through h_{t+1} too
        full[t + 1] = np.linalg.norm(dc)
        cec = dc if cec is None else cec
        carousel[t + 1] = np.linalg.norm(cec)
        da_o = dh * tc[t] * o[t] * (1 - o[t])
        da_i = dc * cand[t] * i[t] * (1 - i[t])
        da_f = dc * c[t] * f[t] * (1 - f[t])
        da_c = dc * i[t] * (1 - cand[t] ** 2)
        dc_next = dc * f[t]                              # the carousel term
        dh = da_i @ p["W_i"] + da_f @ p["W_f"] + da_o @ p["W_o"] + da_c @ p["W"]  # dL/dh_t
        cec = cec * f[t]
        cec_part[t] = np.linalg.norm(dc_next)
        if t > 0:  # c_t reaches h_t = o_t tanh(c_t); c_0 is the initial state, h_0 is separate
            h_part[t] = np.linalg.norm(dh * o[t - 1] * (1 - np.tanh(c[t]) ** 2))
    full[0] = np.linalg.norm(dc_next)
    carousel[0] = np.linalg.norm(cec)
    return {"t": np.arange(T + 1), "full": full, "carousel": carousel, "cec_part": cec_part,
            "h_part": h_part, "f": f}


def lstm_gradient_paths(T: int = 100, n: int = 16, forget_bias: float = 0.0, seed: int = 0,
                        batch: int = 4, recurrent_scale: float = 1.0) -> dict:
    """:func:`lstm_backward_paths` on the setting of :func:`lstm_flow_setup`."""
    return lstm_backward_paths(*lstm_flow_setup(T, n, forget_bias, seed, batch, recurrent_scale))


def carousel_table(biases=(0.0, 1.0, 2.0, 3.0, 4.97, 6.0), seeds=(0, 1, 2, 3, 4), T: int = 100,
                   n: int = 16, recurrent_scale: float = 1.0) -> dict:
    """``||dL/dc_0|| / ||dL/dc_T||`` measured and predicted, for each bias and seed.

    Returns ``{"biases": (K,), "seeds": (S,), "full": (K, S), "carousel": (K, S),
    "scalar": (K,), "h_over_cec": (K, S)}``: the exact ratio, the diag(f)-only prediction on
    the same run, ``sigma(b) ** T`` (all weights into f zero), and the geometric mean over the
    steps back of (term through h) / (carousel term), which says which path carries more.
    """
    biases, seeds = np.asarray(biases, dtype=np.float64), tuple(int(s) for s in seeds)
    if biases.ndim != 1 or len(biases) == 0 or len(seeds) == 0:
        raise ValueError(f"need a 1-d list of biases and at least one seed; got {biases!r}, {seeds}")
    full = np.zeros((len(biases), len(seeds)))
    carousel, h_over_cec = np.zeros_like(full), np.zeros_like(full)
    for k, b in enumerate(biases):
        for j, s in enumerate(seeds):
            r = lstm_gradient_paths(T, n, float(b), s, recurrent_scale=recurrent_scale)
            full[k, j] = r["full"][0] / r["full"][T]
            carousel[k, j] = r["carousel"][0] / r["full"][T]
            h_over_cec[k, j] = np.exp(np.mean(np.log(r["h_part"][1:] / r["cec_part"][1:])))
    return {"biases": biases, "seeds": seeds, "full": full, "carousel": carousel,
            "scalar": sigmoid(biases) ** T, "h_over_cec": h_over_cec, "T": T,
            "recurrent_scale": float(recurrent_scale)}
