"""The per-step terms of backpropagation through time (chapter 3): computation, figure, checks.

``dL/dW`` of a vanilla RNN is a sum of one term per step (the same ``W`` is used at every
step)::

    dL/dW = sum_t g_t s_{t-1}^T,   g_t = phi'(a_t) * dL/ds_t   (B, n) per step,

with ``dL/ds_t`` the *total* gradient reaching ``s_t``, which
:func:`rnnlib.bptt_by_hand.vanilla_bptt` computes (its ``state_grads``). This module holds

* :func:`per_step_contributions`: the T terms ``g_t s_{t-1}^T``, taken from ``vanilla_bptt``;
* :func:`last_step_problem`: a tanh RNN with a loss on its last state only;
* :func:`recent_early_split`, :func:`random_cosines`: how the recent terms' sum compares with
  the earlier terms' sum, in size and in direction, against the cosine of random vectors;
* :func:`plot_contributions`: the figure of the terms' sizes against t;
* :func:`bptt_exercise`, :func:`check_bptt_grads`: exercise 1, gradients by a hand-written
  reverse loop.
"""

from __future__ import annotations

import numpy as np

from ..bptt_by_hand import PHI_PRIME, vanilla_bptt
from ..cells import VanillaRNN
from ..unroll import bptt, run
from .judge import as_array, judge
from .sensitivity import vanilla_with_norm
from .style import BLUE, describe, log_axis, new_figure


# ---------------------------------------------------------------------------------------------
# the per-step terms of dL/dW
# ---------------------------------------------------------------------------------------------
def per_step_contributions(cell: VanillaRNN, xs: np.ndarray, dL_dout: np.ndarray) -> np.ndarray:
    """The term of each step in ``dL/dW``: ``g_t^T s_{t-1}`` summed over the batch, with
    ``g_t = phi'(a_t) * dL/ds_t`` and ``dL/ds_t`` the total gradient reaching ``s_t``
    (``vanilla_bptt``'s ``state_grads``). ``xs`` (T, B, n_in), ``dL_dout`` (T, B, n).
    Returns (T, n, n); index ``t - 1`` is step t, and the terms sum to ``dL/dW``."""
    _, state_grads = vanilla_bptt(cell, xs, dL_dout)  # (T + 1, B, n)
    s = run(cell, xs).state_array()  # (T + 1, B, n); s[0] the initial state
    g = state_grads[1:] * PHI_PRIME[cell.activation](s[1:])  # (T, B, n): dL/da_t
    return np.einsum("tbi,tbj->tij", g, s[:-1])


def last_step_problem(
    seed: int, T: int = 30, n: int = 32, n_in: int = 4, B: int = 8, norm: float = 1.0
) -> tuple[VanillaRNN, np.ndarray, np.ndarray]:
    """A tanh RNN (orthogonal W rescaled to ``||W||_2 = norm``), random inputs ``xs``
    (T, B, n_in) and a loss on the last state only: ``dL_dout`` (T, B, n) is zero but for a
    random ``dL/ds_T``. Returns ``(cell, xs, dL_dout)``, all drawn from ``default_rng(seed)``."""
    rng = np.random.default_rng(seed)
    cell = vanilla_with_norm(n_in, n, norm, rng, "tanh", "orthogonal")
    xs = rng.normal(size=(T, B, n_in))
    dL = np.zeros((T, B, n))
    dL[-1] = rng.normal(size=(B, n))
    return cell, xs, dL


def recent_early_split(
    seed: int,
    T: int = 30,
    n: int = 32,
    n_in: int = 4,
    B: int = 8,
    recent: int = 5,
    norm: float = 1.0,
) -> dict[str, float | np.ndarray]:
    """The terms of dL/dW for :func:`last_step_problem` (same arguments). Returns ``parts``
    (T, n, n) the terms, ``sizes`` (T,) the norm of each, ``size_ratio``
    ``||recent sum|| / ||earlier sum||`` and ``cosine`` between the sum of the last ``recent``
    terms and the sum of the others."""
    if not 0 < recent < T:
        raise ValueError(f"recent must lie in 1..T-1 = 1..{T - 1}, got {recent}")
    cell, xs, dL = last_step_problem(seed, T, n, n_in, B, norm)
    parts = per_step_contributions(cell, xs, dL)  # (T, n, n)
    late, early = parts[-recent:].sum(axis=0), parts[:-recent].sum(axis=0)
    size_late, size_early = np.linalg.norm(late), np.linalg.norm(early)
    return {
        "parts": parts,
        "sizes": np.linalg.norm(parts, axis=(1, 2)),
        "size_ratio": float(size_late / size_early),
        "cosine": float((late * early).sum() / (size_late * size_early)),
    }


def random_cosines(dim: int, draws: int = 2000, seed: int = 0) -> np.ndarray:
    """Cosines between ``draws`` pairs of independent standard normal vectors of size ``dim``:
    what "unrelated directions" look like in that dimension (spread about 1/sqrt(dim))."""
    rng = np.random.default_rng(seed)
    a, b = rng.standard_normal((2, draws, dim))
    return (a * b).sum(-1) / (np.linalg.norm(a, axis=-1) * np.linalg.norm(b, axis=-1))


def plot_contributions(norms: np.ndarray, ax=None):
    """The size of each step's term of ``dL/dW``, ``||g_t s_{t-1}^T||`` (T,), against the step
    t = 1..T, on a log scale. A zero term (step 1 when ``s_0 = 0``) is left out: a log axis
    cannot show it. Returns the figure."""
    norms = np.asarray(norms, dtype=np.float64)
    if norms.ndim != 1 or norms.size < 2:
        raise ValueError(
            f"norms must be a 1-d array of at least 2 sizes (one per step), got shape {norms.shape}"
        )
    fig, ax = new_figure(ax, figsize=(6.4, 3.4))
    t = np.arange(1, len(norms) + 1)
    drawn = norms > 0
    ax.plot(t[drawn], norms[drawn], color=BLUE, marker="o", markersize=3)
    log_axis(ax, "y")
    ax.set_xlabel("time step t (the loss is read at the last step)")
    ax.set_ylabel(r"$\|g_t\, s_{t-1}^\top\|$")
    ax.set_title("dL/dW is a sum over steps; steps far from the loss add almost nothing")
    first = int(t[drawn][0])
    zero = "" if drawn.all() else f" (step {int(t[~drawn][0])}'s term is zero and not drawn)"
    return describe(
        fig,
        (
            f"Line plot of the size of each step's term of dL/dW (log scale) against the step t = "
            f"{first} to {len(norms)}{zero}: the term grows from {norms[drawn][0]:.1e} at step "
            f"{first} to {norms[-1]:.1e} at the last step, {norms[-1] / norms[drawn][0]:.0f} times "
            f"larger, so the steps near the loss dominate the sum."
        ),
    )


# ---------------------------------------------------------------------------------------------
# exercise 1: the gradients by your own reverse loop
# ---------------------------------------------------------------------------------------------
def bptt_exercise(seed: int = 7) -> tuple[VanillaRNN, np.ndarray, np.ndarray]:
    """A small problem for the BPTT exercise: ``(cell, xs (4, 1, 2), dL_dout (4, 1, 3))``,
    a loss that puts gradient ``dL_dout[t-1]`` on each output ``s_t``."""
    rng = np.random.default_rng(seed)
    cell = VanillaRNN(2, 3, rng)
    cell.params["b"] = rng.normal(scale=0.5, size=3)
    xs = rng.normal(size=(4, 1, 2))
    dL_dout = rng.normal(size=(4, 1, 3))
    return cell, xs, dL_dout


def check_bptt_grads(grads: dict, seed: int = 7) -> bool:
    """Your ``{"W": ..., "U": ..., "b": ...}`` for :func:`bptt_exercise` against
    ``rnnlib.bptt_by_hand.vanilla_bptt``; says which are right and, for the others, a hint."""
    if not isinstance(grads, dict):
        print(
            f"BPTT gradients: not yet. Expected a dict with keys 'W', 'U', 'b'; got "
            f"{type(grads).__name__}."
        )
        return False
    cell, xs, dL_dout = bptt_exercise(seed)
    expected, _ = vanilla_bptt(cell, xs, dL_dout)
    missing = sorted(set(expected) - set(grads))
    if missing:
        print(f"BPTT gradients: not yet. Missing {missing}; expected keys {sorted(expected)}.")
        return False
    if all(np.all(np.asarray(grads[key]) == 0) for key in ("W", "U", "b")):
        print(
            "BPTT gradients: not yet. All your gradients are zero: write the reverse loop\n"
            "for delta_t, then sum g_t s_{t-1}^T, g_t x_t^T and g_t over the steps."
        )
        return False
    # A common slip: each step's direct term only, no W^T term from the step after. That is
    # truncated BPTT with windows of one step.
    local = bptt(
        cell, xs, lambda out, window, extra: (out * dL_dout[window]).sum(), truncate=1
    ).grads
    verdicts = []
    for key in ("W", "U", "b"):
        name = f"dL/d{key}"
        got = as_array(name, grads[key], expected[key].shape)
        if got is None:
            verdicts.append(False)
            continue
        slips = {
            "direct only": (
                local[key],
                "Only the direct term of each step is in: delta_t must "
                "also collect W^T (phi'(a_{t+1}) * delta_{t+1}) from the step after.",
            ),
            "sign": (-expected[key], "The sign is flipped."),
        }
        verdicts.append(
            judge(
                name,
                got,
                expected[key],
                near=slips,
                hint=(
                    "Check the order of the loop (from t = T down to 1), the factor phi'(a_t) = "
                    "1 - s_t^2, and which state or input multiplies g_t."
                ),
            )
        )
    return all(verdicts)
