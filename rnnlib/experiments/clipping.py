"""Exploding gradients and clipping, over several seeds: which runs diverge, and how far the
others train. The chapter on BPTT (chapter 3) shows what these return.

A run *diverges* when ``rnnlib.train.train``'s divergence rule fires: its loss or gradient norm
stops being finite, or its loss rises above ``rnnlib.train.MAX_LOSS_RATIO`` times the larger of
its first loss and the task's chance loss. ``train`` then stops the run, before any overflow.
"""

from __future__ import annotations

import contextlib
import io
from dataclasses import dataclass

import numpy as np

from .part1 import clipping_model

# label: (init_scale, train keywords). The control has the same learning rate, no clipping,
# and the recurrent weights at the sqrt(3/n) scale (init_scale 1).
CLIP_SEED_CASES = {
    "no clipping": (2.0, {}),
    "clip by norm (1.0)": (2.0, {"clip_norm": 1.0}),
    "clip by value (0.1)": (2.0, {"clip_value": 0.1}),
    "control: sqrt(3/n) scale, no clipping": (1.0, {}),
}


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
    """Train :func:`rnnlib.experiments.part1.clipping_model` (seed ``seed``) with plain SGD for
    up to ``steps`` steps, clipping as ``clip`` says (``clip_norm=`` / ``clip_value=`` of
    ``train``). Batches come from ``np.random.default_rng(seed + 1)``. A run that diverges is
    stopped by ``train``; the sentence ``train`` prints then (it names the step, an accident of
    rounding in a chaotic run) is kept out of the output: the verdict is in the result."""
    from ..optim import SGD
    from ..train import train

    model, task = clipping_model(init_scale, seed=seed)
    with contextlib.redirect_stdout(io.StringIO()):
        h = train(model, task, steps, SGD(lr), np.random.default_rng(seed + 1),
                  progress=False, **clip)
    return ClipRun(h.loss, h.grad_norm, h.diverged, steps, h.reason)


def clipping_seeds(seeds=range(5), steps: int = 300, lr: float = 0.1,
                   cases: dict | None = None) -> dict[str, list[ClipRun]]:
    """Every case of :data:`CLIP_SEED_CASES` (or ``cases``) for every seed: the same initial
    weights and batches per seed across the cases that share an ``init_scale``.
    Returns ``{label: [ClipRun per seed]}``."""
    cases = CLIP_SEED_CASES if cases is None else cases
    return {label: [clipping_run(scale, steps, lr, seed, **kw) for seed in seeds]
            for label, (scale, kw) in cases.items()}


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
