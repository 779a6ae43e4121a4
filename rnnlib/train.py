"""The training loop: sample a batch, backpropagate, clip, update; record a history.

tqdm (the progress bar) is imported only when a bar is shown (``progress=True``), not on
``import rnnlib`` and not by ``train(..., progress=False)``: that works without tqdm.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from .checks import generator, integer, number
from .model import Model
from .optim import Optimizer, clip_by_global_norm, clip_by_value, global_norm
from .tasks import Batch, Task
from .unroll import run

#: The default of ``train(max_loss_ratio=...)``: a loss a thousand times its reference is
#: far beyond anything a run that is still learning shows.
MAX_LOSS_RATIO = 1e3

#: The three divergence rules, as ``History.reason`` names them.
NON_FINITE_LOSS = "non-finite loss"
NON_FINITE_GRADIENT = "non-finite gradient norm"
LOSS_EXPLODED = "loss above max_loss_ratio times its reference"


@dataclass
class History:
    """What happened during training, one entry per step taken.

    ``loss``       the training loss of each step's batch (before that step's update)
    ``grad_norm``  the global gradient norm of each step, before any clipping
    ``wall_time``  seconds since training started, at the end of each step
    ``diverged``   True if training stopped by a divergence rule (see :func:`train`); the step
                   that fired it is the last entry, and its update was not applied
    ``message``    a sentence saying how training ended (which rule fired, at which step)
    ``reason``     the rule that fired: :data:`NON_FINITE_LOSS`, :data:`NON_FINITE_GRADIENT`
                   or :data:`LOSS_EXPLODED`; ``""`` when training ran to the end
    """

    loss: np.ndarray = field(default_factory=lambda: np.zeros(0))
    grad_norm: np.ndarray = field(default_factory=lambda: np.zeros(0))
    wall_time: np.ndarray = field(default_factory=lambda: np.zeros(0))
    diverged: bool = False
    message: str = ""
    reason: str = ""

    @property
    def steps(self) -> int:
        return len(self.loss)

    def final_loss(self, window: int = 20) -> float:
        """Mean loss over the last ``window`` steps (a less noisy end point than the last step)."""
        window = integer(window, "window")
        return float(np.mean(self.loss[-window:])) if self.steps else float("nan")


def reference_loss(first_loss: float, task: Task) -> float:
    """The loss the explosion rule compares with: the larger of the run's first loss and the
    task's chance loss (when the task defines one).

    Taking the larger keeps the rule fair to a run that starts near a good solution (tiny
    first loss) and to training done in chunks of several ``train`` calls, each of which
    starts with its own first loss.
    """
    try:
        chance = float(task.chance_loss())
    except NotImplementedError:
        chance = 0.0
    return max(first_loss, chance)


def _optional(value, label: str) -> float | None:
    return None if value is None else number(value, label, positive=True)


def train(
    model: Model,
    task: Task,
    steps: int,
    optimizer: Optimizer,
    rng: np.random.Generator,
    batch_size: int = 16,
    clip_norm: float | None = None,
    clip_value: float | None = None,
    truncate: int | None = None,
    progress: bool = True,
    max_loss_ratio: float | None = MAX_LOSS_RATIO,
    online: bool = False,
) -> History:
    """Train ``model`` on batches of ``task`` for ``steps`` steps; return the :class:`History`.

    Each step draws a fresh batch from ``rng`` (so the same seed gives the same numbers),
    computes the loss and gradients by (truncated, if ``truncate``) BPTT, clips them by global
    norm (``clip_norm``) and/or by value (``clip_value``), and lets ``optimizer`` update the
    parameters in place. ``progress=False`` hides the bar (and does not need tqdm).

    **Divergence.** Before each update the step's loss and gradient norm are checked, and
    training stops, with ``history.diverged`` set, the rule in ``history.reason`` and a message
    printed, at the first step where

    1. the loss is NaN or infinite (:data:`NON_FINITE_LOSS`), or
    2. the global gradient norm (before clipping) is NaN or infinite
       (:data:`NON_FINITE_GRADIENT`), or
    3. the loss exceeds ``max_loss_ratio`` (default 1e3) times the reference loss, the larger
       of the first step's loss and ``task.chance_loss()`` (:data:`LOSS_EXPLODED`; see
       :func:`reference_loss`). ``max_loss_ratio=None`` turns this rule off.

    That step's update is not applied, so the model keeps its last finite parameters.

    **Online truncated BPTT** (``online=True``, with ``truncate=k``): each batch's sequences
    are cut into windows of k steps, the state is carried from one window into the next, no
    gradient crosses a window's start, and the weights are updated after *every* window (not
    once per batch), so a sequence of T steps gives up to ceil(T / k) updates. A window that
    scores no position only moves the state on. The history then has one entry per update;
    ``steps`` still counts batches.
    """
    if not isinstance(model, Model):
        raise TypeError(f"expected an rnnlib Model, got {type(model).__name__}")
    if not isinstance(task, Task):
        raise TypeError(f"expected an rnnlib task (rnnlib.tasks), got {type(task).__name__}")
    if not isinstance(optimizer, Optimizer):
        raise TypeError(
            f"expected an rnnlib optimizer (rnnlib.optim), got {type(optimizer).__name__}"
        )
    steps = integer(steps, "steps")
    generator(rng)
    batch_size = integer(batch_size, "batch_size")
    clip_norm = _optional(clip_norm, "clip_norm")
    clip_value = _optional(clip_value, "clip_value")
    if truncate is not None:
        integer(truncate, "truncate")
    if not isinstance(online, (bool, np.bool_)):
        raise TypeError(f"online must be True or False, got {online!r}")
    if online and truncate is None:
        raise ValueError(
            "online=True updates after every window of truncate=k steps; "
            "give truncate (a positive integer), got truncate=None"
        )
    if not isinstance(progress, (bool, np.bool_)):
        raise TypeError(f"progress must be True or False, got {progress!r}")
    max_loss_ratio = _optional(max_loss_ratio, "max_loss_ratio")
    if max_loss_ratio is not None and max_loss_ratio <= 1.0:
        raise ValueError(
            f"max_loss_ratio must be above 1 (or None to turn the rule off), got {max_loss_ratio}"
        )
    if task.n_in != model.cell.n_in or task.n_out != model.n_out:
        raise ValueError(
            f"{task!r} has n_in={task.n_in}, n_out={task.n_out}; the model has "
            f"n_in={model.cell.n_in}, n_out={model.n_out}"
        )

    losses, norms, times = [], [], []
    reason, message, limit = "", "", None
    start = time.perf_counter()
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(range(steps), desc=f"{model.cell.name} on {task.name}", leave=True)
    else:
        bar = range(steps)
    for step in bar:
        batch = task.sample(rng, batch_size)
        state = None  # online: the state carried from one window into the next
        for piece in _windows(batch, truncate) if online else (batch,):
            if online and piece.n_scored == 0:  # nothing to learn here: move the state on
                state = run(model.cell, piece.xs, state0=state).states[-1]
                continue
            loss, grads, result = model.loss_and_grads(
                piece, task.kind, truncate=None if online else truncate, state0=state
            )
            state = result.final_state
            norm = global_norm(grads)
            losses.append(loss)
            norms.append(norm)
            times.append(time.perf_counter() - start)
            if limit is None and max_loss_ratio is not None and np.isfinite(loss):
                reference = reference_loss(loss, task)
                limit = max_loss_ratio * reference if reference > 0 else None
            if not np.isfinite(loss):
                reason, detail = NON_FINITE_LOSS, f"the loss is {loss}"
            elif not np.isfinite(norm):
                reason, detail = NON_FINITE_GRADIENT, f"the gradient norm is {norm}"
            elif limit is not None and loss > limit:
                reason = LOSS_EXPLODED
                detail = (
                    f"the loss {loss:.3g} exceeds max_loss_ratio = {max_loss_ratio:g} "
                    f"times the reference loss {reference:.3g}"
                )
            if reason:
                message = (
                    f"training stopped at step {step} of {steps} (divergence rule: {reason}): "
                    f"{detail}. Try a smaller learning rate, clipping (clip_norm=1.0) or a "
                    f"smaller init_scale."
                )
                break
            if clip_norm is not None:
                grads, _ = clip_by_global_norm(grads, clip_norm)
            if clip_value is not None:
                grads = clip_by_value(grads, clip_value)
            optimizer.step(model.params, grads)
        if reason:
            break
        if progress and losses and (step % 10 == 0 or step == steps - 1):
            bar.set_postfix(loss=f"{loss:.4f}", refresh=False)
    if progress:
        bar.close()
    if reason:
        print(message)
    else:
        message = (
            f"trained {steps} steps; final loss {losses[-1]:.4g}"
            if losses
            else f"trained {steps} steps; no window scored a position, so nothing was updated"
        )
    return History(
        np.array(losses), np.array(norms), np.array(times), bool(reason), message, reason
    )


def _windows(batch: Batch, k: int):
    """The windows of ``k`` steps of ``batch``, in order, each a :class:`Batch` (the last one
    may be shorter)."""
    T = batch.xs.shape[0]
    for start in range(0, T, k):
        w = slice(start, min(start + k, T))
        yield Batch(batch.xs[w], batch.targets[w], batch.mask[w])
