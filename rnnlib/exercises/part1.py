"""Checks for the exercises of Part I (chapters 1-3). Each ``check_...`` prints whether the
answer is right and, if not, what differs; it returns True or False."""

from __future__ import annotations

import numpy as np

from ..cells import ACTIVATION_GAMMA, VanillaRNN
from . import compare


# -- chapter 1 --------------------------------------------------------------------------------
def check_vanilla_step(step_fn) -> bool:
    """``step_fn(W, U, b, s, x)`` must return ``tanh(W s + U x + b)`` for a batch: ``s`` is
    (B, n), ``x`` is (B, m), weights in the math's shapes. Compared with ``VanillaRNN.step``
    on random numbers (every parameter random, the bias too)."""
    rng = np.random.default_rng(123)
    cell = VanillaRNN(3, 5, rng)
    cell.params["b"] = rng.normal(size=5)
    s, x = rng.normal(size=(4, 5)), rng.normal(size=(4, 3))
    p = cell.params
    try:
        got = step_fn(p["W"].copy(), p["U"].copy(), p["b"].copy(), s.copy(), x.copy())
    except Exception as err:  # noqa: BLE001 (any error in the reader's code: say it plainly)
        print(f"vanilla step: not yet. Your function raised {type(err).__name__}: {err}")
        return False
    return compare("vanilla step", got, cell.step(p, s, x))


def check_schedule_length(source_words: int, target_words: int, answer: int) -> bool:
    """The number of time steps one RNN needs to read ``source_words`` tokens, see the blank
    that ends the source, and write ``target_words`` tokens followed by a blank."""
    expected = source_words + target_words + 1
    return compare("number of time steps", answer, expected, rtol=0, atol=0)


# -- chapter 2 --------------------------------------------------------------------------------
def check_uniform_range(n: int, r: float) -> bool:
    """``r`` such that entries drawn from Uniform[-r, r] give each column of an n-by-n matrix
    an expected squared norm of 1."""
    return compare(f"uniform range for n = {n}", r, np.sqrt(3.0 / n))


def check_bound(W, activation: str, k: int, answer: float) -> bool:
    """The bound ``||gamma W||_2^k`` on ``||ds_{t+k}/ds_t||`` for this ``W`` and activation."""
    gamma = ACTIVATION_GAMMA[activation]
    expected = (gamma * np.linalg.norm(np.asarray(W, dtype=float), 2)) ** k
    return compare(f"bound for {activation}, k = {k}", answer, expected, rtol=1e-6)


# -- chapter 3 --------------------------------------------------------------------------------
def bptt_exercise(seed: int = 7):
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
    ``rnnlib.vanilla_bptt``."""
    from ..vanilla_bptt import vanilla_bptt

    cell, xs, dL_dout = bptt_exercise(seed)
    expected, _ = vanilla_bptt(cell, xs, dL_dout)
    missing = sorted(set(expected) - set(grads))
    if missing:
        print(f"BPTT gradients: not yet. Missing {missing}; expected keys {sorted(expected)}.")
        return False
    verdicts = [compare(f"dL/d{k}", grads[k], expected[k]) for k in ("W", "U", "b")]  # all print
    return all(verdicts)


def check_min_truncation(delay: int, answer: int) -> bool:
    """The shortest window length k for which some window holds both a symbol and the step
    ``delay`` later where it must be recalled."""
    return compare(f"shortest useful window for delay {delay}", answer, delay + 1, rtol=0, atol=0)
