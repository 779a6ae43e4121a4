"""Checks for the exercises of Part II (chapters 4 to 6).

Each ``*_data()`` gives the numbers of an exercise; each ``check_*`` prints whether an answer is
right and, if not, a hint (via :func:`rnnlib.exercises.judge.judge`), never the expected value.
"""

from __future__ import annotations

import numpy as np

from ..autograd import sigmoid
from ..cells import make_cell
from .judge import judge


def gate_data() -> dict:
    """Chapter 4: a small prototype LSTM (n=3, m=2), a state ``s`` and an input ``x``."""
    rng = np.random.default_rng(42)
    cell = make_cell("prototype", 2, 3, rng)
    for k in ("b_i", "b_f", "b_o", "b"):
        cell.params[k] = np.round(rng.normal(size=3), 2)
    return {"params": cell.params, "s": np.array([[0.5, -1.0, 2.0]]), "x": np.array([[1.0, -0.5]])}


def check_write_gate(answer) -> bool:
    """Chapter 4: the write gate ``i`` (shape (1, 3)) for :func:`gate_data`.

    Prints right or wrong and, when wrong, a hint (never the expected value).
    """
    d = gate_data()
    p, s, x = d["params"], d["s"], d["x"]
    expected = sigmoid(s @ p["W_i"].T + x @ p["U_i"].T + p["b_i"])
    return judge("write gate i", answer, expected,
                 hint="i = sigma(W_i s + U_i x + b_i), one number per state element; with the "
                      "state as a row, W_i s is s @ W_i.T.",
                 near={"no bias": (sigmoid(s @ p["W_i"].T + x @ p["U_i"].T),
                                   "Close: the bias b_i is missing."),
                       "not transposed": (sigmoid(s @ p["W_i"] + x @ p["U_i"].T + p["b_i"]),
                                          "W_i s for a row s is s @ W_i.T, not s @ W_i."),
                       "no sigmoid": (s @ p["W_i"].T + x @ p["U_i"].T + p["b_i"],
                                      "A gate is squashed into (0, 1) by the sigmoid."),
                       "keep gate": (sigmoid(s @ p["W_f"].T + x @ p["U_f"].T + p["b_f"]),
                                     "That is the keep gate f; the write gate uses W_i, U_i, b_i.")})


def check_prototype_step(answer) -> bool:
    """Chapter 4: the new state ``s_t`` (shape (1, 3)) of the prototype for :func:`gate_data`.

    Prints right or wrong and, when wrong, a hint (never the expected value).
    """
    d = gate_data()
    p, s, x = d["params"], d["s"], d["x"]
    cell = make_cell("prototype", 2, 3, np.random.default_rng(0))
    i, f, o = (sigmoid(s @ p[f"W_{g}"].T + x @ p[f"U_{g}"].T + p[f"b_{g}"]) for g in "ifo")
    return judge("prototype s_t", answer, cell.step(p, s, x),
                 hint="Compute i, f, o from s and x, the candidate tanh(W (o * s) + U x + b), "
                      "then s_t = f * s + i * candidate.",
                 near={"no read": (f * s + i * np.tanh(s @ p["W"].T + x @ p["U"].T + p["b"]),
                                   ("The candidate must see the state through the read gate: "
                                    "W (o * s), not W s.")),
                       "swapped": (i * s + f * np.tanh((o * s) @ p["W"].T + x @ p["U"].T + p["b"]),
                                   ("The keep gate f multiplies the old state and the write "
                                    "gate i the candidate, not the other way round."))})


def gru_data() -> dict:
    """Chapter 5: a GRU (tutorial form, n=3, m=2), a state and an input."""
    rng = np.random.default_rng(7)
    cell = make_cell("gru", 2, 3, rng)
    for k in ("b_r", "b_z", "b"):
        cell.params[k] = np.round(rng.normal(size=3), 2)
    return {"params": cell.params, "s": np.array([[0.3, -0.8, 0.9]]), "x": np.array([[-1.0, 2.0]])}


def check_gru_step(answer) -> bool:
    """Chapter 5: the GRU's new state (shape (1, 3)) for :func:`gru_data`.

    Prints right or wrong and, when wrong, a hint (never the expected value).
    """
    d = gru_data()
    p, s, x = d["params"], d["s"], d["x"]
    cell = make_cell("gru", 2, 3, np.random.default_rng(0))
    r = sigmoid(s @ p["W_r"].T + x @ p["U_r"].T + p["b_r"])
    z = sigmoid(s @ p["W_z"].T + x @ p["U_z"].T + p["b_z"])
    cand = np.tanh((r * s) @ p["W"].T + x @ p["U"].T + p["b"])
    return judge("GRU s_t", answer, cell.step(p, s, x),
                 hint="Compute r and z, the candidate tanh(W (r * s) + U x + b), then "
                      "s_t = z * s + (1 - z) * candidate (eq-gru-state).",
                 near={"swapped z": ((1 - z) * s + z * cand,
                                     ("In this book's GRU z weighs the old state and 1 - z "
                                      "the candidate; you swapped them.")),
                       "no reset": (z * s + (1 - z) * np.tanh(s @ p["W"].T + x @ p["U"].T + p["b"]),
                                    "The candidate must see the state through r: W (r * s).")})


def check_max_state(answer, T: int = 50) -> bool:
    """Chapter 5: the largest |s_t| one element of the prototype can reach after T steps from 0.

    Prints right or wrong and, when wrong, a hint (never the expected value).
    """
    return judge(f"largest |s_{T}|", answer, float(T),
                 hint="Bound one step: how much can f * s_{t-1} keep, and how large can "
                      "i * candidate be, when every gate is in (0, 1) and the candidate is a tanh?",
                 near={"GRU": (1.0, ("That is the GRU's bound; the prototype adds instead of "
                                     "averaging."))})


def peephole_data() -> dict:
    """Chapter 6: a peephole LSTM (n=3, m=2), a state (c, h) and an input."""
    rng = np.random.default_rng(11)
    cell = make_cell("peephole", 2, 3, rng)
    for k in ("b_i", "b_f", "b_o", "b", "p_i", "p_f", "p_o"):
        cell.params[k] = np.round(rng.normal(size=3), 2)
    return {"params": cell.params, "c": np.array([[1.5, -0.4, 0.2]]),
            "h": np.array([[0.1, -0.3, 0.6]]), "x": np.array([[0.5, 1.0]])}


def check_peephole_step(answer) -> bool:
    """Chapter 6: ``h_t`` (shape (1, 3)) of the peephole LSTM for :func:`peephole_data`.

    Prints right or wrong and, when wrong, a hint (never the expected value).
    """
    d = peephole_data()
    cell = make_cell("peephole", 2, 3, np.random.default_rng(0))
    _, h = cell.step(d["params"], (d["c"], d["h"]), d["x"])
    p, c_prev, h_prev, x = d["params"], d["c"], d["h"], d["x"]
    # a typical slip: the read gate looks at c_{t-1} instead of the new c_t
    c_new, _ = cell.step(p, (c_prev, h_prev), x)
    o_old = sigmoid(h_prev @ p["W_o"].T + x @ p["U_o"].T + p["p_o"] * c_prev + p["b_o"])
    # another: no peepholes at all (the basic LSTM's step)
    basic = make_cell("lstm", 2, 3, np.random.default_rng(0))
    _, h_basic = basic.step({k: v for k, v in p.items() if not k.startswith("p_")},
                            (c_prev, h_prev), x)
    return judge("peephole h_t", answer, h,
                 hint="Compute i and f with p_i * c_{t-1} and p_f * c_{t-1}, the new c_t, then "
                      "o from p_o * c_t, and h_t = o * tanh(c_t).",
                 near={"old c": (o_old * np.tanh(c_new), ("Your read gate looked at c_{t-1}; "
                                 "in eq-peephole o_t sees the new cell state c_t.")),
                       "no peepholes": (h_basic, ("This is the basic LSTM's h_t: the peephole "
                                        "terms p_i, p_f, p_o are missing."))})


def check_forget_bias(answer, steps: int = 100, kept: float = 0.5) -> bool:
    """Chapter 6: the forget bias b with ``sigma(b) ** steps == kept`` (other weights zero).

    The carousel path alone: ``dL/dc_0 = prod f_t * dL/dc_steps`` with every ``f_t = sigma(b)``.
    Prints right or wrong and, when wrong, a hint (never the expected value).
    """
    f = kept ** (1.0 / steps)
    hint = (f"Solve sigma(b)^{steps} = {kept}: first find f = sigma(b), then invert the "
            "sigmoid, b = log(f / (1 - f)).")
    try:
        b = float(answer)
    except (TypeError, ValueError):
        b = None
    if b is not None and np.isfinite(b):  # say what the reader's bias keeps, and which way to go
        keeps = float(np.exp(-steps * np.logaddexp(0.0, -b)))  # sigma(b)^steps, without underflow
        way = "a larger bias" if keeps < kept else "a smaller bias"
        hint = (f"With b = {b:g} the carousel keeps {keeps:.3g} of the gradient after {steps} "
                f"steps; {way} is needed. " + hint)
    return judge("forget bias", answer, np.log(f / (1.0 - f)), rtol=1e-3, atol=0.0, hint=hint,
                 near={"f": (f, ("That is the keep gate f itself; the question asks for "
                                "the bias b with sigma(b) = f."))})
