"""A Neural Turing Machine (Graves, Wayne and Danihelka 2014): a controller with a written memory.

One write head and one read head. Every function here runs on plain arrays (fast forward passes,
no graph) and on :class:`~rnnlib.autograd.Tensor` (gradients for training), built
only from the engine's ops. Shapes: batch ``B``, memory rows ``N``, row width ``M``
(called ``width`` in code), controller size ``H``.

Addressing, for one head at step t:

* content:        ``w^c(i) = softmax_i(beta * K(k, M(i)))``, ``K`` the cosine similarity
* interpolation:  ``w^g = g w^c + (1 - g) w_{t-1}``
* shift:          ``w~(i) = sum_j w^g(j) s(i - j)``, ``s`` a softmax over shifts ``(-1, 0, 1)``
* sharpening:     ``w(i) = w~(i)^gamma / sum_j w~(j)^gamma``, ``gamma >= 1``

Writing is erase then add, ``M_t(i) = M_{t-1}(i) * (1 - w(i) e) + w(i) a``; reading is the
weighted sum ``r = sum_i w(i) M_t(i)``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .autograd import (
    Tensor,
    absolute,
    collector_paused,
    concat,
    data_of,
    exp,
    log,
    relu,
    sigmoid,
    sqrt,
    tanh,
)
from .cells import BasicLSTM
from .checks import array_dict, describe, finite_array, generator, integer, number, real_array

SHIFTS = (-1, 0, 1)


# ---------------------------------------------------------------------------------------
# Small functions, each one equation. They take arrays or tensors.
# ---------------------------------------------------------------------------------------


def softplus(z):
    """``log(1 + e^z)``, written stably as ``relu(z) + log(1 + e^{-|z|})``; always > 0."""
    return relu(z) + log(1.0 + exp(-absolute(z)))


def softmax(z, axis: int = -1):
    """``e^{z_i} / sum_j e^{z_j}`` along ``axis``; the max is subtracted first (a constant)."""
    e = exp(z - data_of(z).max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def cosine_similarity(memory, key, eps: float = 1e-8):
    """``K(k, M(i)) = k . M(i) / (|k| |M(i)|)`` for every row: (B, N, M), (B, M) -> (B, N).

    ``eps`` inside the square roots keeps the gradient finite for an all-zero row or key.
    """
    B, N, M = memory.shape
    dots = (memory @ key.reshape(B, M, 1)).reshape(B, N)  # (B, N)
    row_norms = sqrt((memory * memory).sum(axis=-1) + eps)  # (B, N)
    key_norm = sqrt((key * key).sum(axis=-1, keepdims=True) + eps)  # (B, 1)
    return dots / (row_norms * key_norm)


def content_weighting(memory, key, beta):
    """``w^c = softmax(beta * K(k, M))``: (B, N, M), (B, M), (B, 1) -> (B, N)."""
    return softmax(beta * cosine_similarity(memory, key))


def interpolate(w_content, w_prev, g):
    """``w^g = g w^c + (1 - g) w_{t-1}``; ``g`` (B, 1) in (0, 1) chooses content or location."""
    return g * w_content + (1.0 - g) * w_prev


def rotation(n: int, k: int) -> np.ndarray:
    """The (n, n) matrix ``P`` with ``(w @ P)(i) = w(i - k)``: moves a weighting ``k`` rows
    down, circularly."""
    return np.roll(np.eye(n), k, axis=1)


def shift(w, s, shifts: tuple[int, ...] = SHIFTS):
    """Circular convolution ``w~(i) = sum_k s_k w(i - k)`` over the allowed ``shifts``.

    ``w`` (B, N), ``s`` (B, len(shifts)) a distribution over shifts.
    """
    n = w.shape[-1]
    out = 0.0
    for j, k in enumerate(shifts):
        moved = w if k == 0 else w @ rotation(n, k)
        out = out + s[:, j : j + 1] * moved
    return out


def sharpen(w, gamma, eps: float = 1e-12):
    """``w(i)^gamma / sum_j w(j)^gamma``, computed as ``softmax(gamma * log w)`` (same thing,
    stable)."""
    return softmax(gamma * log(w + eps))


def address(memory, w_prev, key, beta, g, s, gamma, shifts: tuple[int, ...] = SHIFTS):
    """The four addressing steps in order: content, interpolation, shift, sharpening -> (B, N)."""
    w = content_weighting(memory, key, beta)
    w = interpolate(w, w_prev, g)
    w = shift(w, s, shifts)
    return sharpen(w, gamma)


def write(memory, w, erase, add):
    """Erase then add: ``M_t(i) = M_{t-1}(i) * (1 - w(i) e) + w(i) a``.

    ``memory`` (B, N, M), ``w`` (B, N), ``erase`` and ``add`` (B, M) -> (B, N, M).
    """
    B, N, M = memory.shape
    w_col = w.reshape(B, N, 1)
    return memory * (1.0 - w_col * erase.reshape(B, 1, M)) + w_col * add.reshape(B, 1, M)


def read(memory, w):
    """``r = sum_i w(i) M(i)``: (B, N, M), (B, N) -> (B, M)."""
    B, N, M = memory.shape
    return (w.reshape(B, 1, N) @ memory).reshape(B, M)


# ---------------------------------------------------------------------------------------
# Heads and controller
# ---------------------------------------------------------------------------------------


def head_sizes(width: int, writes: bool, n_shifts: int = len(SHIFTS)) -> dict[str, int]:
    """How many controller outputs each head parameter takes (key k, strength beta, gate g,
    shift s, sharpening gamma; erase e and add a for the write head)."""
    sizes = {"k": width, "beta": 1, "g": 1, "s": n_shifts, "gamma": 1}
    if writes:
        sizes.update(e=width, a=width)
    return sizes


def head_parameters(raw, width: int, writes: bool, n_shifts: int = len(SHIFTS)) -> dict:
    """Split a head's raw controller output (B, P) and squash each piece into its range.

    ``k = tanh``, ``beta = softplus`` (> 0), ``g = sigma``, ``s = softmax``,
    ``gamma = 1 + softplus`` (>= 1), ``e = sigma``, ``a = tanh``.
    """
    pieces, start = {}, 0
    for name, size in head_sizes(width, writes, n_shifts).items():
        pieces[name] = raw[:, start : start + size]
        start += size
    out = {
        "k": tanh(pieces["k"]),
        "beta": softplus(pieces["beta"]),
        "g": sigmoid(pieces["g"]),
        "s": softmax(pieces["s"]),
        "gamma": 1.0 + softplus(pieces["gamma"]),
    }
    if writes:
        out["e"] = sigmoid(pieces["e"])
        out["a"] = tanh(pieces["a"])
    return out


class FeedForwardController:
    """A one-layer feed-forward controller ``h = tanh(U [x, r] + b)``; it keeps no state of its
    own."""

    state_names = ()

    def __init__(self, n_in: int, n_hidden: int, rng: np.random.Generator):
        self.n_in, self.n_hidden = integer(n_in, "n_in"), integer(n_hidden, "n_hidden")
        generator(rng)
        bound = np.sqrt(6.0 / (n_in + n_hidden))
        self.params = {"U": rng.uniform(-bound, bound, (n_hidden, n_in)), "b": np.zeros(n_hidden)}

    def initial_state(self, batch: int):
        return np.zeros((batch, self.n_hidden))

    def step(self, p, state, x, probe=None):
        return tanh(x @ p["U"].T + p["b"])

    def output(self, state):
        return state


@dataclass
class NTMState:
    """Everything the machine carries from one step to the next."""

    controller: object  # the controller's state (an LSTM's (c, h), or h)
    memory: object  # (B, N, M)
    w_read: object  # (B, N)
    w_write: object  # (B, N)
    r: object  # (B, M), the last read vector


@dataclass
class Episode:
    """A forward pass on plain arrays with everything recorded (reads, writes, weightings)."""

    logits: np.ndarray  # (T, B, n_out)
    memory: np.ndarray  # (T + 1, B, N, M); index 0 is the initial memory
    w_read: np.ndarray  # (T, B, N)
    w_write: np.ndarray  # (T, B, N)
    reads: np.ndarray  # (T, B, M)
    erase: np.ndarray  # (T, B, M)
    add: np.ndarray  # (T, B, M)


class NTM:
    """A Neural Turing Machine with one write head and one read head.

    At step t: the controller sees ``[x_t, r_{t-1}]``; the write head addresses memory and writes
    (erase, then add); the read head addresses the new memory and reads ``r_t``; the output is
    ``y_t = V [h_t, r_t] + c`` (logits; a sigmoid gives bit probabilities).

    Parameters live in one dict: controller parameters prefixed ``ctrl.``, head layers
    ``write.W, write.b, read.W, read.b`` (stored ``(n_out, n_in)`` like every rnnlib weight),
    and the readout ``V, c``.
    """

    def __init__(
        self,
        n_in: int,
        n_out: int,
        rng: np.random.Generator,
        n_rows: int = 16,
        width: int = 8,
        n_hidden: int = 64,
        controller: str = "lstm",
        shifts: tuple[int, ...] = SHIFTS,
        memory_init: float = 1e-6,
    ):
        if not isinstance(controller, str) or controller not in ("lstm", "feedforward"):
            raise ValueError(f"controller must be 'lstm' or 'feedforward', got {controller!r}")
        self.n_in, self.n_out = integer(n_in, "n_in"), integer(n_out, "n_out")
        self.n_rows, self.width = integer(n_rows, "n_rows"), integer(width, "width")
        self.n_hidden = integer(n_hidden, "n_hidden")
        generator(rng)
        if (
            not isinstance(shifts, (tuple, list))
            or not shifts
            or not all(isinstance(k, (int, np.integer)) and not isinstance(k, bool) for k in shifts)
            or len(set(shifts)) != len(shifts)
        ):
            raise ValueError(
                f"shifts must be a non-empty tuple of distinct integers, such as "
                f"(-1, 0, 1); got {shifts!r}"
            )
        self.shifts = tuple(int(k) for k in shifts)
        self.memory_init = number(memory_init, "memory_init")
        self.controller_kind = controller
        ctrl_in = n_in + width
        if controller == "lstm":
            self.controller = BasicLSTM(ctrl_in, n_hidden, rng, init="glorot")
        else:
            self.controller = FeedForwardController(ctrl_in, n_hidden, rng)
        self.params: dict[str, np.ndarray] = {
            f"ctrl.{k}": v for k, v in self.controller.params.items()
        }
        if controller == "lstm":
            self.params["ctrl.b_f"][:] = 1.0  # start by remembering
        n_s = len(self.shifts)
        for head, writes in (("write", True), ("read", False)):
            size = sum(head_sizes(width, writes, n_s).values())
            self.params[f"{head}.W"] = rng.normal(0.0, 1.0 / np.sqrt(n_hidden), (size, n_hidden))
            self.params[f"{head}.b"] = np.zeros(size)
        v_in = n_hidden + width
        self.params["V"] = rng.normal(0.0, 1.0 / np.sqrt(v_in), (n_out, v_in))
        self.params["c"] = np.zeros(n_out)

    def __repr__(self) -> str:
        return (
            f"NTM(n_in={self.n_in}, n_out={self.n_out}, n_rows={self.n_rows}, "
            f"width={self.width}, n_hidden={self.n_hidden}, "
            f"controller={self.controller_kind!r})"
        )

    @property
    def n_params(self) -> int:
        return int(sum(v.size for v in self.params.values()))

    def initial_state(self, batch: int) -> NTMState:
        """Memory filled with a small constant; both heads start on row 0; empty read vector."""
        batch = integer(batch, "batch")
        w0 = np.zeros((batch, self.n_rows))
        w0[:, 0] = 1.0
        return NTMState(
            controller=self.controller.initial_state(batch),
            memory=np.full((batch, self.n_rows, self.width), self.memory_init),
            w_read=w0,
            w_write=w0.copy(),
            r=np.zeros((batch, self.width)),
        )

    def step(self, p: dict, state: NTMState, x, record: dict | None = None):
        """One step: ``(params, state, x (B, n_in)) -> (new state, logits (B, n_out))``."""
        ctrl_p = {k[5:]: v for k, v in p.items() if k.startswith("ctrl.")}
        ctrl_state = self.controller.step(ctrl_p, state.controller, concat([x, state.r], axis=-1))
        h = self.controller.output(ctrl_state)  # (B, H)

        wh = head_parameters(h @ p["write.W"].T + p["write.b"], self.width, True, len(self.shifts))
        w_write = address(
            state.memory,
            state.w_write,
            wh["k"],
            wh["beta"],
            wh["g"],
            wh["s"],
            wh["gamma"],
            self.shifts,
        )
        memory = write(state.memory, w_write, wh["e"], wh["a"])  # (B, N, M)

        rh = head_parameters(h @ p["read.W"].T + p["read.b"], self.width, False, len(self.shifts))
        w_read = address(
            memory, state.w_read, rh["k"], rh["beta"], rh["g"], rh["s"], rh["gamma"], self.shifts
        )
        r = read(memory, w_read)  # (B, M)

        logits = concat([h, r], axis=-1) @ p["V"].T + p["c"]  # (B, n_out)
        if record is not None:
            record.update(w_write=w_write, w_read=w_read, r=r, e=wh["e"], a=wh["a"])
        return NTMState(ctrl_state, memory, w_read, w_write, r), logits

    def _check(self, xs, params=None) -> None:
        """Inputs (T, B, n_in), finite, T and B at least 1; ``params`` (if given) with every
        entry of :attr:`params`, in its shape."""
        data = finite_array(xs, "inputs")
        shape = data.shape
        if len(shape) != 3 or shape[2] != self.n_in:
            raise ValueError(f"inputs have shape {shape}; {self!r} expects (T, B, {self.n_in})")
        if shape[0] == 0 or shape[1] == 0:
            raise ValueError(
                f"inputs have shape {shape}; need at least one time step and one sequence"
            )
        if params is not None and params is not self.params:
            array_dict(params, "params")
            missing = sorted(set(self.params) - set(params))
            if missing:
                raise ValueError(f"params lack {missing}; {self!r} needs {sorted(self.params)}")
            for k, v in self.params.items():
                if np.shape(data_of(params[k])) != v.shape:
                    raise ValueError(
                        f"params[{k!r}] has shape {np.shape(data_of(params[k]))}; "
                        f"{self!r} expects {v.shape}"
                    )

    def _check_targets(self, xs, targets, mask) -> tuple[np.ndarray, np.ndarray]:
        """Targets (T, B, n_out) and a mask (T, B) that scores at least one step."""
        T, B = np.shape(data_of(xs))[:2]
        targets = finite_array(targets, "targets")
        if targets.shape != (T, B, self.n_out):
            raise ValueError(
                f"targets have shape {targets.shape}; expected (T, B, n_out) = "
                f"({T}, {B}, {self.n_out}) to match the inputs"
            )
        return targets, _check_mask(mask, (T, B))

    def forward(self, p: dict, xs):
        """Logits for a whole sequence ``xs`` (T, B, n_in) -> (T, B, n_out); tensors in, tensor
        out."""
        self._check(xs, p)
        state = self.initial_state(xs.shape[1])
        outputs = []
        for t in range(xs.shape[0]):
            state, y = self.step(p, state, xs[t])
            outputs.append(y)
        from .autograd import stack

        return stack(outputs, axis=0)

    def run(self, xs: np.ndarray, params: dict | None = None) -> Episode:
        """Forward pass on plain arrays, recording memory and weightings at every step."""
        p = self.params if params is None else params
        self._check(xs, p)
        state = self.initial_state(xs.shape[1])
        rec: dict = {}
        names = ("logits", "memory", "w_read", "w_write", "r", "e", "a")
        logs: dict[str, list] = {k: [] for k in names}
        logs["memory"].append(state.memory)
        for t in range(xs.shape[0]):
            state, y = self.step(p, state, xs[t], record=rec)
            logs["logits"].append(y)
            logs["memory"].append(state.memory)
            for k in ("w_read", "w_write", "r", "e", "a"):
                logs[k].append(rec[k])
        s = {k: np.stack(v) for k, v in logs.items()}
        return Episode(s["logits"], s["memory"], s["w_read"], s["w_write"], s["r"], s["e"], s["a"])

    def loss_and_grads(self, xs: np.ndarray, targets: np.ndarray, mask: np.ndarray):
        """Mean bit cross-entropy over the masked steps, and its gradient for every parameter."""
        self._check(xs)
        targets, mask = self._check_targets(xs, targets, mask)
        leaves = {k: Tensor(v, name=k) for k, v in self.params.items()}
        with collector_paused():  # a long graph; see autograd.collector_paused
            loss = bit_cross_entropy(self.forward(leaves, xs), targets, mask)
            loss.backward()
        grads = {
            k: (t.grad if t.grad is not None else np.zeros_like(t.data)) for k, t in leaves.items()
        }
        return float(loss.data), grads

    def save(self, path, **extras: dict) -> None:
        """Write the machine to one compressed ``.npz`` file: its architecture (``ntm/...``),
        its parameters (``param/...``) and any ``extras``, each a dict of arrays or numbers
        stored under ``<name>/...`` (a training config, a history). :meth:`load` reads it back;
        :func:`saved_extras` returns the extras."""
        arrays = {f"{_ARCH}/{k}": np.asarray(v) for k, v in self._architecture().items()}
        arrays.update({f"{_PARAM}/{k}": v for k, v in self.params.items()})
        for group, values in extras.items():
            if group in (_ARCH, _PARAM) or not isinstance(values, dict):
                raise ValueError(
                    f"extra {group!r} must be a dict of arrays under a name other "
                    f"than {_ARCH!r} and {_PARAM!r}; got {describe(values)}"
                )
            for k, v in values.items():
                if not isinstance(k, str) or "/" in k:
                    raise ValueError(
                        f"extra {group!r} has key {k!r}; expected a string without '/'"
                    )
                arrays[f"{group}/{k}"] = np.asarray(v)
        np.savez_compressed(path, **arrays)

    def _architecture(self) -> dict:
        """The constructor arguments that fix the parameter shapes and the forward pass."""
        return {
            "n_in": self.n_in,
            "n_out": self.n_out,
            "n_rows": self.n_rows,
            "width": self.width,
            "n_hidden": self.n_hidden,
            "controller": self.controller_kind,
            "shifts": np.array(self.shifts),
            "memory_init": self.memory_init,
        }

    @classmethod
    def load(cls, path) -> NTM:
        """The machine :meth:`save` wrote to ``path``: same architecture, same parameters
        (bit for bit)."""
        with np.load(path) as f:
            arch = {k[len(_ARCH) + 1 :]: f[k] for k in f.files if k.startswith(f"{_ARCH}/")}
            params = {k[len(_PARAM) + 1 :]: f[k] for k in f.files if k.startswith(f"{_PARAM}/")}
        needed = {
            "n_in",
            "n_out",
            "n_rows",
            "width",
            "n_hidden",
            "controller",
            "shifts",
            "memory_init",
        }
        if not needed <= set(arch):
            raise ValueError(
                f"{path} lacks the architecture {sorted(needed - set(arch))} "
                f"(keys '{_ARCH}/...'); expected a file written by NTM.save"
            )
        model = cls(
            int(arch["n_in"]),
            int(arch["n_out"]),
            np.random.default_rng(0),
            n_rows=int(arch["n_rows"]),
            width=int(arch["width"]),
            n_hidden=int(arch["n_hidden"]),
            controller=str(arch["controller"]),
            shifts=tuple(int(k) for k in arch["shifts"]),
            memory_init=float(arch["memory_init"]),
        )
        if set(params) != set(model.params):
            raise ValueError(
                f"{path} holds parameters {sorted(params)}; {model!r} has {sorted(model.params)}"
            )
        for k, v in params.items():
            if v.shape != model.params[k].shape:
                raise ValueError(
                    f"{path}: parameter {k!r} has shape {v.shape}; {model!r} "
                    f"expects {model.params[k].shape}"
                )
            model.params[k][...] = v
        return model


_ARCH, _PARAM = "ntm", "param"


def saved_extras(path) -> dict[str, dict[str, np.ndarray]]:
    """The extras :meth:`NTM.save` stored beside a machine: ``{name: {key: array}}``."""
    extras: dict[str, dict[str, np.ndarray]] = {}
    with np.load(path) as f:
        for k in f.files:
            group, _, key = k.partition("/")
            if group not in (_ARCH, _PARAM):
                extras.setdefault(group, {})[key] = f[k]
    return extras


def bit_cross_entropy(logits, targets: np.ndarray, mask: np.ndarray):
    """Binary cross-entropy of logits z against bits y, ``softplus(z) - y z``, averaged over
    the bits of the masked steps. ``logits``, ``targets`` (T, B, n); ``mask`` (T, B)."""
    shape = np.shape(data_of(logits))
    targets = real_array(targets, "targets")
    if len(shape) != 3 or targets.shape != shape:
        raise ValueError(
            f"logits have shape {shape} and targets {targets.shape}; expected the same (T, B, n)"
        )
    mask = _check_mask(mask, shape[:2])
    weights = mask[..., None] * np.ones(targets.shape[-1])
    per_bit = softplus(logits) - targets * logits
    return (per_bit * (weights / weights.sum())).sum()


def _check_mask(mask, shape: tuple[int, ...]) -> np.ndarray:
    """A mask of ``shape`` with finite weights >= 0 and at least one scored step."""
    mask = real_array(mask, "mask")
    if mask.shape != shape:
        raise ValueError(f"mask has shape {mask.shape}; expected (T, B) = {shape}")
    if not (np.isfinite(mask).all() and (mask >= 0).all()):
        raise ValueError(
            f"mask must hold finite weights >= 0; got values from {mask.min()} to {mask.max()}"
        )
    if mask.sum() == 0:
        raise ValueError(
            "mask scores no step (every entry is 0); expected at least one scored "
            "step to average over"
        )
    return mask


# ---------------------------------------------------------------------------------------
# The copy task
# ---------------------------------------------------------------------------------------


@dataclass
class CopyBatch:
    """A copy-task batch: ``xs`` (T, B, bits + 1), ``targets`` (T, B, bits), ``mask`` (T, B)."""

    xs: np.ndarray
    targets: np.ndarray
    mask: np.ndarray
    length: int


def copy_batch(rng: np.random.Generator, batch: int, length: int, bits: int) -> CopyBatch:
    """``length`` random binary vectors, a delimiter, then ``length`` blank steps for the answer.

    Input channel ``bits`` is the delimiter flag. T = 2 * length + 1; the mask is 1 on the
    answer steps, where the targets are the input vectors in the same order.
    """
    generator(rng)
    batch, bits = integer(batch, "batch"), integer(bits, "bits")
    length = integer(length, "length")
    T = 2 * length + 1
    seq = rng.integers(0, 2, size=(length, batch, bits)).astype(np.float64)
    xs = np.zeros((T, batch, bits + 1))
    xs[:length, :, :bits] = seq
    xs[length, :, bits] = 1.0
    targets = np.zeros((T, batch, bits))
    targets[length + 1 :] = seq
    mask = np.zeros((T, batch))
    mask[length + 1 :] = 1.0
    return CopyBatch(xs, targets, mask, length)


def bit_errors(logits: np.ndarray, batch: CopyBatch) -> np.ndarray:
    """Wrong bits per sequence (B,), thresholding the output probabilities at 1/2."""
    if not isinstance(batch, CopyBatch):
        raise TypeError(f"batch must be a CopyBatch (from copy_batch), got {describe(batch)}")
    if np.shape(data_of(logits)) != batch.targets.shape:
        raise ValueError(
            f"logits have shape {np.shape(data_of(logits))}; expected "
            f"{batch.targets.shape} like the batch's targets"
        )
    guess = (data_of(logits) > 0).astype(np.float64)
    wrong = (guess != batch.targets) * batch.mask[..., None]
    return wrong.sum(axis=(0, 2))
