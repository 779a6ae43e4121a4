"""Chapter 9: the Neural Turing Machine (:class:`rnnlib.ntm.NTM`) trained on the copy task.

The copy task: ``L`` random vectors of ``bits`` bits, a delimiter, then ``L`` blank steps on
which the machine must write the vectors out again (:func:`rnnlib.ntm.copy_batch`); a bit is
right when its logit has the target's sign (:func:`rnnlib.ntm.bit_errors`). The trained machine
ships as package data, ``rnnlib/data/ntm_copy_weights.npz``, written by
``scripts/train_ntm.py`` with :meth:`rnnlib.ntm.NTM.save` (its configuration
:class:`NTMConfig` and training history stored beside the weights).

Holds: the configuration and the trained model (:class:`NTMConfig`, :func:`make_ntm`,
:func:`save_ntm`, :func:`load_ntm`), the held-out evaluation (:func:`held_out`,
:func:`errors_by_length`) and episodes (:func:`copy_episode`); the figures
(:func:`plot_training`, :func:`plot_bit_errors`, :func:`plot_copy_episode`,
:func:`plot_ntm_step`); the NTM step widget (:func:`ntm_step_widget`, its view
:class:`NTMStepFigure` and :func:`ntm_step_view`); the exercise checks :func:`check_shift` and
:func:`check_write`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from ..autograd import sigmoid
from ..ntm import NTM, CopyBatch, Episode, bit_errors, copy_batch, saved_extras, shift, write
from ..widgets import LiveWidget, View, row
from . import style
from .judge import judge

WEIGHTS = Path(__file__).resolve().parents[1] / "data" / "ntm_copy_weights.npz"
TRAINING_LOG = WEIGHTS.with_name("ntm_copy_training.log")


# ---------------------------------------------------------------------------------------
# The trained machine
# ---------------------------------------------------------------------------------------


@dataclass
class NTMConfig:
    """How ``scripts/train_ntm.py`` builds and trains the copy NTM (saved with its weights)."""

    seed: int = 0
    bits: int = 8  # width of each random vector
    min_length: int = 1  # training lengths are drawn uniformly from [min_length, max_length]
    max_length: int = 8
    n_rows: int = 20  # memory N x M
    width: int = 8
    n_hidden: int = 64  # LSTM controller
    batch: int = 16
    lr: float = 3e-3
    clip_norm: float = 10.0
    steps: int = 10000  # upper limit; training stops early once it copies
    eval_every: int = 250
    target_errors: float = 0.01  # stop when held-out bit errors per sequence fall below this
    eval_seed: int = 12345


def make_ntm(cfg: NTMConfig) -> NTM:
    """The untrained machine of ``cfg``, drawn from ``default_rng(cfg.seed)``."""
    rng = np.random.default_rng(cfg.seed)
    return NTM(
        cfg.bits + 1,
        cfg.bits,
        rng,
        n_rows=cfg.n_rows,
        width=cfg.width,
        n_hidden=cfg.n_hidden,
        controller="lstm",
    )


def save_ntm(path, cfg: NTMConfig, model: NTM, history: dict) -> None:
    """Write the machine (:meth:`NTM.save`) with ``cfg`` and the training ``history`` beside it."""
    model.save(path, config=asdict(cfg), history=history)


def load_ntm(path=None) -> tuple[NTMConfig, NTM, dict]:
    """``(config, trained model, training history)`` from the file ``scripts/train_ntm.py`` saved
    (default: the committed run, :data:`WEIGHTS`)."""
    path = Path(WEIGHTS if path is None else path)
    if not path.exists():
        raise FileNotFoundError(
            f"no NTM weights at {path}; they ship with rnnlib (rnnlib/data/), so reinstall it, "
            f"or run `python scripts/train_ntm.py` to train them (a few minutes)"
        )
    model = NTM.load(path)
    extras = saved_extras(path)
    if "config" not in extras or "history" not in extras:
        raise ValueError(
            f"{path} holds an NTM but no training config and history "
            f"(found {sorted(extras)}); expected a file of scripts/train_ntm.py"
        )
    cfg = NTMConfig(**{k: v.item() for k, v in extras["config"].items()})
    built = (model.n_in, model.n_out, model.n_rows, model.width, model.n_hidden)
    expected = (cfg.bits + 1, cfg.bits, cfg.n_rows, cfg.width, cfg.n_hidden)
    if built != expected or model.controller_kind != "lstm":
        raise ValueError(
            f"{path}: the saved machine {model!r} is not the one its config {cfg} describes"
        )
    return cfg, model, extras["history"]


def held_out(
    cfg: NTMConfig, lengths, per_length: int = 64, seed: int | None = None
) -> list[CopyBatch]:
    """Evaluation batches, one per length, drawn from ``seed`` (default ``cfg.eval_seed``, the set
    the training script watches to decide when to stop; neither is used for training)."""
    rng = np.random.default_rng(cfg.eval_seed if seed is None else seed)
    return [copy_batch(rng, per_length, int(L), cfg.bits) for L in lengths]


def errors_by_length(model: NTM, batches: list[CopyBatch]) -> dict[int, np.ndarray]:
    """Bit errors of every sequence, grouped by length: ``{length: (B,) array}``."""
    return {b.length: bit_errors(model.forward(model.params, b.xs), b) for b in batches}


def mean_bit_errors(model: NTM, batches: list[CopyBatch]) -> float:
    """Wrong bits per sequence, averaged over all sequences of ``batches`` (lengths distinct)."""
    return float(np.concatenate(list(errors_by_length(model, batches).values())).mean())


def copy_episode(
    model: NTM, length: int, seed: int = 0, bits: int | None = None
) -> tuple[CopyBatch, Episode]:
    """One copy sequence and the machine's recorded run on it (batch of one)."""
    bits = model.n_out if bits is None else bits
    batch = copy_batch(np.random.default_rng(seed), 1, length, bits)
    return batch, model.run(batch.xs)


# ---------------------------------------------------------------------------------------
# Figures
# ---------------------------------------------------------------------------------------


def plot_training(history: dict, ax=None, window: int = 50):
    """Training loss (mean of the last ``window`` steps, from step ``window`` on) and held-out
    bit errors per sequence (``history`` of :func:`load_ntm`)."""
    fig, ax = style.new_figure(ax, figsize=(6.4, 3.4))
    loss = np.asarray(history["loss"])
    smooth = style.running_mean(loss, window)[window - 1 :]
    steps = np.arange(window, len(loss) + 1)
    ax.plot(steps, smooth, color=style.BLUE, label=f"training loss (mean of {window} steps)")
    style.log_axis(ax, "y")
    ax.set_xlabel("training step (batches of 16 sequences)")
    ax.set_ylabel("bit cross-entropy (nats)", color=style.BLUE)
    ax2 = ax.twinx()
    ax2.spines["right"].set_visible(True)
    ax2.plot(
        history["eval_step"],
        history["eval_errors"],
        "o-",
        color=style.RED,
        ms=3,
        label="held-out bit errors per sequence",
    )
    ax2.set_ylabel("held-out wrong bits per sequence", color=style.RED)
    ax2.set_ylim(bottom=0)
    ax.set_title("The copy NTM learns: loss falls, wrong bits go to zero")
    lines = ax.get_lines() + ax2.get_lines()
    ax.legend(lines, [line.get_label() for line in lines], loc="upper right")
    errors, evals = np.asarray(history["eval_errors"]), np.asarray(history["eval_step"])
    return style.describe(
        fig,
        (
            f"Line plot against the training step 1..{len(loss)}: the training loss (log scale, "
            f"left axis) falls from {smooth[0]:.2g} to {smooth[-1]:.2g} nats, and the held-out "
            "wrong "
            f"bits per sequence (right axis), measured every {int(evals[0])} steps, fall from "
            f"{errors[0]:.3g} to {errors[-1]:.2g}."
        ),
    )


def plot_bit_errors(
    errors: dict[int, np.ndarray], train_max: int, n_rows: int | None = None, ax=None
):
    """Share of sequences copied without a single wrong bit, per length (bars), with the mean
    number of wrong bits per sequence written above each bar; training lengths shaded.
    ``errors``: ``{length: (B,) wrong bits}`` from :func:`errors_by_length`."""
    fig, ax = style.new_figure(ax, figsize=(6.4, 3.4))
    lengths = np.array(sorted(errors))
    exact = np.array([100.0 * (errors[L] == 0).mean() for L in lengths])
    wrong = np.array([errors[L].mean() for L in lengths])
    ax.axvspan(
        0.5, train_max + 0.5, color=style.GREY, alpha=0.18, lw=0, label="lengths seen in training"
    )
    if n_rows is not None:
        ax.axvline(n_rows + 0.5, color=style.RED, ls=":", label=f"memory full ({n_rows} rows)")
    ax.bar(lengths, exact, color=[style.BLUE if L <= train_max else style.ORANGE for L in lengths])
    for L, e, w in zip(lengths, exact, wrong):
        ax.text(L, e + 1.5, f"{w:.2g}", ha="center", va="bottom", rotation=90)
    ax.set_xticks(lengths)
    ax.set_ylim(0, 135)
    ax.set_yticks([0, 25, 50, 75, 100])
    ax.set_xlabel("sequence length (vectors of 8 bits)")
    ax.set_ylabel("sequences copied exactly (%)")
    ax.set_title("Copying test sequences (numbers: mean wrong bits per sequence)")
    ax.legend(loc="upper right")
    seen = lengths <= train_max
    longest = int(lengths[exact >= 50].max()) if (exact >= 50).any() else None
    after = f"at least half are copied exactly up to length {longest}, " if longest else ""
    return style.describe(
        fig,
        (
            f"Bar chart of the share of test sequences copied exactly against the sequence length "
            f"{lengths[0]}..{lengths[-1]}: {exact[seen].min():.0f}-{exact[seen].max():.0f} % at "
            "the "
            f"training lengths 1..{train_max}; {after}and {exact[-1]:.0f} % at length "
            f"{lengths[-1]} "
            f"({wrong[-1]:.3g} wrong bits per sequence)."
        ),
    )


def _heat(ax, data, title, xlabel, ylabel, cmap="viridis", vmin=0.0, vmax=1.0):
    from matplotlib.ticker import MaxNLocator

    im = ax.imshow(data, aspect="auto", cmap=cmap, vmin=vmin, vmax=vmax, interpolation="nearest")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    return im


def plot_copy_episode(batch: CopyBatch, episode: Episode, index: int = 0, fig=None):
    """Input, output, and the write and read weightings over memory rows for one copy episode
    (sequence ``index`` of ``batch`` and the machine's recorded ``episode`` on it).

    Time runs left to right in every panel; weightings are rows (memory slots) by time.
    """
    if fig is None:
        fig, axes = style.figure(2, 2, figsize=(8.0, 6.4))
    else:
        axes = fig.subplots(2, 2)
    L = batch.length
    probs = sigmoid(episode.logits[:, index])
    _heat(
        axes[0, 0],
        batch.xs[:, index].T,
        "input (delimiter = last row)",
        "time step t",
        "input channel",
        cmap="Greys",
    )
    _heat(
        axes[0, 1],
        probs.T,
        "output probabilities (scored after t = L)",
        "time step t",
        "output bit",
        cmap="Greys",
    )
    _heat(
        axes[1, 0],
        episode.w_write[:, index].T,
        "write weighting $w^w_t(i)$",
        "time step t",
        "memory row i",
    )
    im = _heat(
        axes[1, 1],
        episode.w_read[:, index].T,
        "read weighting $w^r_t(i)$",
        "time step t",
        "memory row i",
    )
    for ax in axes.flat:
        ax.axvline(L, color=style.RED, lw=1, ls=":")
    fig.colorbar(im, ax=axes[1, :], shrink=0.8, label="weight")
    fig.suptitle("One row per vector: the read head retraces the write head's path")
    written = episode.w_write[:L, index].argmax(axis=-1)  # the row each input went to
    read = episode.w_read[L + 1 :, index].argmax(axis=-1)  # the row each answer came from
    retraced = int((written == read).sum())
    wrong = int(bit_errors(episode.logits[:, index : index + 1], _one(batch, index))[0])
    return style.describe(
        fig,
        (
            f"Four heat maps over the time steps t = 0..{2 * L} of a copy of {L} vectors (the "
            f"delimiter at t = {L} dotted): the input bits, the output probabilities, and the "
            "write "
            f"and read weightings over the {episode.w_read.shape[-1]} memory rows. On {retraced} "
            "of "
            f"the {L} answer steps the read head's strongest row is the row the write head chose "
            f"for that vector; {wrong} of the {L * batch.targets.shape[-1]} output bits are wrong."
        ),
    )


def _one(batch: CopyBatch, index: int) -> CopyBatch:
    """Sequence ``index`` of ``batch`` as a batch of one."""
    pick = slice(index, index + 1)
    return CopyBatch(batch.xs[:, pick], batch.targets[:, pick], batch.mask[:, pick], batch.length)


class NTMStepFigure(View):
    """The machine at one time step: memory after the write, write and read weightings over the
    rows, and the bits going in or expected with the bits coming out."""

    DESCRIPTION = (
        "The machine at one time step, four panels: a heat map of the memory after "
        "this step's write (rows by columns, blue negative, red positive), bar charts "
        "of the write weighting (orange) and the read weighting (blue) over the "
        "memory rows, and the bits given (grey: the input, or the expected answer "
        "while it writes the copy out) beside the bits it outputs (green)."
    )

    def __init__(self, n_rows: int, width: int, n_bits: int, memory_limit: float):
        from matplotlib.ticker import MaxNLocator

        style.use_book_style()
        super().__init__(
            figsize=(8.0, 3.6), nrows=1, ncols=4, gridspec_kw={"width_ratios": [3, 1.2, 1.2, 1.6]}
        )
        ax_m, ax_w, ax_r, ax_io = self.axes[0]
        rows = np.arange(n_rows)
        self.memory = self.dynamic(
            _heat(
                ax_m,
                np.zeros((n_rows, width)),
                "memory M_t (after the write)",
                "column",
                "memory row i",
                cmap="RdBu_r",
                vmin=-memory_limit,
                vmax=memory_limit,
            )
        )
        self.figure.colorbar(self.memory, ax=ax_m, fraction=0.08, pad=0.04)
        self.w_write = [
            self.dynamic(p) for p in ax_w.barh(rows, np.zeros(n_rows), color=style.ORANGE)
        ]
        self.w_read = [self.dynamic(p) for p in ax_r.barh(rows, np.zeros(n_rows), color=style.BLUE)]
        for ax, name in ((ax_w, "write weighting"), (ax_r, "read weighting")):
            ax.set_ylim(n_rows - 0.5, -0.5)
            ax.set_xlim(0, 1)
            ax.yaxis.set_major_locator(MaxNLocator(integer=True))
            ax.set_title(name)
            ax.set_xlabel("weight")
        bits = np.arange(n_bits)
        self.given = [
            self.dynamic(p)
            for p in ax_io.barh(bits - 0.2, np.zeros(n_bits), height=0.4, color=style.GREY)
        ]
        self.output = [
            self.dynamic(p)
            for p in ax_io.barh(bits + 0.2, np.zeros(n_bits), height=0.4, color=style.GREEN)
        ]
        ax_io.set_ylim(n_bits - 0.5, -0.5)
        ax_io.set_xlim(0, 1.45)
        ax_io.set_xticks([0, 0.5, 1])
        ax_io.set_title("bits: grey in, green out")
        ax_io.set_xlabel("value / probability")
        ax_io.set_ylabel("bit")
        self.title = self.dynamic(self.figure.suptitle(" "))
        style.describe(self.figure, self.DESCRIPTION)

    def update(self, view: dict) -> None:
        """Show a view from :func:`ntm_step_view`."""
        self.memory.set_data(view["memory"])
        for patch, value in zip(self.w_write, view["w_write"]):
            patch.set_width(value)
        for patch, value in zip(self.w_read, view["w_read"]):
            patch.set_width(value)
        answering = view["phase"] == "writing the copy out"
        n_bits = len(view["target"])
        given = view["target"] if answering else view["x"][:n_bits]
        for patch, value in zip(self.given, given):
            patch.set_width(value)
        for patch, value in zip(self.output, view["output"]):
            patch.set_width(value)
        self.title.set_text(f"t = {view['t']}: {view['phase']}")


def plot_ntm_step(view: dict, memory_limit: float | None = None):
    """A static figure of the machine at one step (the widget's picture, for the book)."""
    n_rows, width = view["memory"].shape
    if memory_limit is None:
        memory_limit = max(1e-6, float(np.abs(view["memory"]).max()))
    figure = NTMStepFigure(n_rows, width, len(view["target"]), memory_limit)
    figure.update(view)
    fig = figure.still()
    w_write, w_read = np.asarray(view["w_write"]), np.asarray(view["w_read"])
    return style.describe(
        fig,
        (
            f"The machine at step t = {view['t']} ({view['phase']}): a heat map of the {n_rows} x "
            f"{width} memory after the write, and bar charts of the write weighting (strongest on "
            f"row {int(w_write.argmax())}, {w_write.max():.2f}) and the read weighting (strongest "
            "on "
            f"row {int(w_read.argmax())}, {w_read.max():.2f}) over the rows, with the bits given "
            f"(grey) beside the bits it outputs (green)."
        ),
    )


# ---------------------------------------------------------------------------------------
# The widget
# ---------------------------------------------------------------------------------------


def ntm_step_view(batch: CopyBatch, episode: Episode, t: int, index: int = 0) -> dict:
    """What the machine holds and does at step ``t`` of a recorded episode (sequence ``index``):
    memory (N, M) after the step's write, the weightings (N,), input, output and target bits."""
    T = episode.w_read.shape[0]
    if not 0 <= t < T:
        raise ValueError(f"t must lie in [0, {T - 1}], got {t}")
    L = batch.length
    phase = "reading the input" if t < L else ("delimiter" if t == L else "writing the copy out")
    return {
        "t": t,
        "phase": phase,
        "memory": episode.memory[t + 1, index],  # after this step's write
        "w_write": episode.w_write[t, index],
        "w_read": episode.w_read[t, index],
        "x": batch.xs[t, index],
        "output": sigmoid(episode.logits[t, index]),
        "target": batch.targets[t, index],
    }


def ntm_step_widget(batch: CopyBatch, episode: Episode, index: int = 0) -> LiveWidget:
    """A slider (and a play button) over the time steps of a recorded NTM episode; the picture
    shows memory, write and read weightings, and the bits at that step (chapter 9)."""
    import ipywidgets as w

    T = episode.w_read.shape[0]
    limit = max(1e-6, float(np.abs(episode.memory[:, index]).max()))  # one colour scale for all t
    _, n_rows, width = episode.memory[:, index].shape
    slider = w.IntSlider(value=0, min=0, max=T - 1, description="time step t")
    play = w.Play(value=0, min=0, max=T - 1, interval=700, description="play")
    w.jslink((play, "value"), (slider, "value"))

    def compute(t: int) -> dict:
        return ntm_step_view(batch, episode, t, index)

    view = NTMStepFigure(n_rows, width, batch.targets.shape[-1], limit)
    # On the website: every step of the episode (the play button animates them).
    return LiveWidget(
        {"t": slider},
        compute,
        view,
        row(play, slider),
        static_grid={},
        alt=NTMStepFigure.DESCRIPTION,
    )


# ---------------------------------------------------------------------------------------
# Exercises
# ---------------------------------------------------------------------------------------

# Exercise data, shown in the chapter.
SHIFT_W = np.array([0.1, 0.7, 0.2, 0.0, 0.0])
SHIFT_S = np.array([0.1, 0.2, 0.7])  # probabilities of shifts -1, 0, +1

WRITE_MEMORY = np.array([[1.0, -1.0], [0.5, 0.5], [0.0, 2.0]])
WRITE_W = np.array([0.0, 0.8, 0.2])
WRITE_ERASE = np.array([1.0, 0.5])
WRITE_ADD = np.array([0.3, -0.3])


def check_shift(answer) -> bool:
    """Chapter 9: the weighting ``SHIFT_W`` (5,) after the circular shift by ``SHIFT_S``."""
    expected = shift(SHIFT_W[None, :], SHIFT_S[None, :])[0]
    backwards = shift(SHIFT_W[None, :], SHIFT_S[None, ::-1])[0]  # the shift read the wrong way
    return judge(
        "shifted weighting",
        answer,
        expected,
        rtol=1e-6,
        atol=1e-9,
        hint="Entry i collects q(-1) w(i+1) + q(0) w(i) + q(+1) w(i-1), indices mod 5; "
        "the entries of the result still sum to 1.",
        near={
            "backwards": (
                backwards,
                (
                    "Your focus moved the wrong way: a shift of +1 "
                    "moves weight from row i to row i + 1."
                ),
            )
        },
    )


def check_write(answer) -> bool:
    """Chapter 9: ``WRITE_MEMORY`` (3, 2) after one erase-then-add write."""
    expected = write(WRITE_MEMORY[None], WRITE_W[None], WRITE_ERASE[None], WRITE_ADD[None])[0]
    add_first = (WRITE_MEMORY + np.outer(WRITE_W, WRITE_ADD)) * (1 - np.outer(WRITE_W, WRITE_ERASE))
    hint = (
        "Row by row: M(i) * (1 - w(i) e) + w(i) a, erase first, then add; "
        "a row with w(i) = 0 stays as it was."
    )
    got = np.asarray(answer, dtype=np.float64) if np.shape(answer) == expected.shape else None
    if got is not None and np.all(np.isfinite(got)):
        wrong = [i for i in range(len(expected)) if not np.allclose(got[i], expected[i])]
        if wrong:
            hint = f"Row(s) {', '.join(map(str, wrong))} differ. " + hint
    return judge(
        "memory after the write",
        answer,
        expected,
        rtol=1e-6,
        atol=1e-9,
        hint=hint,
        near={
            "add first": (
                add_first,
                (
                    "You added before erasing: the erase step "
                    "applies to the old memory, then the add vector is added."
                ),
            )
        },
    )
