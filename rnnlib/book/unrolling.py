"""Chapter 1 (the RNN cell): the loop and its unrolled drawing, the encoder-decoder schedule,
and the checks of the chapter's exercises.

An RNN is one cell ``(s_{t-1}, x_t) -> (s_t, y_t)`` applied at every step with the same weights;
the vanilla cell is ``s_t = tanh(W s_{t-1} + U x_t + b)`` (:class:`rnnlib.VanillaRNN`). A reader
who reads a source of S tokens and writes a translation of T tokens takes S + T + 1 steps: the
step that receives the blank after the source already emits the first word, and one more step
emits the closing blank.

Holds: :func:`plot_loop_and_unrolled` (the figure), :func:`translation_schedule` (the table),
:func:`check_vanilla_step` and :func:`check_schedule_length` (exercise checks).
"""

from __future__ import annotations

import numpy as np

from ..cells import random_cell
from .judge import judge, number, verdict
from .style import BLUE, GREY, describe, figure

BLANK = "_"


# ---------------------------------------------------------------------------------------------
# the loop and the unrolled view
# ---------------------------------------------------------------------------------------------
def _box(ax, x, y, w, h, text, color):
    from matplotlib.patches import FancyBboxPatch

    ax.add_patch(
        FancyBboxPatch(
            (x - w / 2, y - h / 2),
            w,
            h,
            boxstyle="round,pad=0.02",
            facecolor=color,
            edgecolor="black",
            linewidth=1.2,
        )
    )
    ax.text(x, y, text, ha="center", va="center")


def _arrow(ax, start, end, color="black"):
    from matplotlib.patches import FancyArrowPatch

    ax.add_patch(
        FancyArrowPatch(
            start,
            end,
            arrowstyle="-|>",
            mutation_scale=14,
            color=color,
            linewidth=1.4,
            shrinkA=0,
            shrinkB=0,
        )
    )


def plot_loop_and_unrolled(T: int = 4, ax=None):
    """The same RNN twice: one cell whose state loops back (left), and the cell copied once per
    time step with the state passed along (right), for ``T`` steps. Returns the figure."""
    if isinstance(T, bool) or not isinstance(T, (int, np.integer)) or not 1 <= T <= 8:
        raise ValueError(f"T must be an integer from 1 to 8 (steps drawn); got {T!r}")
    if ax is None:
        fig, ax = figure(figsize=(9.0, 3.3))
    else:
        fig = ax.figure
    x0, dx = 5.4, 1.9  # centre of the first unrolled cell, spacing
    ax.set_xlim(-0.2, x0 + dx * (T - 1) + 0.8)
    ax.set_ylim(-0.2, 3.4)
    ax.set_aspect("equal")
    ax.axis("off")
    cell_fill, io_fill = "#dbe9f6", "#fdebd3"
    # left: the single-cell loop
    _box(ax, 0.9, 1.5, 1.1, 0.8, "cell", cell_fill)
    _box(ax, 0.9, 0.2, 0.7, 0.4, r"$x_t$", io_fill)
    _box(ax, 0.9, 2.8, 0.7, 0.4, r"$y_t$", io_fill)
    _arrow(ax, (0.9, 0.4), (0.9, 1.1))
    _arrow(ax, (0.9, 1.9), (0.9, 2.6))
    ax.plot([1.45, 1.95, 1.95], [1.7, 1.7, 1.3], color=BLUE, linewidth=1.4)  # out, down ...
    _arrow(ax, (1.95, 1.3), (1.45, 1.3), color=BLUE)  # ... and back in
    ax.text(2.05, 1.5, "new state $s_t$\nreplaces $s_{t-1}$", color=BLUE, va="center")
    ax.text(0.9, 3.3, "single-cell loop", ha="center", weight="bold")
    ax.plot([3.55, 3.55], [0.0, 3.3], color=GREY, linewidth=0.8, linestyle=":")
    # right: unrolled
    ax.text(
        x0 + dx * (T - 1) / 2,
        3.3,
        f"unrolled over {T} steps (the same weights in every copy)",
        ha="center",
        weight="bold",
    )
    _box(ax, x0 - 1.3, 1.5, 0.55, 0.45, r"$s_0$", "#eeeeee")
    for t in range(1, T + 1):
        x = x0 + dx * (t - 1)
        _box(ax, x, 1.5, 1.1, 0.8, "cell", cell_fill)
        _box(ax, x, 0.2, 0.7, 0.4, f"$x_{t}$", io_fill)
        _box(ax, x, 2.8, 0.7, 0.4, f"$y_{t}$", io_fill)
        _arrow(ax, (x, 0.4), (x, 1.1))
        _arrow(ax, (x, 1.9), (x, 2.6))
        start = x0 - 1.3 + 0.3 if t == 1 else x - dx + 0.55
        _arrow(ax, (start, 1.5), (x - 0.55, 1.5), color=BLUE)
        ax.text((start + x - 0.55) / 2, 1.6, f"$s_{t - 1}$", color=BLUE, ha="center")
    return describe(
        fig,
        (
            f"Diagram of one RNN drawn two ways. Left: a single cell with input x_t below, output "
            f"y_t above, and its new state s_t looping back to replace s_(t-1). Right: the same "
            f"cell copied for {T} time steps, inputs x_1 to x_{T} below, outputs y_1 to y_{T} "
            "above, "
            f"the state passed from copy to copy, starting from s_0."
        ),
    )


# ---------------------------------------------------------------------------------------------
# time steps: the encoder-decoder schedule
# ---------------------------------------------------------------------------------------------
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
# exercise checks
# ---------------------------------------------------------------------------------------------
def check_vanilla_step(step_fn) -> bool:
    """``step_fn(W, U, b, s, x)`` must return ``tanh(W s + U x + b)`` for a batch: ``s`` is
    (B, n), ``x`` is (B, m), weights in the math's shapes. Compared with ``VanillaRNN.step``
    on random numbers (every parameter random, the bias too: :func:`rnnlib.random_cell`)."""
    name = "vanilla step"
    if not callable(step_fn):
        print(
            f"{name}: not yet. Pass your function itself, e.g. check_vanilla_step(my_step); "
            f"got {type(step_fn).__name__}."
        )
        return False
    rng = np.random.default_rng(123)
    cell = random_cell("vanilla", 3, 5, rng, scale=0.5)
    s, x = rng.normal(size=(4, 5)), rng.normal(size=(4, 3))
    p = cell.params
    W, U, b = p["W"], p["U"], p["b"]
    try:
        got = step_fn(W.copy(), U.copy(), b.copy(), s.copy(), x.copy())
    except Exception as err:  # noqa: BLE001 (any error in the reader's code: say it plainly)
        print(f"{name}: not yet. Your function raised {type(err).__name__}: {err}")
        return False
    if got is None:
        return verdict(name, False, "Your function returned None: did you forget `return`?")
    # Common slips, recognised by what they compute.
    slips = {
        "W not transposed": (
            np.tanh(s @ W + x @ U.T + b),
            "The state term uses W transposed: with states as rows, W s becomes s @ W.T.",
        ),
        "no tanh": (s @ W.T + x @ U.T + b, "The values are not squashed: apply tanh to the sum."),
        "no bias": (np.tanh(s @ W.T + x @ U.T), "The bias b is missing."),
        "no input": (np.tanh(s @ W.T + b), "The input term U x is missing."),
        "no state": (np.tanh(x @ U.T + b), "The state term W s is missing."),
    }
    return judge(
        name,
        got,
        cell.step(p, s, x),
        "Compare each term with s_t = tanh(W s_{t-1} + U x_t + b); states and inputs "
        "are rows, so products use W.T and U.T.",
        near=slips,
    )


def check_schedule_length(source_words: int, target_words: int, answer: int) -> bool:
    """The number of time steps one RNN needs to read ``source_words`` tokens, see the blank
    that ends the source, and write ``target_words`` tokens followed by a blank."""
    name = "number of time steps"
    value = number(name, answer)
    if value is None:
        return False
    expected = source_words + target_words + 1
    if value == expected:
        return verdict(name, True)
    if value < expected:
        hint = (
            "Too few. Count the reading steps, the step that receives the blank (it already "
            "emits the first word), the other writing steps, and the step that emits the "
            "closing blank."
        )
    else:
        hint = (
            "Too many. The step that receives the blank input also emits the first word "
            "of the translation: it is one step, not two."
        )
    return verdict(name, False, hint)
