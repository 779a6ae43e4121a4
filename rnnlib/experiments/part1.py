"""Experiments of Part I (chapters 1-3): morphing, sensitivity against its bound, initializers,
the gradient-decay widget's computation, truncated BPTT and clipping.

Every function is pure: it takes its settings (and a seed or a generator) and returns arrays.
The chapters plot what these return; the widgets call the same functions.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from ..autograd import Tensor
from ..cells import ACTIVATION_GAMMA, VanillaRNN
from ..losses import cross_entropy, readout
from ..optim import Adam
from ..unroll import bptt, run

ACTIVATIONS_PART1 = ("tanh", "sigmoid")


# ---------------------------------------------------------------------------------------------
# building blocks
# ---------------------------------------------------------------------------------------------
def operator_norm(W: np.ndarray) -> float:
    """The induced 2-norm ``||W||_2``: the largest singular value."""
    return float(np.linalg.norm(W, 2))


def spectral_radius(W: np.ndarray) -> float:
    """The largest absolute eigenvalue of a square matrix."""
    return float(np.abs(np.linalg.eigvals(W)).max())


def vanilla_with_norm(
    n_in: int,
    n: int,
    norm: float | None,
    rng: np.random.Generator,
    activation: str = "tanh",
    init: str = "uniform",
) -> VanillaRNN:
    """A :class:`VanillaRNN` whose ``W`` is drawn by ``init`` and rescaled to ``||W||_2 = norm``.

    ``norm=None`` keeps the initializer's own scale. ``U`` is drawn by ``uniform``, ``b = 0``.
    """
    if activation not in ACTIVATION_GAMMA:
        raise ValueError(f"unknown activation {activation!r}; expected one of {sorted(ACTIVATION_GAMMA)}")
    cell = VanillaRNN(n_in, n, rng, init=init, input_init="uniform", activation=activation)
    if norm is not None:
        if not norm > 0:
            raise ValueError(f"norm must be positive, got {norm!r}")
        cell.params["W"] *= norm / operator_norm(cell.params["W"])
    return cell


def activation_derivative(activation: str, s: np.ndarray) -> np.ndarray:
    """``phi'(a)`` written through the output ``s = phi(a)``: ``1 - s^2`` or ``s (1 - s)``."""
    if activation == "tanh":
        return 1.0 - s * s
    if activation == "sigmoid":
        return s * (1.0 - s)
    raise ValueError(f"activation must be one of {ACTIVATIONS_PART1}, got {activation!r}")


# ---------------------------------------------------------------------------------------------
# chapter 2: morphing
# ---------------------------------------------------------------------------------------------
@dataclass
class Morphing:
    """Two runs of one RNN that differ only in the input at step ``t0``.

    ``states``, ``perturbed``: (T + 1, n) state trajectories (one sequence);
    ``distance``: ``||s'_t - s_t||`` for t = 0..T; ``eps``, ``t0``, ``norm`` the settings.

    ``log_gain`` (T + 1,): the natural log of the *linearized* ratio ``||ds_t|| / eps``, where
    ``ds_t`` is the first-order change of s_t (a Jacobian-vector product, propagated one step at
    a time and renormalized, so it is exact to float64 relative precision however small it gets);
    ``-inf`` before ``t0``. ``floor``: the smallest distance two float64 runs can resolve
    (:data:`DISTANCE_FLOOR` for this n); a ``distance`` below it is rounding, not a measurement.
    """

    states: np.ndarray
    perturbed: np.ndarray
    distance: np.ndarray
    eps: float
    t0: int
    norm: float
    log_gain: np.ndarray | None = None
    floor: float = 0.0

    @property
    def ratio(self) -> np.ndarray:
        """``||s'_t - s_t|| / eps`` of the two float64 runs, t = 0..T."""
        return self.distance / self.eps

    @property
    def gain(self) -> np.ndarray:
        """The linearized ratio ``||ds_t|| / eps`` (``exp(log_gain)``; 0 before ``t0``)."""
        return np.exp(self.log_gain)

    def resolved(self) -> np.ndarray:
        """True where the distance of the two runs lies above the float64 floor."""
        return self.distance > self.floor


def morphing(
    norm: float = 1.0,
    eps: float = 1e-3,
    t0: int = 5,
    T: int = 60,
    n: int = 32,
    n_in: int = 4,
    activation: str = "tanh",
    seed: int = 0,
    init: str = "orthogonal",
) -> Morphing:
    """Perturb the input at step ``t0`` (1-based) by ``eps`` along a fixed unit direction and
    follow how far every later state moves. Same cell, same inputs otherwise. ``W`` is drawn
    by ``init`` and rescaled to ``||W||_2 = norm``."""
    if not 1 <= t0 <= T:
        raise ValueError(f"t0 must lie in 1..T = 1..{T}, got {t0}")
    rng = np.random.default_rng(seed)
    cell = vanilla_with_norm(n_in, n, norm, rng, activation, init)
    xs = rng.standard_normal((T, 1, n_in))
    direction = rng.standard_normal(n_in)
    direction /= np.linalg.norm(direction)
    xs_p = xs.copy()
    xs_p[t0 - 1, 0] += eps * direction
    a = run(cell, xs).state_array()[:, 0]
    b = run(cell, xs_p).state_array()[:, 0]
    log_gain = linearized_log_gain(cell, a, cell.params["U"] @ direction, t0)
    return Morphing(a, b, np.linalg.norm(b - a, axis=1), eps, t0, norm, log_gain,
                    distance_floor(n))


def distance_floor(n: int) -> float:
    """The smallest distance between two float64 runs of an n-unit RNN that is not rounding:
    ``10 sqrt(n)`` machine epsilons (states lie in (-1, 1); each of the n coordinates of
    either run carries a rounding error of a few ulps)."""
    return float(10.0 * np.sqrt(n) * np.finfo(np.float64).eps)


def linearized_log_gain(cell: VanillaRNN, states: np.ndarray, da: np.ndarray, t0: int) -> np.ndarray:
    """``log ||ds_t||`` for t = 0..T of the first-order change of the state when the
    pre-activation at step ``t0`` moves by ``da`` (n,): ``ds_t0 = phi'(a_t0) * da`` and
    ``ds_t = phi'(a_t) * (W ds_{t-1})`` along the trajectory ``states`` (T + 1, n).

    The vector is renormalized every step and the logs of the per-step gains are summed, so
    the result keeps full relative precision however far below 1e-300 (or above) it lies.
    ``-inf`` before ``t0``."""
    W = cell.params["W"]
    out = np.full(states.shape[0], -np.inf)
    v = activation_derivative(cell.activation, states[t0]) * da
    log_norm = 0.0
    for t in range(t0, states.shape[0]):
        if t > t0:
            v = activation_derivative(cell.activation, states[t]) * (W @ v)
        size = np.linalg.norm(v)
        if size == 0.0:
            out[t:] = -np.inf
            break
        log_norm += np.log(size)
        v = v / size
        out[t] = log_norm
    return out


def morphing_sweep(norms=(0.5, 1.0, 2.0, 4.0), eps: float = 1e-3, t0: int = 5, T: int = 60,
                   seed: int = 0) -> dict[float, np.ndarray]:
    """``||s'_t - s_t|| / eps`` for t = 0..T, one curve per weight norm (tanh)."""
    return {float(g): morphing(g, eps, t0, T, seed=seed).distance / eps for g in norms}


# ---------------------------------------------------------------------------------------------
# chapter 2: measured sensitivity against the bound ||gamma W||^k
# ---------------------------------------------------------------------------------------------
def jacobian_norms(cell: VanillaRNN, xs: np.ndarray, t0: int, state0=None) -> np.ndarray:
    """``||ds_{t0+k}/ds_{t0}||_2`` for k = 0..T-t0 along one sequence (batch of 1).

    The Jacobian of one step is ``diag(phi'(a_t)) W``; the product is formed step by step.
    """
    traj = run(cell, xs, state0=state0)
    S = traj.state_array()[:, 0]  # (T + 1, n)
    W = cell.params["W"]
    J = np.eye(cell.n_hidden)
    out = [1.0]
    for t in range(t0 + 1, S.shape[0]):
        J = activation_derivative(cell.activation, S[t])[:, None] * W @ J
        out.append(float(np.linalg.norm(J, 2)))
    return np.array(out)


def sensitivity(
    norm: float,
    activation: str = "tanh",
    regime: str = "driven",
    k_max: int = 30,
    n: int = 32,
    n_in: int = 4,
    init: str = "orthogonal",
    warmup: int = 20,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """Measured ``||ds_{t+k}/ds_t||`` for k = 0..k_max and the bound ``||gamma W||^k``.

    ``regime="driven"``: random N(0, 1) inputs move the state around (phi' below its maximum).
    ``regime="quiet"``: no input, and the bias puts the state at a fixed point where every
    pre-activation is 0 (phi' at its maximum gamma): 0 for tanh, 1/2 for the sigmoid.
    """
    if regime not in ("driven", "quiet"):
        raise ValueError(f"regime must be 'driven' or 'quiet', got {regime!r}")
    rng = np.random.default_rng(seed)
    cell = vanilla_with_norm(n_in, n, norm, rng, activation, init)
    W = cell.params["W"]
    T = warmup + k_max
    if regime == "driven":
        xs = rng.standard_normal((T, 1, n_in))
        state0 = None
    else:
        xs = np.zeros((T, 1, n_in))
        s_star = 0.0 if activation == "tanh" else 0.5
        state0 = np.full((1, n), s_star)
        cell.params["b"] = -W @ state0[0]  # pre-activation W s* + b = 0
    measured = jacobian_norms(cell, xs, warmup, state0)
    gamma = ACTIVATION_GAMMA[activation]
    bound = (gamma * operator_norm(W)) ** np.arange(k_max + 1)
    return measured, bound


def sensitivity_sweep(
    activation: str,
    regime: str,
    norms,
    k: int = 30,
    seeds=(0, 1, 2),
    **kw,
) -> dict[str, np.ndarray]:
    """Per-step rate ``||ds_{t+k}/ds_t||^(1/k)`` (mean over seeds) and the bound's rate
    ``gamma ||W||`` for every norm. The bound holds when ``rate <= bound_rate``."""
    gamma = ACTIVATION_GAMMA[activation]
    rates = []
    for g in norms:
        per_seed = [sensitivity(g, activation, regime, k, seed=s, **kw)[0][k] for s in seeds]
        rates.append(float(np.exp(np.mean(np.log(np.maximum(per_seed, 1e-300)))) ** (1.0 / k)))
    norms = np.asarray(norms, dtype=float)
    return {"norm": norms, "rate": np.array(rates), "bound_rate": gamma * norms}


# ---------------------------------------------------------------------------------------------
# chapter 2: gradient norm across time (initializers; the gradient-decay widget)
# ---------------------------------------------------------------------------------------------
@dataclass
class GradientDecay:
    """``||dL/ds_t||`` for t = 0..T of a loss read at the last step, and its bound.

    ``grad_norms`` (T + 1,): Frobenius norm over the batch, as ``BPTTResult.state_grad_norms``;
    ``bound`` (T + 1,): ``||gamma W||^(T - t) ||dL/ds_T||``; ``op_norm`` ``||W||_2``;
    ``radius`` the spectral radius of ``W``; ``gamma`` the bound on ``|phi'|``.
    """

    grad_norms: np.ndarray
    bound: np.ndarray
    op_norm: float
    radius: float
    gamma: float


def last_step_loss(u: np.ndarray):
    """A loss read at the last step only: ``L = sum_b u . s_T``; then ``dL/ds_T = u`` per sequence."""

    def loss_fn(outputs, window, extra):
        return (outputs[-1] * u).sum()

    return loss_fn


def decay_setup(norm, activation, T, init, n, n_in, B, seed, init_scale=None, inputs=True):
    """The cell, inputs and readout direction the gradient-decay computations share.

    ``inputs=False``: all-zero inputs (with ``b = 0`` the state then stays at 0, where
    ``phi'`` is largest), so only ``W`` shapes the gradient."""
    rng = np.random.default_rng(seed)
    if init_scale is not None:  # the initializer's own scale, times init_scale
        cell = VanillaRNN(n_in, n, rng, init=init, init_scale=init_scale, input_init="uniform",
                          activation=activation)
    else:
        cell = vanilla_with_norm(n_in, n, norm, rng, activation, init)
    xs = rng.standard_normal((T, B, n_in))
    if not inputs:
        xs = np.zeros_like(xs)
    u = rng.standard_normal(n)
    u /= np.linalg.norm(u)
    return cell, xs, u


def gradient_decay(
    norm: float | None = 1.0,
    activation: str = "tanh",
    T: int = 50,
    init: str = "orthogonal",
    n: int = 32,
    n_in: int = 4,
    B: int = 8,
    seed: int = 0,
    init_scale: float | None = None,
) -> GradientDecay:
    """Forward over random inputs, then the backward recursion
    ``dL/ds_{t-1} = W^T (phi'(a_t) * dL/ds_t)`` from ``dL/ds_T = u``: the same numbers as
    ``rnnlib.bptt`` (tested), computed with a few array operations so a widget stays fast.

    Give either ``norm`` (rescale ``W`` to that operator norm) or ``init_scale`` (keep the
    initializer's draw, times ``init_scale``; then ``norm`` is ignored).
    """
    if T < 1:
        raise ValueError(f"T must be at least 1, got {T}")
    cell, xs, u = decay_setup(norm, activation, T, init, n, n_in, B, seed, init_scale)
    W = cell.params["W"]
    S = run(cell, xs).state_array()  # (T + 1, B, n)
    g = np.broadcast_to(u, (B, n)).copy()  # dL/ds_T
    norms = np.empty(T + 1)
    norms[T] = np.linalg.norm(g)
    for t in range(T, 0, -1):
        g = (activation_derivative(activation, S[t]) * g) @ W  # (B, n)
        norms[t - 1] = np.linalg.norm(g)
    gamma = ACTIVATION_GAMMA[activation]
    op = operator_norm(W)
    bound = norms[T] * (gamma * op) ** np.arange(T, -1, -1, dtype=float)
    return GradientDecay(norms, bound, op, spectral_radius(W), gamma)


def gradient_decay_bptt(norm=1.0, activation="tanh", T=50, init="orthogonal", n=32, n_in=4,
                        B=8, seed=0, init_scale=None) -> np.ndarray:
    """The same ``||dL/ds_t||`` as :func:`gradient_decay`, computed by ``rnnlib.bptt``."""
    cell, xs, u = decay_setup(norm, activation, T, init, n, n_in, B, seed, init_scale)
    return bptt(cell, xs, last_step_loss(u)).state_grad_norms()


INIT_CASES = {
    # label: (initializer, init_scale)
    "uniform sqrt(3/n)": ("uniform", 1.0),
    "Glorot": ("glorot", 1.0),
    "orthogonal": ("orthogonal", 1.0),
    "too small (uniform x 0.3)": ("uniform", 0.3),
    "too large (uniform x 3)": ("uniform", 3.0),
}


def init_comparison(T: int = 60, n: int = 64, seeds=(0, 1, 2), activation: str = "tanh",
                    inputs: bool = True) -> dict[str, dict[str, np.ndarray | float]]:
    """For each initializer of :data:`INIT_CASES`: ``||dL/ds_t|| / ||dL/ds_T||`` for t = 0..T
    at initialization, and ``||W||_2`` and the spectral radius. Computed by ``rnnlib.bptt``.

    Keys per initializer: ``relative`` (T + 1,) the geometric mean over seeds; ``per_seed``
    (len(seeds), T + 1) each seed's curve; ``ratio_per_seed`` (len(seeds),) each seed's
    ``||dL/ds_0|| / ||dL/ds_T||``; ``op_norm``, ``radius`` means over seeds.
    ``inputs=False`` runs on all-zero inputs (see :func:`decay_setup`)."""
    out = {}
    for label, (init, scale) in INIT_CASES.items():
        curves, ops, radii = [], [], []
        for seed in seeds:
            cell, xs, u = decay_setup(None, activation, T, init, n, 4, 8, seed, init_scale=scale,
                                      inputs=inputs)
            norms = bptt(cell, xs, last_step_loss(u)).state_grad_norms()
            curves.append(np.log(norms / norms[-1]))
            ops.append(operator_norm(cell.params["W"]))
            radii.append(spectral_radius(cell.params["W"]))
        per_seed = np.exp(np.array(curves))
        out[label] = {"relative": np.exp(np.mean(curves, axis=0)), "per_seed": per_seed,
                      "ratio_per_seed": per_seed[:, 0],
                      "op_norm": float(np.mean(ops)), "radius": float(np.mean(radii))}
    return out


# ---------------------------------------------------------------------------------------------
# chapter 3: per-step gradient contributions
# ---------------------------------------------------------------------------------------------
def per_step_contributions(cell: VanillaRNN, xs: np.ndarray, dL_dout: np.ndarray) -> np.ndarray:
    """The contribution of each step to ``dL/dW``: ``delta_t s_{t-1}^T`` summed over the batch,
    where ``delta_t = phi'(a_t) * dL/ds_t`` (total gradient through s_t). Shape (T, n, n);
    their sum is ``dL/dW``."""
    S = run(cell, xs).state_array()
    W = cell.params["W"]
    T = xs.shape[0]
    g = np.zeros_like(S[0])
    out = np.empty((T,) + W.shape)
    for t in range(T, 0, -1):
        g = g + dL_dout[t - 1]  # dL/ds_t: direct plus through s_{t+1}
        delta = activation_derivative(cell.activation, S[t]) * g
        out[t - 1] = delta.T @ S[t - 1]
        g = delta @ W
    return out


# ---------------------------------------------------------------------------------------------
# chapter 3: truncated BPTT on a task with a known dependency length
# ---------------------------------------------------------------------------------------------
@dataclass
class TruncationRun:
    """One online truncated-BPTT run: updates every ``k`` steps on a stream.

    ``accuracy``: recall accuracy at the end (fraction of recalled symbols right, fresh data);
    ``loss``: loss per update; ``seconds_per_update``: mean wall time of one update;
    ``updates``: number of updates made; ``steps_seen``: time steps processed;
    ``checkpoints``: numbers of batches after which the accuracy was also measured, and
    ``curve`` that accuracy (same fresh data as ``accuracy``), one entry per checkpoint.
    """

    k: int
    accuracy: float
    loss: np.ndarray
    seconds_per_update: float
    updates: int
    steps_seen: int
    checkpoints: tuple[int, ...] = ()
    curve: np.ndarray = field(default_factory=lambda: np.zeros(0))


def delayed_recall_batch(rng: np.random.Generator, T: int, B: int, delay: int, n_symbols: int):
    """A stream of random one-hot symbols; the target at step t is the symbol of step t - delay
    (no target for the first ``delay`` steps). Returns ``xs (T, B, n_symbols)``, ``targets
    (T, B)`` and ``mask (T, B)``. The dependency length is exactly ``delay``."""
    symbols = rng.integers(0, n_symbols, size=(T, B))
    xs = np.eye(n_symbols)[symbols]
    targets = np.zeros((T, B), dtype=int)
    targets[delay:] = symbols[:-delay] if delay > 0 else symbols
    mask = np.zeros((T, B))
    mask[delay:] = 1.0
    return xs, targets, mask


def truncation_run(
    k: int,
    delay: int = 4,
    n_symbols: int = 3,
    n: int = 24,
    T: int = 24,
    B: int = 16,
    sequences: int = 40,
    lr: float = 0.05,
    seed: int = 0,
    checkpoints: tuple[int, ...] = (),
) -> TruncationRun:
    """Train a vanilla RNN with a softmax readout to recall the symbol seen ``delay`` steps
    earlier, by online truncated BPTT: each sequence of ``T`` steps is cut into windows of
    ``k`` steps, the state is carried across windows, no gradient crosses a window's start,
    and Adam updates the weights after every window. Same data and initial weights for all k.
    ``checkpoints``: after these numbers of batches, also measure the accuracy (``curve``)."""
    if k < 1 or T < 1 or sequences < 1:
        raise ValueError(f"k, T and sequences must be positive, got k={k}, T={T}, "
                         f"sequences={sequences}")
    eval_xs, eval_targets, eval_mask = delayed_recall_batch(
        np.random.default_rng(seed + 2000), 4 * T, 64, delay, n_symbols)

    def accuracy() -> float:
        logits = run(cell, eval_xs).outputs @ params["V"].T + params["c"]
        right = (logits.argmax(-1) == eval_targets) * eval_mask
        return float(right.sum() / eval_mask.sum())

    rng = np.random.default_rng(seed)
    cell = VanillaRNN(n_symbols, n, rng, init="orthogonal", input_init="uniform")
    extra = {"V": rng.uniform(-0.3, 0.3, (n_symbols, n)), "c": np.zeros(n_symbols)}
    params = {**cell.params, **extra}  # the same arrays: updating params trains the cell
    optimizer = Adam(lr)
    data_rng = np.random.default_rng(seed + 1000)
    losses, times, curve = [], [], []
    for done in range(1, sequences + 1):
        xs, targets, mask = delayed_recall_batch(data_rng, T, B, delay, n_symbols)
        state = None
        for start in range(0, T, k):
            w = slice(start, min(start + k, T))
            if mask[w].sum() == 0:  # nothing to learn in this window: just move the state on
                state = run(cell, xs[w], state0=state).states[-1]
                continue
            tgt, msk = targets[w], mask[w]

            def loss_fn(outputs: Tensor, window, ex, tgt=tgt, msk=msk):
                return cross_entropy(readout(outputs, ex["V"], ex["c"]), tgt, msk)

            t0 = time.perf_counter()
            res = bptt(cell, xs[w], loss_fn, state0=state,
                       extra_params={key: params[key] for key in extra})
            optimizer.step(params, res.grads)
            times.append(time.perf_counter() - t0)
            losses.append(res.loss)
            state = res.final_state
        if done in checkpoints:
            curve.append(accuracy())
    # evaluate on fresh data, full forward pass
    return TruncationRun(k, accuracy(), np.array(losses), float(np.mean(times)), len(times),
                         sequences * T, tuple(checkpoints), np.array(curve))


# ---------------------------------------------------------------------------------------------
# chapter 1: time steps, the encoder-decoder schedule
# ---------------------------------------------------------------------------------------------
BLANK = "_"


def translation_schedule(source: list[str], target: list[str]) -> list[tuple[int, str, str]]:
    """The per-step inputs and outputs of one RNN that reads ``source`` and then writes
    ``target``: no output while reading, a blank input marks the end of the source, a blank
    output marks the end of the translation. Rows are ``(step, input, output)``; an empty
    string means "nothing"."""
    rows = [(t + 1, token, "") for t, token in enumerate(source)]
    outputs = list(target) + [BLANK]
    for j, token in enumerate(outputs):
        rows.append((len(source) + j + 1, BLANK if j == 0 else "", token))
    return rows


# ---------------------------------------------------------------------------------------------
# chapter 3: exploding gradients and clipping
# ---------------------------------------------------------------------------------------------
def clipping_model(init_scale: float = 2.0, n: int = 16, length: int = 10, seed: int = 0):
    """A tanh vanilla RNN with a readout for the adding problem, its weights ``init_scale``
    times the ``sqrt(3/n)`` uniform range (above the edge, so gradients grow backwards)."""
    from ..model import Model
    from ..tasks import AddingTask

    task = AddingTask(length)
    rng = np.random.default_rng(seed)
    cell = VanillaRNN(task.n_in, n, rng, init="uniform", init_scale=init_scale)
    return Model(cell, task.n_out, rng), task
