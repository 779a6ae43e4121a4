"""Exploding gradients and clipping, over several seeds (chapter 3): which runs diverge, how
far the others train, and the figure of both.

Clipping by global norm rescales the gradient ``g <- g c / ||g||`` when ``||g|| > c``
(direction kept); clipping by value clips every entry to ``[-c, c]`` (direction changed).
Both are ``rnnlib.optim``'s, applied by ``rnnlib.train.train(clip_norm=, clip_value=)``.

A run *diverges* when ``rnnlib.train.train``'s divergence rule fires: its loss or gradient norm
stops being finite, or its loss rises above ``rnnlib.train.MAX_LOSS_RATIO`` times the larger of
its first loss and the task's chance loss. ``train`` then stops the run, before any overflow.
"""

from __future__ import annotations

import contextlib
import io
from dataclasses import dataclass

import numpy as np

from ..cells import VanillaRNN
from ..model import Model
from ..optim import SGD
from ..tasks import AddingTask
from ..train import train
from .style import BLUE, GREEN, GREY, PURPLE, RED, describe, figure, log_axis, running_mean

# label: (init_scale, train keywords). The control has the same learning rate, no clipping,
# and the recurrent weights at the sqrt(3/n) scale (init_scale 1).
CLIP_SEED_CASES = {
    "no clipping": (2.0, {}),
    "clip by norm (1.0)": (2.0, {"clip_norm": 1.0}),
    "clip by value (0.1)": (2.0, {"clip_value": 0.1}),
    "control: sqrt(3/n) scale, no clipping": (1.0, {}),
}


def clipping_model(
    init_scale: float = 2.0, n: int = 16, length: int = 10, seed: int = 0
) -> tuple[Model, AddingTask]:
    """A tanh vanilla RNN of ``n`` units with a readout, and the adding problem of ``length``
    steps it is trained on; its weights ``init_scale`` times the ``sqrt(3/n)`` uniform range
    (at 2, above the edge of chapter 2, so gradients grow backwards in time)."""
    task = AddingTask(length)
    rng = np.random.default_rng(seed)
    cell = VanillaRNN(task.n_in, n, rng, init="uniform", init_scale=init_scale)
    return Model(cell, task.n_out, rng), task


@dataclass
class ClipRun:
    """One training run: ``loss`` and ``grad_norm`` (steps taken,) as in ``History``;
    ``diverged`` and ``reason`` as ``History`` sets them; ``steps`` the budget it was given."""

    loss: np.ndarray
    grad_norm: np.ndarray
    diverged: bool
    steps: int
    reason: str = ""

    def final_loss(self, window: int = 50) -> float:
        """Mean loss over the last ``window`` steps; NaN for a run that diverged."""
        return float("nan") if self.diverged else float(np.mean(self.loss[-window:]))


def clipping_run(init_scale: float, steps: int, lr: float, seed: int, **clip) -> ClipRun:
    """Train :func:`clipping_model` (seed ``seed``) with plain SGD for
    up to ``steps`` steps, clipping as ``clip`` says (``clip_norm=`` / ``clip_value=`` of
    ``train``). Batches come from ``np.random.default_rng(seed + 1)``. A run that diverges is
    stopped by ``train``; the sentence ``train`` prints then (it names the step, an accident of
    rounding in a chaotic run) is kept out of the output: the verdict is in the result."""
    model, task = clipping_model(init_scale, seed=seed)
    with contextlib.redirect_stdout(io.StringIO()):
        h = train(
            model, task, steps, SGD(lr), np.random.default_rng(seed + 1), progress=False, **clip
        )
    return ClipRun(h.loss, h.grad_norm, h.diverged, steps, h.reason)


def clipping_seeds(
    seeds=range(5), steps: int = 300, lr: float = 0.1, cases: dict | None = None
) -> dict[str, list[ClipRun]]:
    """Every case of :data:`CLIP_SEED_CASES` (or ``cases``) for every seed: the same initial
    weights and batches per seed across the cases that share an ``init_scale``.
    Returns ``{label: [ClipRun per seed]}``."""
    cases = CLIP_SEED_CASES if cases is None else cases
    return {
        label: [clipping_run(scale, steps, lr, seed, **kw) for seed in seeds]
        for label, (scale, kw) in cases.items()
    }


def summarize(runs: list[ClipRun]) -> dict[str, float | int]:
    """``diverged`` (how many runs), ``n``, and over the others the mean, min and max of the
    final loss (NaN when every run diverged)."""
    finals = np.array([r.final_loss() for r in runs if not r.diverged])
    out = {"diverged": sum(r.diverged for r in runs), "n": len(runs)}
    if finals.size:
        out.update(mean=float(finals.mean()), min=float(finals.min()), max=float(finals.max()))
    else:
        out.update(mean=float("nan"), min=float("nan"), max=float("nan"))
    return out


CASE_COLORS = (RED, BLUE, GREEN, PURPLE)


def plot_clipping_seeds(runs: dict, chance: float, loss_top: float = 30.0, window: int = 20):
    """Top: training loss per step (mean of the last ``window`` steps, log scale), one thin
    line per seed, colour per case; a run that diverged ends in a cross where it stopped (its
    loss drawn up to ``loss_top``). Bottom: gradient norm before clipping per step.
    ``runs``: ``{label: [ClipRun per seed]}`` (:func:`clipping_seeds`). Values are clipped to
    the drawn range before plotting, so a blown-up run cannot overflow the axes."""
    fig, (top, bottom) = figure(2, 1, figsize=(6.4, 6.4))
    low, words, steps_drawn = np.inf, [], 0
    for color, (label, rs) in zip(CASE_COLORS, runs.items()):
        k = sum(r.diverged for r in rs)
        peak = 0.0
        for j, r in enumerate(rs):
            steps = np.arange(len(r.loss))
            steps_drawn = max(steps_drawn, len(r.loss))
            loss = np.clip(np.nan_to_num(r.loss, nan=loss_top, posinf=loss_top), 1e-12, loss_top)
            smooth = np.minimum(running_mean(loss, window), loss_top)
            top.plot(
                steps,
                smooth,
                color=color,
                linewidth=1,
                alpha=0.8,
                label=f"{label}: {k} of {len(rs)} diverged" if j == 0 else None,
            )
            low = min(low, smooth.min())
            if r.diverged:
                top.plot(steps[-1], loss_top, marker="x", color=color, markersize=7)
            norm = np.clip(np.nan_to_num(r.grad_norm, nan=1e12, posinf=1e12), 1e-12, 1e12)
            bottom.plot(
                steps, norm, color=color, linewidth=0.8, alpha=0.7, label=label if j == 0 else None
            )
            finite = r.grad_norm[np.isfinite(r.grad_norm)]
            peak = max(peak, float(finite.max()) if finite.size else 0.0)
        words.append(f"{label}, {k} of {len(rs)} diverged, largest finite gradient norm {peak:.2g}")
    top.axhline(chance, color=GREY, linestyle="--", linewidth=1, label="always answer 1")
    log_axis(top, "y")
    top.set_ylim(max(low / 2, 1e-3), loss_top * 1.5)
    top.set_xlabel("training step")
    top.set_ylabel(f"training loss (MSE, mean of {window} steps)")
    top.set_title("One line per seed; a cross marks a run that diverged and was stopped")
    top.legend(loc="upper right")
    log_axis(bottom, "y")
    bottom.set_xlabel("training step")
    bottom.set_ylabel("gradient norm before clipping")
    bottom.set_title("Unclipped at twice the sqrt(3/n) scale, most runs' gradients run away")
    bottom.legend(loc="upper right")
    return describe(
        fig,
        (
            f"Two panels of line plots against the training step (0 to {steps_drawn - 1}), one "
            "line "
            f"per seed, one colour per case. Top: the training loss (log scale), with a dashed "
            "line "
            f"at {chance:.3f}, the loss of always answering 1, and a cross where a diverged run "
            "was "
            f"stopped. Bottom: the gradient norm before clipping (log scale). Per case: "
            + "; ".join(words)
            + "."
        ),
    )
