"""A character model of Python's own source code: the corpus, training with checkpoints,
baselines in bits per character, sampling, sample statistics, and the search for cell units
that track nameable features of the text (bracket depth, strings, comments, columns, indents).

The corpus is a fixed list of modules of the standard library, read from the reader's own
Python installation (nothing is shipped or downloaded); its exact text depends on the Python
version, which :class:`Corpus` records. Shapes follow rnnlib: sequences (T, B, n_in).
"""

from __future__ import annotations

import io
import json
import re
import sys
import sysconfig
import tokenize
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..cells import Cell, GateProbe, make_cell
from ..checks import describe, generator, integer
from ..model import Model
from ..optim import Adam
from ..tasks import CharLM, one_hot
from ..train import History, train
from ..unroll import run

#: Training files (modules of the standard library, present in CPython 3.9 to 3.13).
TRAIN_FILES = (
    "abc", "bisect", "calendar", "colorsys", "contextlib", "copy", "csv", "dataclasses",
    "difflib", "fnmatch", "fractions", "functools", "glob", "heapq", "numbers", "operator",
    "pprint", "queue", "random", "reprlib", "sched", "shlex", "shutil", "statistics",
    "string", "textwrap", "tokenize", "traceback", "types", "weakref",
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
        raise FileNotFoundError(f"{path} is not in this Python ({sys.version.split()[0]}); "
                                f"the corpus expects the modules {TRAIN_FILES + VALID_FILES}")
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
    return Corpus({n: stdlib_source(n) for n in train_files},
                  {n: stdlib_source(n) for n in valid_files})


def char_task(corpus: Corpus, seq_len: int = 100) -> CharLM:
    """rnnlib's character task on the training text: random windows of ``seq_len`` characters."""
    return CharLM(seq_len=seq_len, text=corpus.train)


def encode(task: CharLM, text: str) -> np.ndarray:
    """Codes of ``text`` in the task's vocabulary; characters it lacks become ``?``."""
    known = set(task.vocab)
    return task.encode("".join(ch if ch in known else "?" for ch in text))


# ---------------------------------------------------------------- baselines (bits per char)

def ngram_bits(train_codes: np.ndarray, valid_codes: np.ndarray, vocab_size: int,
               order: int = 1, alpha: float = 1.0) -> float:
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
        pairs = pairs.reshape(V, V) + alpha                  # pairs[y, x] = n(y x) + alpha
        p = pairs[valid_codes[:-1], valid_codes[1:]] / pairs.sum(axis=1)[valid_codes[:-1]]
    return float(-np.log2(p).mean())


def model_bits(model: Model, codes: np.ndarray, window: int = 100) -> float:
    """Bits per character of ``model`` on ``codes[1:]``, read in consecutive windows of
    ``window`` characters, each from the zero state (as in training); the last window may be
    shorter. Every target but the first character is scored once."""
    window = integer(window, "window")
    codes = np.asarray(codes)
    V = model.n_out
    total, count = 0.0, 0
    n_full = (len(codes) - 1) // window
    pieces = []
    if n_full:
        x = codes[: n_full * window].reshape(n_full, window).T         # (window, B)
        y = codes[1: n_full * window + 1].reshape(n_full, window).T
        pieces.append((x, y))
    rest = len(codes) - 1 - n_full * window
    if rest:
        pieces.append((codes[n_full * window: -1, None], codes[n_full * window + 1:, None]))
    for x, y in pieces:
        logits = model.predict(one_hot(x, V))                           # (T, B, V)
        logits = logits - logits.max(axis=-1, keepdims=True)
        logp = logits - np.log(np.exp(logits).sum(axis=-1, keepdims=True))
        total -= np.take_along_axis(logp, y[..., None], axis=-1).sum()
        count += y.size
    return float(total / count / np.log(2))


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


def train_with_checkpoints(kind: str, task: CharLM, cfg: CharConfig, progress: bool = True,
                           log=print, on_checkpoint=None
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
        h = train(model, task, stop - done, opt, data_rng, batch_size=cfg.batch,
                  clip_norm=cfg.clip_norm, truncate=cfg.truncate, progress=progress)
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
    arrays = {f"{kind}/{step}/{name}": value.astype(np.float16)
              for kind, steps in checkpoints.items()
              for step, params in steps.items() for name, value in params.items()}
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
                f"or run `python scripts/train_char_model.py` (about 15 minutes)")
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

def sample(model: Model, task: CharLM, n_chars: int, temperature: float,
           rng: np.random.Generator, n_samples: int = 1, start: str = "\n") -> list[str]:
    """``n_samples`` texts of ``n_chars`` characters drawn from ``model`` at ``temperature``
    (a number, or one per sample).

    A plain numpy loop over the cell's own ``step``: after reading the previous character,
    ``p = softmax((V h + c) / temperature)``; the next character is drawn from ``p``. Every
    sample starts from the zero state after reading ``start``.
    """
    n_chars = integer(n_chars, "n_chars")
    generator(rng)
    tau = np.asarray(temperature, dtype=float) if not isinstance(temperature, str) else None
    if tau is None or tau.ndim > 1 or (tau.ndim == 1 and tau.shape != (n_samples,)) \
            or not np.all(tau > 0):
        raise ValueError(f"temperature must be a number > 0 or one per sample ({n_samples}), "
                         f"got {temperature!r}")
    tau = tau.reshape(-1, 1) if tau.ndim == 1 else tau
    if not (isinstance(start, str) and start and set(start) <= set(task.vocab)):
        raise ValueError(f"start must be a non-empty str of characters of the vocabulary, got "
                         f"{start!r}")
    cell, V, c = model.cell, model.readout["V"], model.readout["c"]
    state = cell.initial_state(n_samples)
    out = np.zeros((n_chars, n_samples), dtype=np.int64)
    for ch in start[:-1]:
        state = cell.step(cell.params, state, one_hot(np.full(n_samples, task.index[ch]), task.n_in))
    code = np.full(n_samples, task.index[start[-1]])
    for t in range(n_chars):
        state = cell.step(cell.params, state, one_hot(code, task.n_in))
        logits = (cell.output(state) @ V.T + c) / tau                   # (B, V)
        p = np.exp(logits - logits.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
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


STATISTICS = ("well-nested brackets", "lines < 80 chars", "indent multiple of 4", "known words",
              "spaces")


def sample_statistics(samples: list[str], words: set[str]) -> dict[str, float]:
    """The mean over ``samples`` of each statistic of :data:`STATISTICS`."""
    if not samples:
        raise ValueError("sample_statistics needs at least one sample")
    rows = [(brackets_well_nested(s), line_fraction_under(s), indent_fraction(s),
             known_word_fraction(s, words), space_fraction(s)) for s in samples]
    return {name: float(np.nanmean(col)) for name, col in zip(STATISTICS, zip(*rows))}


# ---------------------------------------------------------------- features and the search

FEATURES = ("bracket depth", "inside a string", "inside a comment", "column", "indentation")

_STRING_TOKENS = {"STRING"}
_OPEN_F, _CLOSE_F = {"FSTRING_START", "TSTRING_START"}, {"FSTRING_END", "TSTRING_END"}


def source_features(source: str) -> dict[str, np.ndarray]:
    """Hand-defined features of every character of Python ``source``, each shape (len,):
    the value after reading that character.

    bracket depth      open ( [ { outside strings and comments
    inside a string    1 within a string literal (quotes included), else 0
    inside a comment   1 from ``#`` to the end of its line
    column             characters since the last newline (0 for the first of a line)
    indentation        leading spaces of the character's line
    """
    if not isinstance(source, str):
        raise TypeError(f"source_features needs a str, got {describe(source)}")
    starts = np.concatenate([[0], np.cumsum([len(line) for line in source.splitlines(True)])])

    def offset(pos):
        return int(starts[pos[0] - 1] + pos[1])

    string = np.zeros(len(source))
    comment = np.zeros(len(source))
    f_depth, f_start = 0, 0
    try:
        for tok in tokenize.generate_tokens(io.StringIO(source).readline):
            kind = tokenize.tok_name[tok.type]
            if kind in _OPEN_F:
                if f_depth == 0:
                    f_start = offset(tok.start)
                f_depth += 1
            elif kind in _CLOSE_F:
                f_depth -= 1
                if f_depth == 0:
                    string[f_start: offset(tok.end)] = 1
            elif kind in _STRING_TOKENS and f_depth == 0:
                string[offset(tok.start): offset(tok.end)] = 1
            elif kind == "COMMENT":
                comment[offset(tok.start): offset(tok.end)] = 1
            elif kind == "ERRORTOKEN" and tok.string[:1] in "'\"":  # Python < 3.12
                raise tokenize.TokenError(f"unterminated string at line {tok.start[0]}")
    except (tokenize.TokenError, SyntaxError, IndentationError) as error:
        raise ValueError(f"source_features needs complete Python source; tokenize says: "
                         f"{error}") from None
    depth = np.zeros(len(source))
    column = np.zeros(len(source))
    indentation = np.zeros(len(source))
    d, col, indent, line_start = 0, 0, 0, True
    for t, ch in enumerate(source):
        if line_start:
            rest = source[t:].split("\n", 1)[0]
            indent = len(rest) - len(rest.lstrip(" "))
            line_start = False
        if not (string[t] or comment[t]):
            if ch in "([{":
                d += 1
            elif ch in ")]}":
                d = max(d - 1, 0)
        depth[t], column[t], indentation[t] = d, col, indent
        col += 1
        if ch == "\n":
            col, line_start = 0, True
    return {"bracket depth": depth, "inside a string": string, "inside a comment": comment,
            "column": column, "indentation": indentation}


def correlations(states: np.ndarray, features: dict[str, np.ndarray]) -> np.ndarray:
    """Pearson correlation of every unit with every feature: shape (n_features, n_units).

    ``states`` (T, n): one row per character; each feature (T,). A constant unit or feature
    gets correlation 0.
    """
    states = np.asarray(states, dtype=float)
    if states.ndim != 2:
        raise ValueError(f"states must be (T, n_units), got shape {states.shape}")
    F = np.stack([np.asarray(features[k], dtype=float) for k in features])   # (F, T)
    if F.shape[1] != states.shape[0]:
        raise ValueError(f"features have {F.shape[1]} positions; states have {states.shape[0]}")
    S = states - states.mean(axis=0)
    F = F - F.mean(axis=1, keepdims=True)
    norm = np.sqrt((F ** 2).sum(axis=1))[:, None] * np.sqrt((S ** 2).sum(axis=0))[None, :]
    with np.errstate(invalid="ignore", divide="ignore"):
        r = (F @ S) / norm
    return np.where(norm > 0, r, 0.0)


def best_units(r: np.ndarray, names, k: int = 1) -> list[tuple[str, int, float]]:
    """For each feature, the ``k`` units with the largest |correlation|: (feature, unit, r)."""
    rows = []
    for name, row in zip(names, r):
        for unit in np.argsort(-np.abs(row), kind="stable")[:k]:
            rows.append((name, int(unit), float(row[unit])))
    return rows


@dataclass
class Inside:
    """What a cell held while reading the held-out files, joined into one text and read in
    chunks, each from the zero state. Arrays have one row per character of ``text``."""

    text: str
    c: np.ndarray                  # (T, n) cell state after each character (s for a vanilla RNN)
    gates: dict[str, np.ndarray]   # gate name -> (T, n)
    features: dict[str, np.ndarray]  # feature name -> (T,)
    scored: np.ndarray             # (T,) bool: False in each chunk's first ``warmup`` characters
    chunk: int
    file_starts: dict[str, int]    # file name -> offset of its first character in ``text``

    def where(self, offset: int) -> str:
        """``"<file>.py line <k>"`` for a character offset of ``text``."""
        name = [n for n, s in self.file_starts.items() if s <= offset][-1]
        start = self.file_starts[name]
        return f"{name}.py line {self.text[start:offset].count(chr(10)) + 1}"

    def correlations(self) -> np.ndarray:
        """:func:`correlations` of the cell state with the features over the scored characters."""
        return correlations(self.c[self.scored],
                            {k: v[self.scored] for k, v in self.features.items()})


def look_inside(cell: Cell, task: CharLM, files: dict[str, str], chunk: int = 2000,
                warmup: int = 200, max_chunks: int | None = None) -> Inside:
    """Run ``cell`` over the files joined, cut into chunks of ``chunk`` characters read side
    by side from the zero state (a batch; the tail shorter than a chunk is dropped), and
    record its state, its gates and the features of :func:`source_features` (computed on each
    whole file). The first ``warmup`` characters of a chunk, read before the cell could know
    where it is, are left out of the correlations (``scored``). ``max_chunks`` keeps only the
    first chunks (a faster look)."""
    chunk, warmup = integer(chunk, "chunk"), integer(warmup, "warmup", minimum=0)
    if warmup >= chunk:
        raise ValueError(f"warmup ({warmup}) must be shorter than chunk ({chunk})")
    texts = list(files.values())
    text = "".join(texts)
    feats = [source_features(s) for s in texts]
    features = {name: np.concatenate([f[name] for f in feats]) for name in FEATURES}
    B = len(text) // chunk
    if max_chunks is not None:
        B = min(B, integer(max_chunks, "max_chunks"))
    if B == 0:
        raise ValueError(f"the files hold {len(text)} characters, fewer than one chunk ({chunk})")
    T = B * chunk
    codes = encode(task, text[:T]).reshape(B, chunk).T                 # (chunk, B)
    probe = GateProbe()
    traj = run(cell, one_hot(codes, task.n_in), probe=probe)
    flat = lambda a: np.swapaxes(a, 0, 1).reshape(T, -1)  # (chunk, B, n) -> (T, n), text order
    state = flat(traj.state_array(0)[1:])
    gates = {g: flat(probe.stacked(g)) for g in cell.gate_names}
    scored = np.tile(np.arange(chunk) >= warmup, B)
    file_starts = dict(zip(files, np.cumsum([0] + [len(s) for s in texts[:-1]]).tolist()))
    return Inside(text[:T], state, gates, {k: v[:T] for k, v in features.items()}, scored, chunk,
                  file_starts)


def passages(cell: Cell, task: CharLM, files: dict[str, str], n: int = 3, n_lines: int = 12,
             width: int = 80, lead: int = 300) -> dict[str, tuple[str, dict[str, np.ndarray]]]:
    """``n`` held-out passages of ``n_lines`` lines and what ``cell`` held while reading them:
    name -> ``(text, {"c": (len, n_units), gate: (len, n_units), ...})``.

    Each passage starts at a line opening a ``def`` (spread over the files), has lines of at
    most ``width`` characters, opens a bracket after its first line and is mostly code (under a
    third of its characters in strings). The cell reads the ``lead`` characters before it
    first, from the zero state, so that it knows its context (the passages side by side in one
    batch)."""
    text = "".join(files.values())
    feats = [source_features(s) for s in files.values()]
    in_string = np.concatenate([f["inside a string"] for f in feats])
    depth = np.concatenate([f["bracket depth"] for f in feats])
    file_starts = dict(zip(files, np.cumsum([0] + [len(s) for s in files.values()][:-1]).tolist()))
    starts = [m.start() + 1 for m in re.finditer(r"\n {4}def ", text) if m.start() + 1 >= lead]
    chosen: dict[str, tuple[int, str]] = {}
    for k in range(n):
        for start in starts:
            if start < k * len(text) / n or start in [c[0] for c in chosen.values()]:
                continue
            lines = text[start:].split("\n")[:n_lines]
            body = "\n".join(lines)
            end = start + len(body)
            if max(map(len, lines)) > width or in_string[start:end].mean() >= 1 / 3 \
                    or depth[start + len(lines[0]): end].max() < 1:
                continue
            name = [f for f, s in file_starts.items() if s <= start][-1]
            line = text[file_starts[name]:start].count("\n") + 1
            func = re.match(r" *def (\w+)", lines[0]).group(1)
            chosen[f"{func}, {name}.py line {line}"] = (start, body)
            break
    if not chosen:
        raise ValueError("no passage of the held-out files fits the rules")
    T = lead + max(len(body) for _, body in chosen.values())
    codes = np.stack([np.pad(encode(task, text[s - lead: s] + body), (0, T - lead - len(body)),
                             constant_values=task.index["\n"])
                      for s, body in chosen.values()], axis=1)            # (T, B)
    probe = GateProbe()
    traj = run(cell, one_hot(codes, task.n_in), probe=probe)
    recorded = {"c": traj.state_array(0)[1:], **{g: probe.stacked(g) for g in cell.gate_names}}
    return {name: (body, {k: v[lead: lead + len(body), b] for k, v in recorded.items()})
            for b, (name, (_, body)) in enumerate(chosen.items())}


def reference_windows(text: str, n_chars: int, n: int) -> list[str]:
    """``n`` windows of ``n_chars`` characters of real text, each starting at a line with no
    indentation (where a sample, which starts after a newline, starts too), evenly spread."""
    starts = [m.start() + 1 for m in re.finditer(r"\n(?=[^\s])", text)]
    starts = [s for s in starts if s + n_chars <= len(text)]
    if len(starts) < n:
        raise ValueError(f"only {len(starts)} windows of {n_chars} characters fit; asked {n}")
    picks = np.linspace(0, len(starts) - 1, n).round().astype(int)
    return [text[starts[k]: starts[k] + n_chars] for k in picks]


def sample_table(models: dict[str, Model], task: CharLM, words: set[str],
                 temperatures=(0.5, 1.0, 1.5), n_samples: int = 10, n_chars: int = 300,
                 seed: int = 0) -> list[dict]:
    """:func:`sample_statistics` of ``n_samples`` samples of ``n_chars`` characters for every
    model (label -> Model) and temperature; one row per pair, the same sample seeds for all."""
    temperatures = list(temperatures)
    taus = np.repeat(temperatures, n_samples)          # all temperatures in one batch
    rows = []
    for label, model in models.items():
        texts = sample(model, task, n_chars, taus, np.random.default_rng(seed), len(taus))
        for k, temperature in enumerate(temperatures):
            rows.append({"model": label, "temperature": temperature,
                         **sample_statistics(texts[k * n_samples:(k + 1) * n_samples], words)})
    return rows
