"""Chapter 10 ("An LSTM that writes text"), the model: a character model of Python's own
source code. It holds the corpus, the bits-per-character baselines, the two models and their
training with checkpoints, the shipped weights, sampling at a temperature and the statistics of
samples, the training figure (:func:`plot_training`) and the temperature exercise's check.

The maths: a model reads one-hot characters ``x_t`` and predicts the next one with
``p(x_{t+1} | x_1..x_t) = softmax((V h_t + c) / tau)`` (``tau = 1`` in training and scoring);
its loss in bits per character is ``-mean_t log2 p(x_{t+1})`` (:func:`model_bits`, the core's
``Model.loss`` divided by ``ln 2``). Training is rnnlib's ``CharLM`` task, ``rnnlib.train.train``
and ``rnnlib.optim.Adam``. What the trained cell holds (features, correlations, the coloured
passages and the widget) is in :mod:`rnnlib.book.char_memory`.

The corpus is a fixed list of modules of the standard library, read from the reader's own
Python installation (nothing is shipped or downloaded); its exact text depends on the Python
version, which :class:`Corpus` records. Shapes follow rnnlib: sequences (T, B, n_in).
"""

from __future__ import annotations

import json
import re
import sys
import sysconfig
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..cells import make_cell
from ..checks import describe, generator, integer
from ..losses import softmax
from ..model import Model
from ..optim import Adam
from ..tasks import Batch, CharLM, one_hot
from ..train import History, train
from . import style
from .judge import judge

#: Training files (modules of the standard library, present in CPython 3.9 to 3.13).
TRAIN_FILES = (
    "abc",
    "bisect",
    "calendar",
    "colorsys",
    "contextlib",
    "copy",
    "csv",
    "dataclasses",
    "difflib",
    "fnmatch",
    "fractions",
    "functools",
    "glob",
    "heapq",
    "numbers",
    "operator",
    "pprint",
    "queue",
    "random",
    "reprlib",
    "sched",
    "shlex",
    "shutil",
    "statistics",
    "string",
    "textwrap",
    "tokenize",
    "traceback",
    "types",
    "weakref",
)
#: Held-out files: never seen in training; validation loss and the look inside use them.
VALID_FILES = ("cmd", "code", "getopt", "timeit")

DATA = Path(__file__).resolve().parent.parent / "data" / "char_model"

BRACKETS = {")": "(", "]": "[", "}": "{"}
WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def clean(text: str) -> str:
    """Tabs as four spaces; every character outside printable ASCII and newline as ``?``."""
    if not isinstance(text, str):
        raise TypeError(f"clean needs a str, got {describe(text)}")
    text = text.replace("\r\n", "\n").replace("\t", "    ")
    return "".join(ch if ch == "\n" or " " <= ch <= "~" else "?" for ch in text)


def stdlib_source(name: str) -> str:
    """The cleaned source of the standard-library module file ``<name>.py`` of this Python."""
    path = Path(sysconfig.get_paths()["stdlib"]) / f"{name}.py"
    if not path.exists():
        raise FileNotFoundError(
            f"{path} is not in this Python ({sys.version.split()[0]}); "
            f"the corpus expects the modules {TRAIN_FILES + VALID_FILES}"
        )
    return clean(path.read_text(encoding="utf-8"))


@dataclass
class Corpus:
    """Training and held-out text, file by file, and the Python version it was read from."""

    train_files: dict[str, str]
    valid_files: dict[str, str]
    python: str = field(default_factory=lambda: sys.version.split()[0])

    @property
    def train(self) -> str:
        return "\n".join(self.train_files.values())

    @property
    def valid(self) -> str:
        return "\n".join(self.valid_files.values())

    def words(self) -> set[str]:
        """Every identifier-like word of the training text."""
        return set(WORD.findall(self.train))


def stdlib_corpus(train_files=TRAIN_FILES, valid_files=VALID_FILES) -> Corpus:
    """The corpus: the listed modules of this Python's standard library, in the listed order."""
    return Corpus(
        {n: stdlib_source(n) for n in train_files}, {n: stdlib_source(n) for n in valid_files}
    )


def char_task(corpus: Corpus, seq_len: int = 100) -> CharLM:
    """rnnlib's character task on the training text: random windows of ``seq_len`` characters."""
    return CharLM(seq_len=seq_len, text=corpus.train)


def encode(task: CharLM, text: str) -> np.ndarray:
    """Codes of ``text`` in the task's vocabulary; characters it lacks become ``?``."""
    known = set(task.vocab)
    return task.encode("".join(ch if ch in known else "?" for ch in text))


# ---------------------------------------------------------------- baselines (bits per char)


def ngram_bits(
    train_codes: np.ndarray,
    valid_codes: np.ndarray,
    vocab_size: int,
    order: int = 1,
    alpha: float = 1.0,
) -> float:
    """Bits per character on ``valid_codes[1:]`` of an add-``alpha`` smoothed count model.

    ``order=0``: unigram ``p(x) = (n(x) + a) / (N + a V)``; ``order=1``: bigram
    ``p(x | y) = (n(y, x) + a) / (n(y) + a V)``, ``y`` the previous character. Counts come from
    ``train_codes``; both models score the same targets as :func:`model_bits`.
    """
    V = integer(vocab_size, "vocab_size")
    if order not in (0, 1):
        raise ValueError(f"order must be 0 (unigram) or 1 (bigram), got {order!r}")
    train_codes, valid_codes = np.asarray(train_codes), np.asarray(valid_codes)
    if order == 0:
        counts = np.bincount(train_codes, minlength=V) + alpha
        p = counts[valid_codes[1:]] / counts.sum()
    else:
        pairs = np.bincount(train_codes[:-1] * V + train_codes[1:], minlength=V * V)
        pairs = pairs.reshape(V, V) + alpha  # pairs[y, x] = n(y x) + alpha
        p = pairs[valid_codes[:-1], valid_codes[1:]] / pairs.sum(axis=1)[valid_codes[:-1]]
    return float(-np.log2(p).mean())


def model_bits(model: Model, codes: np.ndarray, window: int = 100) -> float:
    """Bits per character of ``model`` on ``codes[1:]``, read in consecutive windows of
    ``window`` characters, each from the zero state (as in training); the last window may be
    shorter. Every target but the first character is scored once.

    The windows are the columns of one batch (the short last one padded and masked out), so
    the number is ``Model.loss`` (the mean cross-entropy in nats) divided by ``ln 2``.
    """
    window = integer(window, "window")
    codes = np.asarray(codes)
    n_targets = len(codes) - 1
    if n_targets < 1:
        raise ValueError(f"model_bits needs at least 2 codes, got {len(codes)}")
    B = -(-n_targets // window)  # windows, the last ragged
    padded = np.zeros(B * window + 1, dtype=np.int64)
    padded[: len(codes)] = codes
    x = padded[:-1].reshape(B, window).T  # (window, B)
    y = padded[1:].reshape(B, window).T
    mask = (np.arange(B * window) < n_targets).reshape(B, window).T.astype(float)
    batch = Batch(one_hot(x, model.n_out), y, mask)
    return model.loss(batch, "classify") / float(np.log(2))


# ---------------------------------------------------------------- models and training


def lstm_params(n: int, m: int, k: int) -> int:
    """Parameters of an LSTM of n units on m inputs with a k-way readout."""
    return 4 * (n * n + n * m + n) + k * n + k


def vanilla_params(n: int, m: int, k: int) -> int:
    """Parameters of a vanilla RNN of n units on m inputs with a k-way readout."""
    return n * n + n * m + n + k * n + k


def matched_vanilla_size(n_lstm: int, m: int, k: int) -> int:
    """The vanilla RNN width whose parameter count is closest to an LSTM of ``n_lstm`` units."""
    target = lstm_params(n_lstm, m, k)
    sizes = np.arange(1, 8 * n_lstm + 1)
    return int(sizes[np.argmin(np.abs(vanilla_params(sizes, m, k) - target))])


@dataclass
class CharConfig:
    """The committed training run (``scripts/train_char_model.py``)."""

    n_lstm: int = 64
    seq_len: int = 100
    truncate: int = 50
    batch: int = 32
    steps: int = 1200
    checkpoints: tuple[int, ...] = (100, 400, 1200)
    lr: float = 3e-3
    clip_norm: float = 1.0
    seed: int = 0


def make_model(kind: str, task: CharLM, cfg: CharConfig) -> Model:
    """A fresh ``"lstm"`` (``cfg.n_lstm`` units) or ``"vanilla"`` (matched parameter count)
    model for ``task``, initialised from a generator seeded by ``cfg.seed`` and ``kind``."""
    if kind not in ("lstm", "vanilla"):
        raise ValueError(f"kind must be 'lstm' or 'vanilla', got {kind!r}")
    rng = np.random.default_rng([cfg.seed, 0 if kind == "lstm" else 1])
    n = cfg.n_lstm if kind == "lstm" else matched_vanilla_size(cfg.n_lstm, task.n_in, task.n_out)
    return Model(make_cell(kind, n_in=task.n_in, n_hidden=n, rng=rng), task.n_out, rng)


def train_with_checkpoints(
    kind: str, task: CharLM, cfg: CharConfig, progress: bool = True, log=print, on_checkpoint=None
) -> tuple[Model, dict[int, dict[str, np.ndarray]], History]:
    """Train one model with one Adam for ``cfg.steps`` steps, by :func:`rnnlib.train.train`
    called once per stretch between checkpoints (same optimizer, same data stream: the same
    numbers as one call). Returns the model, copies of its parameters at every checkpoint
    step, and the joined history; ``on_checkpoint(model, saved, history_so_far)`` is called at
    each checkpoint (the script saves there, so a stopped run keeps its checkpoints)."""
    model = make_model(kind, task, cfg)
    data_rng = np.random.default_rng([cfg.seed, 2 if kind == "lstm" else 3])
    opt = Adam(cfg.lr)
    saved, parts, done = {}, [], 0
    for stop in cfg.checkpoints:
        h = train(
            model,
            task,
            stop - done,
            opt,
            data_rng,
            batch_size=cfg.batch,
            clip_norm=cfg.clip_norm,
            truncate=cfg.truncate,
            progress=progress,
        )
        parts.append(h)
        done = stop
        saved[stop] = {k: v.copy() for k, v in model.params.items()}
        log(f"{kind}: step {stop}, mean loss of the last 20 steps {h.final_loss():.4f} nats")
        if h.diverged:
            raise FloatingPointError(h.message)
        if on_checkpoint is not None:
            on_checkpoint(model, saved, _joined(parts))
    return model, saved, _joined(parts)


def _joined(parts: list[History]) -> History:
    """One history from the histories of consecutive train() calls."""
    offset, losses, norms, times = 0.0, [], [], []
    for h in parts:
        losses.append(h.loss)
        norms.append(h.grad_norm)
        times.append(h.wall_time + offset)
        offset += h.wall_time[-1]
    return History(np.concatenate(losses), np.concatenate(norms), np.concatenate(times))


# ---------------------------------------------------------------- shipped weights


def save_weights(path: Path, checkpoints: dict[str, dict[int, dict[str, np.ndarray]]]) -> None:
    """Save ``{kind: {step: params}}`` as float16 (small package data) in one npz file."""
    arrays = {
        f"{kind}/{step}/{name}": value.astype(np.float16)
        for kind, steps in checkpoints.items()
        for step, params in steps.items()
        for name, value in params.items()
    }
    np.savez_compressed(path, **arrays)


@dataclass
class Trained:
    """The shipped run: its log, the task, and the models at each checkpoint."""

    log: dict
    task: CharLM
    corpus: Corpus
    models: dict[tuple[str, int], Model]

    def model(self, kind: str, step: int | None = None) -> Model:
        step = self.log["config"]["steps"] if step is None else step
        if (kind, step) not in self.models:
            raise ValueError(f"no checkpoint ({kind!r}, {step}); have {sorted(self.models)}")
        return self.models[(kind, step)]


def load_trained(folder: Path | None = None) -> Trained:
    """The committed checkpoints (``lstm.npz``/``.json``, ``vanilla.npz``/``.json`` in
    ``folder``) as float64 models, on this Python's corpus."""
    folder = Path(folder or DATA)
    logs = {}
    for kind in ("lstm", "vanilla"):
        if not (folder / f"{kind}.npz").exists():
            raise FileNotFoundError(
                f"no weights at {folder / (kind + '.npz')}; they ship with rnnlib (rnnlib/data/), "
                f"or run `python scripts/train_char_model.py` (about 15 minutes)"
            )
        logs[kind] = json.loads((folder / f"{kind}.json").read_text())
    record = {**logs["lstm"], "models": {k: v["models"][k] for k, v in logs.items()}}
    cfg = CharConfig(**{**record["config"], "checkpoints": tuple(record["config"]["checkpoints"])})
    corpus = stdlib_corpus(tuple(record["train_files"]), tuple(record["valid_files"]))
    task = char_task(corpus, cfg.seq_len)
    models = {}
    for kind in ("lstm", "vanilla"):
        with np.load(folder / f"{kind}.npz") as f:
            for step in cfg.checkpoints:
                model = make_model(kind, task, cfg)
                for name, value in model.params.items():
                    value[...] = f[f"{kind}/{step}/{name}"].astype(np.float64)
                models[(kind, step)] = model
    return Trained(record, task, corpus, models)


# ---------------------------------------------------------------- sampling


def sample(
    model: Model,
    task: CharLM,
    n_chars: int,
    temperature: float,
    rng: np.random.Generator,
    n_samples: int = 1,
    start: str = "\n",
) -> list[str]:
    """``n_samples`` texts of ``n_chars`` characters drawn from ``model`` at ``temperature``
    (a number, or one per sample).

    A plain numpy loop over the cell's own ``step``: after reading the previous character,
    ``p = softmax((V h + c) / temperature)``; the next character is drawn from ``p``. Every
    sample starts from the zero state after reading ``start``.
    """
    n_chars = integer(n_chars, "n_chars")
    generator(rng)
    tau = np.asarray(temperature, dtype=float) if not isinstance(temperature, str) else None
    if (
        tau is None
        or tau.ndim > 1
        or (tau.ndim == 1 and tau.shape != (n_samples,))
        or not np.all(tau > 0)
    ):
        raise ValueError(
            f"temperature must be a number > 0 or one per sample ({n_samples}), got {temperature!r}"
        )
    tau = tau.reshape(-1, 1) if tau.ndim == 1 else tau
    if not (isinstance(start, str) and start and set(start) <= set(task.vocab)):
        raise ValueError(
            f"start must be a non-empty str of characters of the vocabulary, got {start!r}"
        )
    cell, V, c = model.cell, model.readout["V"], model.readout["c"]
    state = cell.initial_state(n_samples)
    out = np.zeros((n_chars, n_samples), dtype=np.int64)
    for ch in start[:-1]:
        x = one_hot(np.full(n_samples, task.index[ch]), task.n_in)
        state = cell.step(cell.params, state, x)
    code = np.full(n_samples, task.index[start[-1]])
    for t in range(n_chars):
        state = cell.step(cell.params, state, one_hot(code, task.n_in))
        p = softmax((cell.output(state) @ V.T + c) / tau, axis=1)  # (B, V)
        u = rng.random((n_samples, 1))
        code = np.minimum((p.cumsum(axis=1) < u).sum(axis=1), task.n_in - 1)
        out[t] = code
    return [task.decode(out[:, b]) for b in range(n_samples)]


# ---------------------------------------------------------------- sample statistics


def brackets_well_nested(text: str) -> bool:
    """True when every closing bracket closes the most recent open one of its kind (brackets
    still open where the text is cut off are allowed: a sample stops mid-expression)."""
    stack = []
    for ch in text:
        if ch in "([{":
            stack.append(ch)
        elif ch in BRACKETS and (not stack or stack.pop() != BRACKETS[ch]):
            return False
    return True


def line_fraction_under(text: str, limit: int = 80) -> float:
    """Fraction of the lines of ``text`` shorter than ``limit`` characters."""
    lines = text.split("\n")
    return float(np.mean([len(line) < limit for line in lines]))


def indent_fraction(text: str) -> float:
    """Fraction of non-blank lines whose indentation is a multiple of four spaces."""
    lines = [line for line in text.split("\n") if line.strip()]
    if not lines:
        return float("nan")
    return float(np.mean([(len(line) - len(line.lstrip(" "))) % 4 == 0 for line in lines]))


def known_word_fraction(text: str, words: set[str]) -> float:
    """Fraction of the identifier-like words of ``text`` that occur in ``words``."""
    found = WORD.findall(text)
    return float(np.mean([w in words for w in found])) if found else float("nan")


def space_fraction(text: str) -> float:
    """Fraction of the characters of ``text`` that are spaces."""
    return text.count(" ") / len(text) if text else float("nan")


STATISTICS = (
    "well-nested brackets",
    "lines < 80 chars",
    "indent multiple of 4",
    "known words",
    "spaces",
)


def sample_statistics(samples: list[str], words: set[str]) -> dict[str, float]:
    """The mean over ``samples`` of each statistic of :data:`STATISTICS`."""
    if not samples:
        raise ValueError("sample_statistics needs at least one sample")
    rows = [
        (
            brackets_well_nested(s),
            line_fraction_under(s),
            indent_fraction(s),
            known_word_fraction(s, words),
            space_fraction(s),
        )
        for s in samples
    ]
    return {name: float(np.nanmean(col)) for name, col in zip(STATISTICS, zip(*rows))}


def reference_windows(text: str, n_chars: int, n: int) -> list[str]:
    """``n`` windows of ``n_chars`` characters of real text, each starting at a line with no
    indentation (where a sample, which starts after a newline, starts too), evenly spread."""
    starts = [m.start() + 1 for m in re.finditer(r"\n(?=[^\s])", text)]
    starts = [s for s in starts if s + n_chars <= len(text)]
    if len(starts) < n:
        raise ValueError(f"only {len(starts)} windows of {n_chars} characters fit; asked {n}")
    picks = np.linspace(0, len(starts) - 1, n).round().astype(int)
    return [text[starts[k] : starts[k] + n_chars] for k in picks]


def sample_table(
    models: dict[str, Model],
    task: CharLM,
    words: set[str],
    temperatures=(0.5, 1.0, 1.5),
    n_samples: int = 10,
    n_chars: int = 300,
    seed: int = 0,
) -> list[dict]:
    """:func:`sample_statistics` of ``n_samples`` samples of ``n_chars`` characters for every
    model (label -> Model) and temperature; one row per pair, the same sample seeds for all."""
    temperatures = list(temperatures)
    taus = np.repeat(temperatures, n_samples)  # all temperatures in one batch
    rows = []
    for label, model in models.items():
        texts = sample(model, task, n_chars, taus, np.random.default_rng(seed), len(taus))
        for k, temperature in enumerate(temperatures):
            rows.append(
                {
                    "model": label,
                    "temperature": temperature,
                    **sample_statistics(texts[k * n_samples : (k + 1) * n_samples], words),
                }
            )
    return rows


# ---------------------------------------------------------------- the training figure


def plot_training(log: dict, title: str, ax=None):
    """Training loss (bits per character, every 10th step) of each model in a training log,
    with the held-out bits at each checkpoint and the unigram and bigram baselines.

    ``log`` is a training log of ``scripts/train_char_model.py`` (:attr:`Trained.log`).
    Returns the figure, described for a reader who cannot see it.
    """
    fig, ax = style.new_figure(ax, figsize=(6.4, 3.8))
    ends = {}
    for kind, run in log["models"].items():
        colour = style.cell_color(kind)
        bits = np.asarray(run["loss_every_10"]) / np.log(2)
        steps = np.arange(len(bits)) * 10 + 1
        ax.plot(
            steps,
            bits,
            color=colour,
            lw=1,
            alpha=0.8,
            label=f"{style.cell_label(kind)}: training batches",
        )
        checkpoints = sorted(int(s) for s in run["valid_bits"])
        held_out = [run["valid_bits"][str(s)] for s in checkpoints]
        ax.plot(
            checkpoints,
            held_out,
            "o--",
            color=colour,
            label=f"{style.cell_label(kind)}: held-out files",
        )
        ends[kind] = (checkpoints, held_out)
    for name, line in (("unigram", ":"), ("bigram", "-.")):
        ax.axhline(
            log["baselines_bits"][name],
            color=style.BLACK,
            ls=line,
            lw=1,
            label=f"{name} baseline (held out)",
        )
    style.log_axis(ax, "x")
    ax.set_ylim(1, 7)
    ax.set_xlabel("training step")
    ax.set_ylabel("loss (bits per character)")
    ax.set_title(title)
    ax.legend(ncols=2, loc="upper right")
    models = "; ".join(
        f"the {style.cell_label(kind)} ({'blue' if kind == 'lstm' else 'grey'}) reaches "
        + ", ".join(f"{b:.2f}" for b in bits)
        + " held-out bits at steps "
        + ", ".join(str(s) for s in steps)
        for kind, (steps, bits) in ends.items()
    )
    return style.describe(
        fig,
        (
            f"Line plot of the training loss in bits per character (1 to 7) against the training "
            f"step (log scale), with the held-out loss at each checkpoint as dashed markers and "
            f"the unigram ({log['baselines_bits']['unigram']:.2f}) and bigram "
            f"({log['baselines_bits']['bigram']:.2f} bits) baselines as horizontal lines: "
            f"{models}."
        ),
    )


# ---------------------------------------------------------------- exercise check

#: Exercise 2: logits of three characters and the temperature to sample them at.
TEMPERATURE_LOGITS = np.array([2.0, 1.0, 0.0])
TEMPERATURE = 0.5


def check_temperature(answer) -> bool:
    """The probabilities of :data:`TEMPERATURE_LOGITS` sampled at :data:`TEMPERATURE`
    (three numbers); prints right or wrong and a hint, never the expected value."""
    expected = softmax(TEMPERATURE_LOGITS / TEMPERATURE)
    multiplied = softmax(TEMPERATURE_LOGITS * TEMPERATURE)
    plain = softmax(TEMPERATURE_LOGITS)
    return judge(
        "probabilities at temperature 0.5",
        answer,
        expected,
        rtol=0,
        atol=2e-3,
        hint="Divide the logits by the temperature, then take the softmax; the three "
        "probabilities sum to 1.",
        near={
            "multiplied": (
                multiplied,
                (
                    "You multiplied by the temperature: a "
                    "temperature below 1 should sharpen the distribution, "
                    "not flatten it."
                ),
            ),
            "plain": (plain, "That is the softmax at temperature 1."),
        },
    )
