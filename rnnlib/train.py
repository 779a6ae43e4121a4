"""The training loop: sample a batch, backpropagate, clip, update; record a history.

tqdm (the progress bar) is imported here, when training starts, not on ``import rnnlib``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from .model import Model
from .optim import Optimizer, clip_by_global_norm, clip_by_value, global_norm
from .tasks import Task


@dataclass
class History:
    """What happened during training, one entry per step taken.

    ``loss``       the training loss of each step's batch (before that step's update)
    ``grad_norm``  the global gradient norm of each step, before any clipping
    ``wall_time``  seconds since training started, at the end of each step
    ``diverged``   True if training stopped on a NaN or infinite loss or gradient
    ``message``    a sentence saying how training ended
    """

    loss: np.ndarray = field(default_factory=lambda: np.zeros(0))
    grad_norm: np.ndarray = field(default_factory=lambda: np.zeros(0))
    wall_time: np.ndarray = field(default_factory=lambda: np.zeros(0))
    diverged: bool = False
    message: str = ""

    @property
    def steps(self) -> int:
        return len(self.loss)

    def final_loss(self, window: int = 20) -> float:
        """Mean loss over the last ``window`` steps (a less noisy end point than the last step)."""
        return float(np.mean(self.loss[-window:])) if self.steps else float("nan")


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
) -> History:
    """Train ``model`` on batches of ``task`` for ``steps`` steps; return the :class:`History`.

    Each step draws a fresh batch from ``rng`` (so the same seed gives the same numbers),
    computes the loss and gradients by (truncated, if ``truncate``) BPTT, clips them by global
    norm (``clip_norm``) and/or by value (``clip_value``), and lets ``optimizer`` update the
    parameters in place. If the loss or the gradient stops being finite, training stops,
    ``history.diverged`` is set, and the reason is printed. ``progress=False`` hides the bar.
    """
    if not isinstance(model, Model):
        raise TypeError(f"expected an rnnlib Model, got {type(model).__name__}")
    if not isinstance(task, Task):
        raise TypeError(f"expected an rnnlib task (rnnlib.tasks), got {type(task).__name__}")
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"expected an rnnlib optimizer (rnnlib.optim), got {type(optimizer).__name__}")
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 1:
        raise ValueError(f"steps must be a positive integer, got {steps!r}")
    if not isinstance(rng, np.random.Generator):
        raise TypeError(
            f"rng must be a numpy Generator (np.random.default_rng(seed)), got {type(rng).__name__}"
        )
    if task.n_in != model.cell.n_in or task.n_out != model.n_out:
        raise ValueError(
            f"{task!r} has n_in={task.n_in}, n_out={task.n_out}; the model has "
            f"n_in={model.cell.n_in}, n_out={model.n_out}"
        )
    from tqdm.auto import tqdm

    losses, norms, times = [], [], []
    diverged, message = False, ""
    start = time.perf_counter()
    bar = tqdm(range(steps), disable=not progress, desc=f"{model.cell.name} on {task.name}",
               leave=True)
    for step in bar:
        batch = task.sample(rng, batch_size)
        loss, grads, _ = model.loss_and_grads(batch, task.kind, truncate=truncate)
        norm = global_norm(grads)
        losses.append(loss)
        norms.append(norm)
        times.append(time.perf_counter() - start)
        if not (np.isfinite(loss) and np.isfinite(norm)):
            diverged = True
            what, value = ("loss", loss) if not np.isfinite(loss) else ("gradient norm", norm)
            message = (
                f"training stopped at step {step} of {steps}: the {what} is {value}. "
                f"Try a smaller learning rate, clipping (clip_norm=1.0) or a smaller init_scale."
            )
            break
        if clip_norm is not None:
            grads, _ = clip_by_global_norm(grads, clip_norm)
        if clip_value is not None:
            grads = clip_by_value(grads, clip_value)
        optimizer.step(model.params, grads)
        if progress and (step % 10 == 0 or step == steps - 1):
            bar.set_postfix(loss=f"{loss:.4f}", refresh=False)
    bar.close()
    if diverged:
        print(message)
    else:
        message = f"trained {steps} steps; final loss {losses[-1]:.4g}"
    return History(np.array(losses), np.array(norms), np.array(times), diverged, message)
