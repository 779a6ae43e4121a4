"""A trainable model: a recurrent cell followed by a linear readout ``y_t = V h_t + c``."""

from __future__ import annotations

import numpy as np

from .autograd import Tensor
from .cells import Cell
from .checks import describe, generator, integer, real_array
from .init import glorot
from .losses import cross_entropy, mse, readout
from .tasks import Batch
from .unroll import BPTTResult, bptt, run

KINDS = ("classify", "regress")


def _check_kind(kind: str) -> str:
    if not isinstance(kind, str) or kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}; expected one of {KINDS}")
    return kind


def _scored_mask(batch: Batch) -> tuple[np.ndarray, float]:
    """The batch's mask as float weights (T, B), checked, and how many positions it scores."""
    if not isinstance(batch, Batch):
        raise TypeError(f"expected a tasks.Batch, got {describe(batch)}")
    mask = real_array(batch.mask, "the batch's mask")
    T, B = np.shape(batch.xs)[:2]
    if mask.shape != (T, B):
        raise ValueError(f"mask has shape {mask.shape}; expected (T, B) = ({T}, {B})")
    if not (np.isfinite(mask).all() and (mask >= 0).all()):
        raise ValueError(
            f"the batch's mask must hold finite weights >= 0; got values from "
            f"{mask.min()} to {mask.max()}"
        )
    total = float(mask.sum())
    if total == 0:
        raise ValueError(
            "the batch's mask scores no position (every entry is 0); "
            "expected at least one scored position"
        )
    return mask, total


def masked_loss(y, targets: np.ndarray, mask: np.ndarray, kind: str, total: float) -> Tensor:
    """The loss of one window of readout values ``y`` (Tw, B, k), scaled so that the windows
    of a sequence add up to the mean over all ``total`` scored positions of the sequence.

    ``classify``: softmax cross-entropy on integer ``targets`` (Tw, B);
    ``regress``: squared error on ``targets`` (Tw, B, k), summed over k.
    """
    counted = float(mask.sum())
    if counted == 0:
        return Tensor(0.0)  # nothing scored in this window
    if kind == "classify":
        return cross_entropy(y, targets, mask) * (counted / total)
    # mse averages over k too; times k makes it a sum over the outputs of each position
    k = y.shape[-1]
    return mse(y, targets, mask[..., None]) * (counted * k / total)


class Model:
    """A cell plus a readout: ``logits_t`` (or values) ``= V h_t + c`` with ``h_t = cell.output``.

    ``V`` has shape (n_out, n_hidden), ``c`` shape (n_out,). :attr:`params` holds the cell's
    arrays and the readout's, the same arrays (not copies), so an optimizer updating them in
    place trains the cell too.
    """

    def __init__(self, cell: Cell, n_out: int, rng: np.random.Generator):
        if not isinstance(cell, Cell):
            raise TypeError(f"expected an rnnlib Cell, got {type(cell).__name__}")
        integer(n_out, "n_out")
        generator(rng)
        clash = {"V", "c"} & set(cell.params)
        if clash:
            raise ValueError(f"the cell already has parameters named {sorted(clash)}")
        self.cell = cell
        self.n_out = int(n_out)
        self.readout = {"V": glorot(rng, (self.n_out, cell.n_hidden)), "c": np.zeros(self.n_out)}

    @property
    def params(self) -> dict[str, np.ndarray]:
        """Every trainable array by name: the cell's and ``V``, ``c``."""
        return {**self.cell.params, **self.readout}

    @property
    def n_params(self) -> int:
        return int(sum(v.size for v in self.params.values()))

    def predict(self, xs, state0=None) -> np.ndarray:
        """Logits (classify) or values (regress) for inputs (T, B, n_in): shape (T, B, n_out)."""
        outputs = run(self.cell, xs, state0).outputs  # (T, B, n)
        return readout(outputs, self.readout["V"], self.readout["c"])

    def loss_and_grads(
        self, batch: Batch, kind: str, truncate: int | None = None, state0=None
    ) -> tuple[float, dict[str, np.ndarray], BPTTResult]:
        """The mean loss over the scored positions of ``batch``, its gradients for every
        parameter (cell and readout, by name), and the full :class:`~rnnlib.unroll.BPTTResult`.

        ``truncate=k`` uses truncated BPTT with windows of k steps (see :func:`rnnlib.bptt`).
        """
        _check_kind(kind)
        mask, total = _scored_mask(batch)

        def loss_fn(outputs, window, extra):
            y = readout(outputs, extra["V"], extra["c"])  # (Tw, B, n_out)
            return masked_loss(y, batch.targets[window], mask[window], kind, total)

        result = bptt(
            self.cell,
            batch.xs,
            loss_fn,
            state0=state0,
            truncate=truncate,
            extra_params=self.readout,
        )
        return result.loss, result.grads, result

    def loss(self, batch: Batch, kind: str) -> float:
        """The loss alone, from a fast forward pass without gradients: the same number as
        :meth:`loss_and_grads` gives (and the same errors)."""
        _check_kind(kind)
        mask, total = _scored_mask(batch)
        y = self.predict(batch.xs)
        return float(masked_loss(Tensor(y), batch.targets, mask, kind, total).data)

    def accuracy(self, batch: Batch) -> float:
        """Fraction of scored positions whose largest logit is the target (classification)."""
        mask, total = _scored_mask(batch)
        logits = self.predict(batch.xs)
        targets = np.asarray(batch.targets)
        if targets.shape != logits.shape[:2] or not np.issubdtype(targets.dtype, np.integer):
            raise ValueError(
                f"accuracy needs integer class targets of shape (T, B) = {logits.shape[:2]} "
                f"(a classification batch); got {describe(targets)}"
            )
        hits = (logits.argmax(axis=-1) == targets) * mask
        return float(hits.sum() / total)

    def __repr__(self) -> str:
        return f"Model({self.cell!r}, n_out={self.n_out})"
