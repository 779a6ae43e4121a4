"""Do peepholes help an LSTM time a pulse? Chapter 6's timing experiment (and chapter 5's runs).

Holds the training run of both chapters, :func:`train_timing` (a cell plus a linear readout,
trained with :class:`rnnlib.optim.Adam` by :func:`rnnlib.train.train` on
:class:`rnnlib.tasks.PulseTiming`), the basic-against-peephole comparison over seeds
(:func:`peephole_comparison`, :func:`hit_verdict`), its figure (:func:`plot_peephole`) and the
chapter's peephole exercise (:func:`peephole_data`, :func:`check_peephole_step`).

The task: one input carries a cue at a random step, the target is a pulse exactly ``delay``
steps later; the loss is the squared error of the readout at every step, the pulse weighted as
much as all the other steps together (the task's mask). After training, the predicted pulse of
a fresh sequence is its step with the largest output; a *hit* is a pulse exactly on time.
"""

from __future__ import annotations

import numpy as np

from ..autograd import sigmoid
from ..cells import Cell, GateProbe, make_cell
from ..model import Model
from ..optim import Adam
from ..tasks import Batch, PulseTiming, Task
from ..train import train
from ..unroll import as_tuple, run
from . import style
from .judge import judge

#: A gate value below 0.01 or above 0.99 counts as saturated (as in chapter 5).
SATURATION = 0.01


def keep_gate(cell: Cell) -> str | None:
    """The gate that decides how much of the old state is kept: ``"f"`` (``"z"`` for the GRU);
    ``None`` for a cell without one (the vanilla RNN)."""
    return next((g for g in ("f", "z") if g in cell.gate_names), None)


def state_norm(state) -> float:
    """Norm of the first state vector (s, or c for the LSTMs) of a (B, n) state, mean over B."""
    return float(np.linalg.norm(as_tuple(state)[0], axis=-1).mean())


def saturated_fraction(gates: list[np.ndarray], eps: float = SATURATION, per_step: bool = False):
    """Fraction of gate values below ``eps`` or above ``1 - eps``; NaN when there is none.

    ``gates``: arrays of gate values, each (T, B, n) for ``per_step=True``, which gives the
    fraction at each step (T,) instead of one number over all of them.
    """
    if not gates:
        return float("nan")
    if per_step:
        values = np.concatenate([g.reshape(g.shape[0], -1) for g in gates], axis=1)  # (T, ...)
        return np.mean((values < eps) | (values > 1.0 - eps), axis=1)
    values = np.concatenate([np.ravel(g) for g in gates])
    return float(np.mean((values < eps) | (values > 1.0 - eps)))


class _Recorded(Task):
    """``task``, with every batch it hands out also run forward through ``cell`` (a probe on).

    :func:`rnnlib.train.train` draws a step's batch at the start of the step, before that
    step's update, so ``norm[k]`` and ``saturated[k]`` describe the parameters step k starts
    from: the state norm at the batch's last step (mean over the batch) and the fraction of its
    gate values below 0.01 or above 0.99.
    """

    def __init__(self, task: Task, cell: Cell):
        self.task, self.cell = task, cell
        self.name, self.kind, self.n_in, self.n_out = task.name, task.kind, task.n_in, task.n_out
        self.norm: list[float] = []
        self.saturated: list[float] = []

    def sample(self, rng, batch_size) -> Batch:
        batch = self.task.sample(rng, batch_size)
        probe = GateProbe()
        traj = run(self.cell, batch.xs, probe=probe)
        self.norm.append(state_norm(traj.states[-1]))
        self.saturated.append(saturated_fraction([probe.stacked(g) for g in self.cell.gate_names]))
        return batch

    def chance_loss(self) -> float:
        return self.task.chance_loss()


def _padded(values, steps: int) -> np.ndarray:
    """``values`` as an array of length ``steps``, NaN after a run that stopped early."""
    out = np.full(steps, np.nan)
    out[: len(values)] = values
    return out


def train_timing(
    cell_name: str,
    seed: int,
    steps: int = 100,
    n: int = 8,
    batch: int = 32,
    lr: float = 0.05,
    task: PulseTiming | None = None,
    eval_batch: int = 256,
    keep_bias: float = 1.0,
    record: bool = False,
) -> dict:
    """Train ``cell_name`` (``n`` units) plus a linear readout on :class:`PulseTiming`.

    From ``np.random.default_rng(seed)``: the cell (``make_cell``, uniform init), its keep
    gate's bias set to ``keep_bias`` (start by remembering), the readout ``V`` (1, n) from
    N(0, 1/n) with ``c = 0``, then ``steps`` batches of ``batch`` sequences, trained by
    :func:`rnnlib.train.train` with ``Adam(lr)`` (no clipping; it stops only on a NaN or
    infinite loss or gradient). Then, on ``eval_batch`` fresh sequences drawn from
    ``default_rng(10_000 + seed)``, the predicted pulse is the step with the largest output.

    Returns ``loss`` (steps,) the training loss of each batch (NaN after a stop), ``hit`` the
    fraction of pulses exactly on time, ``error`` the mean absolute timing error in steps,
    ``pred``, ``target`` (T, 4) the outputs and targets of the first 4 fresh sequences,
    ``diverged`` and ``message`` (from the training history). With ``record=True`` also
    ``norm`` and ``saturated`` (steps,): see :class:`_Recorded`.
    """
    task = PulseTiming() if task is None else task
    if not isinstance(task, PulseTiming):
        raise TypeError(f"task must be a rnnlib.tasks.PulseTiming; got {type(task).__name__}")
    rng = np.random.default_rng(seed)
    cell = make_cell(cell_name, task.n_in, n, rng)
    keep = keep_gate(cell)
    if keep is not None:
        cell.params["b_" + keep][:] = keep_bias
    # The readout as the chapters have always drawn it, from the run's own generator, so that
    # the batches that follow are the same; Model's Glorot draw is replaced.
    model = Model(cell, task.n_out, np.random.default_rng(0))
    model.readout["V"][:] = rng.normal(size=(task.n_out, n)) / np.sqrt(n)
    recorded = _Recorded(task, cell) if record else task
    history = train(
        model, recorded, steps, Adam(lr), rng, batch_size=batch, progress=False, max_loss_ratio=None
    )
    fresh = task.sample(np.random.default_rng(10_000 + seed), eval_batch)
    pred = model.predict(fresh.xs)  # (T, B, 1)
    when = np.argmax(pred[:, :, 0], axis=0)
    target = task.cues(fresh) + task.delay
    out = {
        "loss": _padded(history.loss, steps),
        "hit": float(np.mean(when == target)),
        "error": float(np.mean(np.abs(when - target))),
        "pred": pred[:, :4, 0],
        "target": fresh.targets[:, :4, 0],
        "diverged": history.diverged,
        "message": history.message,
    }
    if record:
        out.update(
            norm=_padded(recorded.norm[: history.steps], steps),
            saturated=_padded(recorded.saturated[: history.steps], steps),
        )
    return out


def peephole_comparison(seeds=(0, 1, 2, 3), steps: int = 100, **kw) -> dict:
    """:func:`train_timing` for the basic and the peephole LSTM over several seeds.

    Returns ``{"lstm": {...}, "peephole": {...}, "seeds"}``, each cell with ``hit`` (S,),
    ``error`` (S,), ``loss`` (S, steps) and the ``runs`` themselves.
    """
    out = {}
    for name in ("lstm", "peephole"):
        runs = [train_timing(name, s, steps=steps, **kw) for s in seeds]
        out[name] = {
            "hit": np.array([r["hit"] for r in runs]),
            "error": np.array([r["error"] for r in runs]),
            "loss": np.stack([r["loss"] for r in runs]),
            "runs": runs,
        }
    out["seeds"] = tuple(seeds)
    return out


def hit_verdict(a, b, names=("basic LSTM", "peephole LSTM"), z: float = 2.0) -> dict:
    """Compare two sets of per-seed hit rates (fractions in [0, 1]) without letting a seed decide.

    Returns ``{"mean": (2,), "sd": (2,), "diff": mean_b - mean_a, "se": its standard error
    (sample standard deviations over seeds), "solved": (2,) seeds with hit > 0.99, "verdict"}``.
    The verdict names a winner only when ``|diff| > z * se`` (two standard errors by default);
    otherwise it is "no reliable difference".
    """
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    for label, v in (("a", a), ("b", b)):
        if v.ndim != 1 or len(v) < 2:
            raise ValueError(
                f"{label} must be a 1-d array of at least 2 per-seed hit rates; got shape {v.shape}"
            )
        if not np.all((v >= 0) & (v <= 1)):
            raise ValueError(f"{label} holds values outside [0, 1]: {v}")
    mean = np.array([a.mean(), b.mean()])
    sd = np.array([a.std(ddof=1), b.std(ddof=1)])
    diff = float(mean[1] - mean[0])
    se = float(np.sqrt(sd[0] ** 2 / len(a) + sd[1] ** 2 / len(b)))
    if abs(diff) > z * se:
        verdict = f"{names[1] if diff > 0 else names[0]} better"
    else:
        verdict = "no reliable difference"
    return {
        "mean": mean,
        "sd": sd,
        "diff": diff,
        "se": se,
        "solved": np.array([int(np.sum(a > 0.99)), int(np.sum(b > 0.99))]),
        "verdict": verdict,
    }


def plot_peephole(result: dict):
    """Timing hits per seed (bars) and the training loss of each run (log scale), for the dict
    of :func:`peephole_comparison`."""
    fig, (left, right) = style.figure(1, 2, figsize=(9, 3.4))
    seeds = result["seeds"]
    x = np.arange(len(seeds))
    for k, name in enumerate(("lstm", "peephole")):
        left.bar(
            x + (k - 0.5) * 0.38,
            result[name]["hit"],
            0.38,
            color=style.cell_color(name),
            label=style.cell_label(name),
        )
        for loss in result[name]["loss"]:
            right.plot(loss, color=style.cell_color(name), alpha=0.7)
    left.set_xticks(x, [f"seed {s}" for s in seeds])
    left.set(
        ylabel="pulses exactly on time",
        ylim=(0, 1.3),
        yticks=np.linspace(0, 1, 6),
        title="timing accuracy on fresh sequences",
    )
    left.legend(loc="upper center", ncols=2)
    style.log_axis(right, "y")
    right.set(
        xlabel="training step", ylabel="loss (log scale)", title="training loss, one line per seed"
    )
    hits = {
        name: ", ".join(f"{h:.2f}" for h in result[name]["hit"]) for name in ("lstm", "peephole")
    }
    return style.describe(
        fig,
        (
            f"Left: bar chart of the fraction of pulses exactly on time for seeds "
            f"{', '.join(str(s) for s in seeds)}, basic LSTM (blue: {hits['lstm']}) and peephole "
            f"LSTM (cyan: {hits['peephole']}). Right: the training loss of each run (log scale) "
            f"against the step, 0 to {result['lstm']['loss'].shape[1] - 1}."
        ),
    )


def peephole_data() -> dict:
    """Chapter 6's exercise: a peephole LSTM (n=3, m=2), a state (c, h) and an input."""
    rng = np.random.default_rng(11)
    cell = make_cell("peephole", 2, 3, rng)
    for k in ("b_i", "b_f", "b_o", "b", "p_i", "p_f", "p_o"):
        cell.params[k] = np.round(rng.normal(size=3), 2)
    return {
        "params": cell.params,
        "c": np.array([[1.5, -0.4, 0.2]]),
        "h": np.array([[0.1, -0.3, 0.6]]),
        "x": np.array([[0.5, 1.0]]),
    }


def check_peephole_step(answer) -> bool:
    """Chapter 6: ``h_t`` (shape (1, 3)) of the peephole LSTM for :func:`peephole_data`.

    Prints right or wrong and, when wrong, a hint (never the expected value).
    """
    d = peephole_data()
    p, c_prev, h_prev, x = d["params"], d["c"], d["h"], d["x"]
    cell = make_cell("peephole", 2, 3, np.random.default_rng(0))
    c_new, h = cell.step(p, (c_prev, h_prev), x)
    # a typical slip: the read gate looks at c_{t-1} instead of the new c_t
    o_old = sigmoid(h_prev @ p["W_o"].T + x @ p["U_o"].T + p["p_o"] * c_prev + p["b_o"])
    # another: no peepholes at all (the basic LSTM's step)
    basic = make_cell("lstm", 2, 3, np.random.default_rng(0))
    _, h_basic = basic.step(
        {k: v for k, v in p.items() if not k.startswith("p_")}, (c_prev, h_prev), x
    )
    return judge(
        "peephole h_t",
        answer,
        h,
        hint="Compute i and f with p_i * c_{t-1} and p_f * c_{t-1}, the new c_t, then "
        "o from p_o * c_t, and h_t = o * tanh(c_t).",
        near={
            "old c": (
                o_old * np.tanh(c_new),
                (
                    "Your read gate looked at c_{t-1}; "
                    "in eq-peephole o_t sees the new cell state c_t."
                ),
            ),
            "no peepholes": (
                h_basic,
                ("This is the basic LSTM's h_t: the peephole terms p_i, p_f, p_o are missing."),
            ),
        },
    )
