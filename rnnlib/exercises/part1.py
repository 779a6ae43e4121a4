"""Checks for the exercises of Part I (chapters 1-3). Each ``check_...`` prints whether the
answer is right and, if not, a hint; it never prints the expected value. It returns True or
False."""

from __future__ import annotations

import numpy as np

from ..cells import ACTIVATION_GAMMA, VanillaRNN


def _verdict(name: str, ok: bool, hint: str = "") -> bool:
    """Print ``name: correct.`` or ``name: not yet. <hint>``; return ``ok``."""
    print(f"{name}: correct." if ok else f"{name}: not yet. {hint}".rstrip())
    return bool(ok)


def _as_array(name: str, answer, shape: tuple[int, ...]) -> np.ndarray | None:
    """``answer`` as a float array of ``shape``, or None after printing what is wrong with it
    (its shape is said, the expected one too: a shape is not the answer)."""
    try:
        got = np.asarray(answer, dtype=np.float64)
    except (TypeError, ValueError):
        print(f"{name}: not yet. Expected an array of numbers, got {type(answer).__name__}.")
        return None
    if got.shape != shape:
        print(f"{name}: not yet. Your answer has shape {got.shape}; it should have shape {shape}.")
        return None
    if not np.all(np.isfinite(got)):
        print(f"{name}: not yet. Your answer contains NaN or inf.")
        return None
    return got


def _close(got, want, rtol: float = 1e-6, atol: float = 1e-9) -> bool:
    return bool(np.allclose(got, want, rtol=rtol, atol=atol))


def _number(name: str, answer) -> float | None:
    """``answer`` as one finite float, or None after saying why it is not one."""
    try:
        value = float(np.asarray(answer, dtype=np.float64).reshape(()))
    except (TypeError, ValueError):
        print(f"{name}: not yet. Expected one number, got {answer!r}.")
        return None
    if not np.isfinite(value):
        print(f"{name}: not yet. Your answer is {value}; expected a finite number.")
        return None
    return value


# -- chapter 1 --------------------------------------------------------------------------------
def check_vanilla_step(step_fn) -> bool:
    """``step_fn(W, U, b, s, x)`` must return ``tanh(W s + U x + b)`` for a batch: ``s`` is
    (B, n), ``x`` is (B, m), weights in the math's shapes. Compared with ``VanillaRNN.step``
    on random numbers (every parameter random, the bias too)."""
    name = "vanilla step"
    if not callable(step_fn):
        print(f"{name}: not yet. Pass your function itself, e.g. check_vanilla_step(my_step); "
              f"got {type(step_fn).__name__}.")
        return False
    rng = np.random.default_rng(123)
    cell = VanillaRNN(3, 5, rng)
    cell.params["b"] = rng.normal(size=5)
    s, x = rng.normal(size=(4, 5)), rng.normal(size=(4, 3))
    p = cell.params
    W, U, b = p["W"], p["U"], p["b"]
    try:
        got = step_fn(W.copy(), U.copy(), b.copy(), s.copy(), x.copy())
    except Exception as err:  # noqa: BLE001 (any error in the reader's code: say it plainly)
        print(f"{name}: not yet. Your function raised {type(err).__name__}: {err}")
        return False
    if got is None:
        return _verdict(name, False, "Your function returned None: did you forget `return`?")
    got = _as_array(name, got, (4, 5))
    if got is None:
        return False
    if _close(got, cell.step(p, s, x)):
        return _verdict(name, True)
    # Common slips, recognised by what they compute.
    slips = [
        (np.tanh(s @ W + x @ U.T + b),
         "The state term uses W transposed: with states as rows, W s becomes s @ W.T."),
        (s @ W.T + x @ U.T + b, "The values are not squashed: apply tanh to the sum."),
        (np.tanh(s @ W.T + x @ U.T), "The bias b is missing."),
        (np.tanh(s @ W.T + b), "The input term U x is missing."),
        (np.tanh(x @ U.T + b), "The state term W s is missing."),
    ]
    for value, hint in slips:
        if _close(got, value):
            return _verdict(name, False, hint)
    return _verdict(name, False, "Compare each term with s_t = tanh(W s_{t-1} + U x_t + b); "
                                 "states and inputs are rows, so products use W.T and U.T.")


def check_schedule_length(source_words: int, target_words: int, answer: int) -> bool:
    """The number of time steps one RNN needs to read ``source_words`` tokens, see the blank
    that ends the source, and write ``target_words`` tokens followed by a blank."""
    name = "number of time steps"
    value = _number(name, answer)
    if value is None:
        return False
    expected = source_words + target_words + 1
    if value == expected:
        return _verdict(name, True)
    if value < expected:
        hint = ("Too few. Count the reading steps, the step that receives the blank (it already "
                "emits the first word), the other writing steps, and the step that emits the "
                "closing blank.")
    else:
        hint = ("Too many. The step that receives the blank input also emits the first word "
                "of the translation: it is one step, not two.")
    return _verdict(name, False, hint)


# -- chapter 2 --------------------------------------------------------------------------------
def check_uniform_range(n: int, r: float) -> bool:
    """``r`` such that entries drawn from Uniform[-r, r] give each column of an n-by-n matrix
    an expected squared norm of 1."""
    name = f"uniform range for n = {n}"
    value = _number(name, r)
    if value is None:
        return False
    expected = np.sqrt(3.0 / n)
    if _close(value, expected):
        return _verdict(name, True)
    if _close(value, 3.0 / n):
        hint = "Your r squared would be right: take the square root."
    elif _close(value, np.sqrt(1.0 / n)):
        hint = ("That is the standard deviation for variance 1/n; a Uniform[-r, r] entry has "
                "variance r^2 / 3, not r^2.")
    else:
        hint = ("Write the variance of one Uniform[-r, r] entry, multiply by the n entries of a "
                "column, set that to 1 and solve for r.")
    return _verdict(name, False, hint)


def check_bound(W, activation: str, k: int, answer: float) -> bool:
    """The bound ``||gamma W||_2^k`` on ``||ds_{t+k}/ds_t||`` for this ``W`` and activation."""
    if activation not in ACTIVATION_GAMMA:
        raise ValueError(f"activation must be one of {sorted(ACTIVATION_GAMMA)}, got "
                         f"{activation!r}")
    name = f"bound for {activation}, k = {k}"
    value = _number(name, answer)
    if value is None:
        return False
    W = np.asarray(W, dtype=float)
    gamma = ACTIVATION_GAMMA[activation]
    expected = (gamma * np.linalg.norm(W, 2)) ** k
    if _close(value, expected, rtol=1e-6, atol=0):
        return _verdict(name, True)
    others = {gamma_other for act, gamma_other in ACTIVATION_GAMMA.items() if act != activation}
    if any(_close(value, (g * np.linalg.norm(W, 2)) ** k, atol=0) for g in others):
        hint = f"Check gamma, the largest slope of {activation}: it is the derivative at 0."
    elif _close(value, (gamma * np.linalg.norm(W, "fro")) ** k, atol=0):
        hint = ("That uses the Frobenius norm; the bound needs the operator 2-norm, the largest "
                "singular value: np.linalg.norm(W, 2).")
    elif _close(value, (gamma * np.abs(np.linalg.eigvals(W)).max()) ** k, atol=0):
        hint = ("That uses the spectral radius (largest |eigenvalue|); the bound needs the "
                "largest singular value: np.linalg.norm(W, 2).")
    elif _close(value, gamma * np.linalg.norm(W, 2), atol=0):
        hint = f"That is the bound for one step; raise it to the power k = {k}."
    else:
        hint = "The bound is (gamma * ||W||_2) ** k, with ||W||_2 the largest singular value."
    return _verdict(name, False, hint)


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
    ``rnnlib.bptt_by_hand.vanilla_bptt``; says which are right and, for the others, a hint."""
    from ..bptt_by_hand import vanilla_bptt

    if not isinstance(grads, dict):
        print(f"BPTT gradients: not yet. Expected a dict with keys 'W', 'U', 'b'; got "
              f"{type(grads).__name__}.")
        return False
    cell, xs, dL_dout = bptt_exercise(seed)
    expected, _ = vanilla_bptt(cell, xs, dL_dout)
    missing = sorted(set(expected) - set(grads))
    if missing:
        print(f"BPTT gradients: not yet. Missing {missing}; expected keys {sorted(expected)}.")
        return False
    # A common slip: each step's direct term only, no W^T term from the step after. That is
    # truncated BPTT with windows of one step.
    from ..unroll import bptt

    local = bptt(cell, xs, lambda out, window, extra: (out * dL_dout[window]).sum(),
                 truncate=1).grads
    if all(np.all(np.asarray(grads[key]) == 0) for key in ("W", "U", "b")):
        print("BPTT gradients: not yet. All your gradients are zero: write the reverse loop "
              "for delta_t, then sum g_t s_{t-1}^T, g_t x_t^T and g_t over the steps.")
        return False
    verdicts = []
    for key in ("W", "U", "b"):
        name = f"dL/d{key}"
        got = _as_array(name, grads[key], expected[key].shape)
        if got is None:
            verdicts.append(False)
            continue
        if _close(got, expected[key]):
            verdicts.append(_verdict(name, True))
        elif _close(got, local[key]):
            verdicts.append(_verdict(name, False, "Only the direct term of each step is in: "
                                     "delta_t must also collect W^T (phi'(a_{t+1}) * "
                                     "delta_{t+1}) from the step after."))
        elif _close(got, -expected[key]):
            verdicts.append(_verdict(name, False, "The sign is flipped."))
        else:
            verdicts.append(_verdict(name, False, "Check the order of the loop (from t = T "
                                     "down to 1), the factor phi'(a_t) = 1 - s_t^2, and which "
                                     "state or input multiplies g_t."))
    return all(verdicts)


def check_min_truncation(delay: int, answer: int) -> bool:
    """The shortest window length k for which some window holds both a symbol and the step
    ``delay`` later where it must be recalled."""
    name = f"shortest useful window for delay {delay}"
    value = _number(name, answer)
    if value is None:
        return False
    expected = delay + 1
    if value == expected:
        return _verdict(name, True)
    hint = ("Too short: " if value < expected else "Longer windows work too, but that is not "
            "the shortest: ")
    hint += (f"count the steps from the input at step t to the target at step t + {delay}, "
             "both included.")
    return _verdict(name, False, hint)
