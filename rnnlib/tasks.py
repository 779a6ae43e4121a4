"""Seeded sequence tasks: copy/memory, adding, embedded Reber, a character language model and
pulse timing.

Every task has ``n_in``, ``n_out``, ``kind`` and ``sample(rng, batch_size) -> Batch``:

* ``kind == "classify"``: ``targets`` are integer classes of shape (T, B);
* ``kind == "regress"``: ``targets`` are floats of shape (T, B, n_out).

``mask`` (T, B) is 1 where the output is scored and 0 elsewhere; losses average over the
scored positions only. Nothing is downloaded: the language model reads the prose that ships
with every Python install (``pydoc_data.topics``, the text of ``help()``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .checks import describe, keyword_arguments


@dataclass
class Batch:
    """One batch: ``xs`` (T, B, n_in), ``targets`` (T, B) or (T, B, n_out), ``mask`` (T, B)."""

    xs: np.ndarray
    targets: np.ndarray
    mask: np.ndarray

    @property
    def n_scored(self) -> int:
        """How many (time, sequence) positions the loss counts."""
        return int(self.mask.sum())


def _check_rng(rng) -> None:
    if not isinstance(rng, np.random.Generator):
        raise TypeError(
            f"rng must be a numpy Generator (np.random.default_rng(seed)), got {type(rng).__name__}"
        )


def _check_batch_size(batch_size) -> None:
    if (
        isinstance(batch_size, bool)
        or not isinstance(batch_size, (int, np.integer))
        or batch_size < 1
    ):
        raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")


def _count(label: str, value, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{label} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def one_hot(indices: np.ndarray, n: int) -> np.ndarray:
    """Float one-hot vectors: shape ``indices.shape + (n,)``; ``indices`` are integers in [0, n)."""
    n = _count("n", n, 1)
    indices = np.asarray(indices)
    if indices.size and not np.issubdtype(indices.dtype, np.integer):
        raise TypeError(f"indices must be integers in [0, {n}), got dtype {indices.dtype}")
    if indices.size and (indices.min() < 0 or indices.max() >= n):
        raise ValueError(
            f"indices must lie in [0, {n}), got values from {indices.min()} to {indices.max()}"
        )
    return np.eye(n)[indices]


class Task:
    """Base class for the tasks below."""

    name = "task"
    kind = "classify"
    n_in = 0
    n_out = 0

    def sample(self, rng: np.random.Generator, batch_size: int) -> Batch:
        raise NotImplementedError

    def chance_loss(self) -> float:
        """The loss of a model that knows nothing about the inputs (a reference line for plots)."""
        raise NotImplementedError


class CopyTask(Task):
    """Remember ``length`` symbols, wait ``delay`` blank steps, then reproduce them in order.

    Time steps: ``length`` symbol steps, ``delay`` blank steps, ``length`` recall steps, so
    ``T = 2 * length + delay`` and each symbol must be held for ``length + delay`` steps.
    Inputs (``n_in = n_symbols + 2``): a one-hot symbol in the first ``length`` steps, a
    "blank" channel during the delay, a "recall" channel during the recall steps.
    Targets are the symbols (``n_out = n_symbols``) and only the recall steps are scored.
    """

    name = "copy"
    kind = "classify"

    def __init__(self, n_symbols: int = 4, length: int = 3, delay: int = 5):
        self.n_symbols = _count("n_symbols", n_symbols, 2)
        self.length = _count("length", length, 1)
        self.delay = _count("delay", delay, 0)
        self.n_in = self.n_symbols + 2
        self.n_out = self.n_symbols
        self.T = 2 * self.length + self.delay

    def sample(self, rng, batch_size):
        _check_rng(rng)
        _check_batch_size(batch_size)
        L, D, T, k = self.length, self.delay, self.T, self.n_symbols
        symbols = rng.integers(0, k, size=(L, batch_size))
        xs = np.zeros((T, batch_size, self.n_in))
        xs[:L, :, :k] = one_hot(symbols, k)
        xs[L : L + D, :, k] = 1.0  # blank
        xs[L + D :, :, k + 1] = 1.0  # recall
        targets = np.zeros((T, batch_size), dtype=np.int64)
        targets[L + D :] = symbols
        mask = np.zeros((T, batch_size))
        mask[L + D :] = 1.0
        return Batch(xs, targets, mask)

    def chance_loss(self):
        return float(np.log(self.n_symbols))

    def __repr__(self):
        return f"CopyTask(n_symbols={self.n_symbols}, length={self.length}, delay={self.delay})"


class AddingTask(Task):
    """The adding problem (Hochreiter and Schmidhuber 1997): add the two marked numbers.

    Input channel 0 holds numbers drawn from Uniform[0, 1]; channel 1 marks two of them, one
    in the first half of the sequence and one in the second. The target, scored only at the
    last step, is the sum of the two marked numbers. Always answering 1 gives a mean squared
    error of 1/6 (the variance of the sum): :meth:`chance_loss`.
    """

    name = "adding"
    kind = "regress"
    n_in = 2
    n_out = 1

    def __init__(self, length: int = 50):
        self.length = _count("length", length, 2)
        self.T = self.length

    def sample(self, rng, batch_size):
        _check_rng(rng)
        _check_batch_size(batch_size)
        T, half = self.length, self.length // 2
        values = rng.uniform(0.0, 1.0, size=(T, batch_size))
        first = rng.integers(0, half, size=batch_size)
        second = rng.integers(half, T, size=batch_size)
        marks = np.zeros((T, batch_size))
        columns = np.arange(batch_size)
        marks[first, columns] = 1.0
        marks[second, columns] = 1.0
        xs = np.stack([values, marks], axis=-1)  # (T, B, 2)
        targets = np.zeros((T, batch_size, 1))
        targets[-1, :, 0] = (values * marks).sum(axis=0)
        mask = np.zeros((T, batch_size))
        mask[-1] = 1.0
        return Batch(xs, targets, mask)

    def chance_loss(self):
        return 1.0 / 6.0

    def __repr__(self):
        return f"AddingTask(length={self.length})"


# The Reber grammar as a graph: state -> list of (symbol, next state); state 6 emits E and ends.
REBER_SYMBOLS = "BTPSXVE"
_REBER_GRAPH = {
    0: [("B", 1)],
    1: [("T", 2), ("P", 3)],
    2: [("S", 2), ("X", 4)],
    3: [("T", 3), ("V", 5)],
    4: [("X", 3), ("S", 6)],
    5: [("P", 4), ("V", 6)],
    6: [("E", None)],
}


class EmbeddedReber(Task):
    """Next-symbol prediction on the embedded Reber grammar (Hochreiter and Schmidhuber 1997).

    A string is ``B a <Reber string> a E`` with ``a`` either ``T`` or ``P``: the second-to-last
    symbol must repeat the second one, across the whole inner string. The input at step t is
    symbol t (one-hot over ``BTPSXVE``) and the target is symbol t + 1. Strings differ in length;
    a batch is padded at the end (zero input, mask 0).

    ``score`` picks the positions the loss counts:

    * ``"long"`` (default): only the prediction of the second-to-last symbol, the one that needs
      the memory; chance there is log 2 (T or P), a perfect model reaches 0;
    * ``"determined"``: every position whose next symbol the grammar fixes (after the memory is
      read), including the long one;
    * ``"all"``: every next-symbol prediction (where the grammar allows two symbols the best
      possible loss is log 2).
    """

    name = "reber"
    kind = "classify"
    n_in = n_out = len(REBER_SYMBOLS)
    SCORES = ("long", "determined", "all")

    def __init__(self, score: str = "long", max_length: int | None = None):
        if not isinstance(score, str) or score not in self.SCORES:
            raise ValueError(f"unknown score {score!r}; expected one of {self.SCORES}")
        self.score = score
        if max_length is not None:
            max_length = _count("max_length", max_length, 9)  # shortest string: BTBTXSETE
        self.max_length = max_length

    @staticmethod
    def reber_string(rng: np.random.Generator) -> tuple[str, list[bool]]:
        """One (inner) Reber string and, per symbol after the first, whether it was forced."""
        state, out, forced = 0, [], []
        while state is not None:
            options = _REBER_GRAPH[state]
            symbol, state = options[rng.integers(len(options))] if len(options) > 1 else options[0]
            out.append(symbol)
            forced.append(len(options) == 1)
        return "".join(out), forced[1:]

    def string(self, rng: np.random.Generator) -> tuple[str, list[bool]]:
        """One embedded string and, for each symbol after the first, whether it is determined."""
        while True:
            a = "TP"[rng.integers(2)]
            inner, inner_forced = self.reber_string(rng)
            text = "B" + a + inner + a + "E"
            # determined: a (no), inner B (yes), inner symbols, second a (yes, by memory), E (yes)
            forced = [False, True, *inner_forced, True, True]
            if self.max_length is None or len(text) <= self.max_length:
                return text, forced

    def sample(self, rng, batch_size):
        _check_rng(rng)
        _check_batch_size(batch_size)
        strings = [self.string(rng) for _ in range(batch_size)]
        T = max(len(s) for s, _ in strings) - 1
        xs = np.zeros((T, batch_size, self.n_in))
        targets = np.zeros((T, batch_size), dtype=np.int64)
        mask = np.zeros((T, batch_size))
        for b, (text, forced) in enumerate(strings):
            codes = np.array([REBER_SYMBOLS.index(ch) for ch in text])
            n = len(text) - 1
            xs[:n, b] = one_hot(codes[:-1], self.n_in)
            targets[:n, b] = codes[1:]
            if self.score == "long":
                mask[n - 2, b] = 1.0  # target at step n - 2 is the second-to-last symbol
            elif self.score == "determined":
                mask[:n, b] = np.array(forced, dtype=np.float64)
            else:
                mask[:n, b] = 1.0
        return Batch(xs, targets, mask)

    def chance_loss(self):
        return float(np.log(2.0))

    def __repr__(self):
        return f"EmbeddedReber(score={self.score!r})"


# Non-ASCII characters of the help text, mapped to ASCII so the vocabulary stays small.
_ASCII = {
    "\u201c": '"',
    "\u201d": '"',
    "\u2018": "'",
    "\u2019": "'",
    "\u2013": "-",
    "\u2014": "-",
    "\u2026": "...",
    "\u00b0": " degrees",
    "\u00df": "ss",
}


def help_text() -> str:
    """The prose of Python's ``help()`` topics (``pydoc_data.topics``), as ASCII.

    It ships with every CPython, so nothing is downloaded; its exact content depends on the
    Python version (about 460,000 characters on 3.11).
    """
    from pydoc_data.topics import topics

    text = "\n".join(topics[key] for key in sorted(topics))
    for ch, repl in _ASCII.items():
        text = text.replace(ch, repl)
    return "".join(ch for ch in text if ch == "\n" or " " <= ch <= "~")


class CharLM(Task):
    """Character-level language modelling: predict each next character of a text.

    A batch holds random windows of ``seq_len + 1`` characters from the text (start positions
    drawn from ``rng``); inputs are the first ``seq_len`` characters one-hot, targets the next
    character at every step, all positions scored. The text defaults to :func:`help_text`.
    """

    name = "charlm"
    kind = "classify"

    def __init__(self, seq_len: int = 50, text: str | None = None):
        self.seq_len = _count("seq_len", seq_len, 1)
        self.T = self.seq_len
        if text is not None and not isinstance(text, str):
            raise TypeError(
                f"text must be a str (or None for Python's help text), got {describe(text)}"
            )
        self.text = help_text() if text is None else text
        if len(self.text) < self.seq_len + 1:
            raise ValueError(
                f"text must be a str of at least seq_len + 1 = {self.seq_len + 1} characters, "
                f"got one of length {len(self.text)}"
            )
        self.vocab = sorted(set(self.text))
        self.index = {ch: k for k, ch in enumerate(self.vocab)}
        self.codes = self.encode(self.text)
        self.n_in = self.n_out = len(self.vocab)

    def encode(self, text: str) -> np.ndarray:
        """Characters to integer codes."""
        if not isinstance(text, str):
            raise TypeError(f"encode needs a str, got {describe(text)}")
        try:
            return np.array([self.index[ch] for ch in text], dtype=np.int64)
        except KeyError as error:
            raise ValueError(
                f"character {error.args[0]!r} is not in this text's vocabulary of "
                f"{len(self.vocab)} characters"
            ) from None

    def decode(self, codes) -> str:
        """Integer codes back to a string."""
        codes = np.asarray(codes).ravel()
        if codes.size and not np.issubdtype(codes.dtype, np.integer):
            raise TypeError(
                f"codes must be integers in [0, {len(self.vocab)}), got dtype {codes.dtype}"
            )
        if codes.size and (codes.min() < 0 or codes.max() >= len(self.vocab)):
            raise ValueError(
                f"codes must lie in [0, {len(self.vocab)}), got values from "
                f"{codes.min()} to {codes.max()}"
            )
        return "".join(self.vocab[int(k)] for k in codes)

    def sample(self, rng, batch_size):
        _check_rng(rng)
        _check_batch_size(batch_size)
        L = self.seq_len
        starts = rng.integers(0, len(self.codes) - L, size=batch_size)
        windows = self.codes[starts[None, :] + np.arange(L + 1)[:, None]]  # (L + 1, B)
        xs = one_hot(windows[:-1], self.n_in)
        return Batch(xs, windows[1:].copy(), np.ones((L, batch_size)))

    def chance_loss(self):
        """Cross-entropy of the unigram character frequencies (a model with no memory at all)."""
        freq = np.bincount(self.codes, minlength=self.n_out) / len(self.codes)
        freq = freq[freq > 0]
        return float(-(freq * np.log(freq)).sum())

    def __repr__(self):
        return f"CharLM(seq_len={self.seq_len}, vocab={self.n_out})"


class DelayedRecall(Task):
    """Recall the symbol seen exactly ``delay`` steps earlier, in a stream of random symbols.

    Input at every step: a one-hot symbol (``n_in = n_symbols``), drawn uniformly and
    independently. The target at step t is the input symbol of step ``t - delay``; the first
    ``delay`` steps have no target (mask 0), every later one is scored. The dependency length
    is exactly ``delay``, so a truncated backward pass of fewer than ``delay + 1`` steps never
    links a target to the input it depends on. Guessing costs ``log n_symbols``.
    """

    name = "recall"
    kind = "classify"

    def __init__(self, n_symbols: int = 3, delay: int = 4, length: int = 24):
        self.n_symbols = _count("n_symbols", n_symbols, 2)
        self.delay = _count("delay", delay, 0)
        self.length = _count("length", length, 1)
        if self.delay >= self.length:
            raise ValueError(
                f"delay must be below length (some step must be scored); got "
                f"delay={delay}, length={length}"
            )
        self.n_in = self.n_out = self.n_symbols
        self.T = self.length

    def sample(self, rng, batch_size):
        _check_rng(rng)
        _check_batch_size(batch_size)
        T, D = self.length, self.delay
        symbols = rng.integers(0, self.n_symbols, size=(T, batch_size))
        targets = np.zeros((T, batch_size), dtype=np.int64)
        targets[D:] = symbols[: T - D]
        mask = np.zeros((T, batch_size))
        mask[D:] = 1.0
        return Batch(one_hot(symbols, self.n_symbols), targets, mask)

    def chance_loss(self):
        return float(np.log(self.n_symbols))

    def __repr__(self):
        return (
            f"DelayedRecall(n_symbols={self.n_symbols}, delay={self.delay}, length={self.length})"
        )


class PulseTiming(Task):
    """Emit a pulse exactly ``delay`` steps after a cue: a task where the moment matters.

    Input (1 channel): 1 at the cue step, drawn uniformly from ``[0, length - delay - 1]``,
    0 elsewhere. Target (T, B, 1): 1 at ``cue + delay``, 0 elsewhere. Nothing in the input
    marks the moment of the pulse: the network has to count the steps itself.

    Every step is scored, but not equally: the mask (T, B) weighs the pulse step as much as
    all the others together, ``1/2`` at the pulse and ``1 / (2 (length - 1))`` elsewhere, so
    each sequence's weights sum to 1 (with equal weights, predicting 0 everywhere would be
    nearly perfect). Predicting 0 everywhere costs 1/2: :meth:`chance_loss`.
    """

    name = "pulse"
    kind = "regress"
    n_in = 1
    n_out = 1

    def __init__(self, length: int = 20, delay: int = 8):
        self.length = _count("length", length, 2)
        self.delay = _count("delay", delay, 1)
        if self.delay >= self.length:
            raise ValueError(f"delay must be in [1, length); got delay={delay}, length={length}")
        self.T = self.length

    def sample(self, rng, batch_size):
        _check_rng(rng)
        _check_batch_size(batch_size)
        L, columns = self.length, np.arange(batch_size)
        cues = rng.integers(0, L - self.delay, size=batch_size)
        xs = np.zeros((L, batch_size, 1))
        targets = np.zeros((L, batch_size, 1))
        xs[cues, columns, 0] = 1.0
        targets[cues + self.delay, columns, 0] = 1.0
        mask = np.where(targets[..., 0] > 0, L - 1.0, 1.0) / (2.0 * (L - 1.0))
        return Batch(xs, targets, mask)

    def cues(self, batch: Batch) -> np.ndarray:
        """The cue step of each sequence of ``batch`` (B,), read from its inputs."""
        return np.argmax(batch.xs[:, :, 0], axis=0)

    def chance_loss(self):
        return 0.5

    def __repr__(self):
        return f"PulseTiming(length={self.length}, delay={self.delay})"


TASKS: dict[str, type[Task]] = {
    "copy": CopyTask,
    "adding": AddingTask,
    "reber": EmbeddedReber,
    "charlm": CharLM,
    "recall": DelayedRecall,
    "pulse": PulseTiming,
}


def get_task(name: str, **kwargs) -> Task:
    """Build a task by name: ``"copy"``, ``"adding"``, ``"reber"``, ``"charlm"`` or ``"pulse"``."""
    if not isinstance(name, str) or name not in TASKS:
        raise ValueError(f"unknown task {name!r}; expected one of {sorted(TASKS)}")
    keyword_arguments(TASKS[name], kwargs, skip=0)
    return TASKS[name](**kwargs)
