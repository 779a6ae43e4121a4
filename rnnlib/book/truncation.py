"""Truncated BPTT on a task with a known dependency length (chapter 3): the experiment over
several seeds, its figure and the exercise check on the shortest useful window.

The task is :class:`rnnlib.tasks.DelayedRecall`: at each step, recall the symbol seen exactly
``delay`` steps earlier. Training is *online* truncated BPTT, ``rnnlib.train.train(...,
truncate=k, online=True)``: every sequence of T steps is cut into windows of k steps, the state
is carried across windows, no gradient crosses a window's start, and Adam updates the weights
after every window. A symbol and the step that recalls it share a window only if
``k >= delay + 1``, so shorter windows can never learn the task; short windows make more
(cheaper) updates from the same data.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..cells import VanillaRNN
from ..model import Model
from ..optim import Adam
from ..tasks import DelayedRecall
from ..train import train
from .judge import number, verdict
from .style import COLORS, GREEN, GREY, RED, describe, figure


@dataclass
class TruncationRun:
    """One online truncated-BPTT run: updates after every window of ``k`` steps on a stream.

    ``accuracy``: recall accuracy at the end (fraction of recalled symbols right, fresh data);
    ``loss``: loss per update; ``seconds_per_update``: mean wall time of one update (batch
    sampling and the windows without a target included); ``updates``: number of updates made;
    ``steps_seen``: time steps processed; ``checkpoints``: numbers of batches after which the
    accuracy was also measured, and ``curve`` that accuracy (same fresh data as ``accuracy``),
    one entry per checkpoint.
    """

    k: int
    accuracy: float
    loss: np.ndarray
    seconds_per_update: float
    updates: int
    steps_seen: int
    checkpoints: tuple[int, ...] = ()
    curve: np.ndarray = field(default_factory=lambda: np.zeros(0))


def recall_model(n_symbols: int, n: int, rng: np.random.Generator) -> Model:
    """A tanh vanilla RNN of ``n`` units (orthogonal ``W``, uniform ``U``) with a softmax
    readout whose ``V`` (n_symbols, n) is drawn from Uniform[-0.3, 0.3] after the cell, from
    the same ``rng``, and ``c = 0``: the initial weights this experiment has always used."""
    cell = VanillaRNN(n_symbols, n, rng, init="orthogonal", input_init="uniform")
    V = rng.uniform(-0.3, 0.3, (n_symbols, n))
    model = Model(cell, n_symbols, rng)  # its own readout draw is replaced below
    model.readout["V"] = V
    model.readout["c"] = np.zeros(n_symbols)
    return model


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
    """Train :func:`recall_model` to recall the symbol seen ``delay`` steps earlier, by online
    truncated BPTT with windows of ``k`` steps and Adam (``lr``): ``sequences`` batches of
    ``B`` sequences of ``T`` steps, drawn from ``np.random.default_rng(seed + 1000)``; initial
    weights from ``np.random.default_rng(seed)``. The same data and initial weights for every
    k. ``checkpoints``: after these numbers of batches, also measure the accuracy (``curve``)
    on the fresh test data (64 sequences of ``4 T`` steps, ``default_rng(seed + 2000)``)."""
    if k < 1 or T < 1 or sequences < 1:
        raise ValueError(
            f"k, T and sequences must be positive, got k={k}, T={T}, sequences={sequences}"
        )
    if any(not 1 <= int(c) <= sequences for c in checkpoints):
        raise ValueError(
            f"checkpoints must lie in 1..sequences = 1..{sequences}, got {tuple(checkpoints)}"
        )
    task = DelayedRecall(n_symbols, delay, T)
    test = DelayedRecall(n_symbols, delay, 4 * T).sample(np.random.default_rng(seed + 2000), 64)
    model = recall_model(n_symbols, n, np.random.default_rng(seed))
    optimizer, data_rng = Adam(lr), np.random.default_rng(seed + 1000)
    # train in chunks that end at the checkpoints: the same optimizer and data stream go on
    ends = sorted({int(c) for c in checkpoints} | {sequences})
    losses, seconds, curve, done = [], 0.0, {}, 0
    for end in ends:
        h = train(
            model,
            task,
            end - done,
            optimizer,
            data_rng,
            batch_size=B,
            truncate=k,
            online=True,
            progress=False,
        )
        if h.diverged:
            raise RuntimeError(f"truncation_run(k={k}, seed={seed}) diverged: {h.message}")
        losses.append(h.loss)
        seconds += float(h.wall_time[-1])
        curve[end], done = model.accuracy(test), end
    loss = np.concatenate(losses)
    return TruncationRun(
        k,
        curve[sequences],
        loss,
        seconds / len(loss),
        len(loss),
        sequences * T,
        tuple(checkpoints),
        np.array([curve[int(c)] for c in checkpoints]),
    )


def truncation_seeds(
    ks=(2, 4, 5, 6, 8, 24),
    seeds=range(5),
    delay: int = 4,
    sequences: int = 30,
    checkpoints=(5, 10, 20, 30),
    **kw,
) -> dict[int, list[TruncationRun]]:
    """``{k: [TruncationRun per seed]}``: for each seed, the same initial weights and batches
    for every k. ``checkpoints`` (numbers of batches, each <= ``sequences``) also record the
    accuracy along the way. Other keywords go to :func:`truncation_run`."""
    checkpoints = tuple(int(c) for c in checkpoints)
    if any(not 1 <= c <= sequences for c in checkpoints):
        raise ValueError(
            f"checkpoints must lie in 1..sequences = 1..{sequences}, got {checkpoints}"
        )
    return {
        int(k): [
            truncation_run(
                int(k), delay=delay, sequences=sequences, seed=int(s), checkpoints=checkpoints, **kw
            )
            for s in seeds
        ]
        for k in ks
    }


def accuracy_table(runs: dict[int, list[TruncationRun]]) -> dict[int, dict[str, float]]:
    """Per k: the final accuracy's ``mean``, ``min``, ``max`` over seeds, and ``updates``
    (the same for every seed)."""
    out = {}
    for k, rs in runs.items():
        acc = np.array([r.accuracy for r in rs])
        out[k] = {
            "mean": float(acc.mean()),
            "min": float(acc.min()),
            "max": float(acc.max()),
            "updates": rs[0].updates,
        }
    return out


def curves(runs: list[TruncationRun]) -> np.ndarray:
    """(seeds, checkpoints) accuracy along training for one k."""
    return np.array([r.curve for r in runs])


def plot_truncation_seeds(runs: dict, delay: int, chance: float, curve_ks=None):
    """Top: each seed's recall accuracy at the end (dots) and the mean (bar) against the window
    length k, with the number of updates under each k. Bottom: accuracy against the number of
    batches seen, mean over seeds with the min-max band, for ``curve_ks`` (default: all).
    ``runs``: ``{k: [TruncationRun per seed]}``. Returns the figure."""
    fig, (top, bottom) = figure(2, 1, figsize=(6.4, 6.4))
    ks = list(runs)
    table = accuracy_table(runs)
    for i, k in enumerate(ks):
        acc = np.array([r.accuracy for r in runs[k]])
        color = GREEN if k > delay else GREY
        top.scatter(i + np.linspace(-0.15, 0.15, len(acc)), acc, color=color, s=16, zorder=3)
        top.plot([i - 0.3, i + 0.3], [acc.mean()] * 2, color=color, linewidth=2)
    top.set_xticks(range(len(ks)), [f"{k}\n{runs[k][0].updates} upd." for k in ks])
    top.axhline(chance, color=RED, linestyle="--", linewidth=1, label=f"chance ({chance:.2g})")
    top.set_ylim(0, 1.05)
    top.set_xlabel("truncation length k (steps per window) and number of updates made")
    top.set_ylabel("recall accuracy (fresh data)")
    top.set_title(
        f"One dot per seed: the symbol from {delay} steps back is learned only when k > {delay}"
    )
    top.legend(loc="upper left")
    curve_ks = ks if curve_ks is None else list(curve_ks)
    for color, k in zip(COLORS, curve_ks):
        acc = curves(runs[k])
        seen = np.array(runs[k][0].checkpoints)
        bottom.plot(seen, acc.mean(axis=0), color=color, marker="o", markersize=3, label=f"k = {k}")
        bottom.fill_between(
            seen, acc.min(axis=0), acc.max(axis=0), color=color, alpha=0.15, linewidth=0
        )
    bottom.axhline(chance, color=RED, linestyle="--", linewidth=1)
    bottom.set_ylim(0, 1.05)
    bottom.set_xlabel("batches of sequences seen (the same data for every k)")
    bottom.set_ylabel("recall accuracy")
    bottom.set_title(
        "Per batch seen, long windows learn as fast as short ones (band: min-max over seeds)"
    )
    bottom.legend(loc="lower right", ncol=2)
    short = [k for k in ks if k <= delay]
    long = [k for k in ks if k > delay]
    n_seeds = len(runs[ks[0]])
    text = (
        f"Two panels. Top: dot plot of the final recall accuracy of {n_seeds} seeds against "
        f"the window length k = {', '.join(str(k) for k in ks)}, with a dashed line at "
        f"chance ({chance:.2f})."
    )
    if short:
        text += (
            f" Windows of at most {delay} steps stay at "
            f"{min(table[k]['mean'] for k in short):.2f} to "
            f"{max(table[k]['mean'] for k in short):.2f} on average"
        )
    if long:
        text += (
            f"{';' if short else ''} longer windows reach "
            f"{min(table[k]['mean'] for k in long):.2f} to "
            f"{max(table[k]['mean'] for k in long):.2f}"
        )
    first = {k: float(curves(runs[k])[:, 0].mean()) for k in curve_ks}
    checkpoint = runs[curve_ks[0]][0].checkpoints[0] if runs[curve_ks[0]][0].checkpoints else 0
    text += (
        f". Bottom: line plot of the mean accuracy against the number of batches seen, "
        f"one line per k; after {checkpoint} batches the mean accuracy ranges from "
        f"{min(first.values()):.2f} (k = {min(first, key=first.get)}) to "
        f"{max(first.values()):.2f} (k = {max(first, key=first.get)})."
    )
    return describe(fig, text)


def check_min_truncation(delay: int, answer: int) -> bool:
    """The shortest window length k for which some window holds both a symbol and the step
    ``delay`` later where it must be recalled."""
    name = f"shortest useful window for delay {delay}"
    value = number(name, answer)
    if value is None:
        return False
    expected = delay + 1
    if value == expected:
        return verdict(name, True)
    hint = (
        "Too short: "
        if value < expected
        else "Longer windows work too, but that is not the shortest: "
    )
    hint += (
        f"count the steps from the input at step t to the target at step t + {delay}, "
        "both included."
    )
    return verdict(name, False, hint)
