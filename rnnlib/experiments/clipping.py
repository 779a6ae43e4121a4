"""Exploding gradients and clipping, over several seeds: which runs diverge, and how far the
others train. The chapter on BPTT (chapter 3) shows what these return.

A run *diverges* when its loss or gradient norm stops being finite, or when its loss rises
above ``blowup`` times the loss of its first step (:func:`diverged`). The runs reuse
``rnnlib.train.train`` in short chunks (the same batches, in the same order, as one long call)
so that a run that has diverged stops there instead of overflowing.
"""

from __future__ import annotations

import contextlib
import io
import warnings
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
BLOWUP = 100.0


def diverged(loss: np.ndarray, grad_norm: np.ndarray, blowup: float = BLOWUP) -> bool:
    """True if any loss or gradient norm is not finite, or a loss exceeds ``blowup`` times the
    first one. ``loss``, ``grad_norm``: (steps,) as in ``History``."""
    loss, grad_norm = np.asarray(loss, dtype=float), np.asarray(grad_norm, dtype=float)
    if loss.size == 0:
        return False
    if not (np.all(np.isfinite(loss)) and np.all(np.isfinite(grad_norm))):
        return True
    return bool(np.any(loss > blowup * loss[0]))


@dataclass
class ClipRun:
    """One training run: ``loss`` and ``grad_norm`` (steps taken,) as in ``History``;
    ``diverged`` by :func:`diverged`; ``steps`` the budget it was given."""

    loss: np.ndarray
    grad_norm: np.ndarray
    diverged: bool
    steps: int

    def final_loss(self, window: int = 50) -> float:
        """Mean loss over the last ``window`` steps; NaN for a run that diverged."""
        return float("nan") if self.diverged else float(np.mean(self.loss[-window:]))


def clipping_run(init_scale: float, steps: int, lr: float, seed: int, chunk: int = 25,
                 blowup: float = BLOWUP, **clip) -> ClipRun:
    """Train :func:`rnnlib.experiments.part1.clipping_model` (seed ``seed``) with plain SGD for
    up to ``steps`` steps, clipping as ``clip`` says (``clip_norm=`` / ``clip_value=`` of
    ``train``). Batches come from ``np.random.default_rng(seed + 1)``. Stops at the end of the
    first chunk of ``chunk`` steps after which the run has diverged."""
    from ..optim import SGD
    from ..train import train

    if steps < 1 or chunk < 1:
        raise ValueError(f"steps and chunk must be positive, got steps={steps}, chunk={chunk}")
    model, task = clipping_model(init_scale, seed=seed)
    rng = np.random.default_rng(seed + 1)
    optimizer = SGD(lr)
    losses, norms = [], []
    while len(losses) < steps:
        # train() prints a sentence when it stops on inf/NaN; the verdict is recorded instead.
        with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # overflow in a run that blows up
            h = train(model, task, min(chunk, steps - len(losses)), optimizer, rng,
                      progress=False, **clip)
        losses.extend(h.loss)
        norms.extend(h.grad_norm)
        if h.diverged or diverged(np.array(losses), np.array(norms), blowup):
            break
    loss, norm = np.array(losses), np.array(norms)
    return ClipRun(loss, norm, diverged(loss, norm, blowup), steps)


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
