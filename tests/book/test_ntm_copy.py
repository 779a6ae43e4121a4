"""Chapter 9 (rnnlib/book/ntm_copy.py): the committed copy machine and the training script that
made it (repeatable, follows the committed run), its held-out errors, the figures, the NTM step
widget and the exercise checks. The machine itself is tested in tests/test_ntm.py."""

from __future__ import annotations

import importlib.util
from dataclasses import asdict, replace
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest

from rnnlib import ntm, sigmoid
from rnnlib.book import ntm_copy, style

ROOT = Path(__file__).resolve().parents[2]


# -- the training script -----------------------------------------------------------------------


def load_script():
    spec = importlib.util.spec_from_file_location("train_ntm", ROOT / "scripts" / "train_ntm.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# The first 20 losses of the script, rerun under OpenBLAS's Haswell and SandyBridge kernels
# (this machine's default is SkylakeX), differed from the committed ones by at most 2e-16
# (relative), and by at most 6e-16 over the first 250 steps: the NTM's small matrix products
# round alike, and 20 steps do not amplify it. 1e-9 leaves six orders of magnitude for other
# CPUs and is still far below what a change of the maths moves: a learning rate 0.01 % larger
# moves the first 20 losses by 6e-6, 1 % larger by 6e-4, one hidden unit fewer by 1.5e-2.
SHORT_RUN_RTOL = 1e-9


@pytest.fixture(scope="module")
def short_runs():
    """Two 20-step runs of the training script from the committed configuration."""
    script = load_script()
    cfg, _, history = ntm_copy.load_ntm()
    short = replace(cfg, steps=20, eval_every=1000)
    return history, script.train(short, log=lambda s: None), script.train(short, log=lambda s: None)


def test_training_script_is_bitwise_repeatable(short_runs):
    """Same seed, same numbers: two runs on one machine agree bit for bit."""
    _, (model_a, hist_a), (model_b, hist_b) = short_runs
    assert np.array_equal(hist_a["loss"], hist_b["loss"])
    assert np.array_equal(hist_a["grad_norm"], hist_b["grad_norm"])
    assert all(np.array_equal(model_a.params[k], model_b.params[k]) for k in model_a.params)


def test_training_script_follows_the_committed_run(short_runs):
    """The committed run came from this script with its default settings: the first 20 steps
    retrace its losses and gradient norms (to SHORT_RUN_RTOL, for other machines' BLAS)."""
    history, (_, hist), _ = short_runs
    cfg, _, _ = ntm_copy.load_ntm()
    assert asdict(cfg) == asdict(load_script().Config())  # the committed settings
    np.testing.assert_allclose(hist["loss"], history["loss"][:20], rtol=SHORT_RUN_RTOL, atol=0)
    np.testing.assert_allclose(
        hist["grad_norm"], history["grad_norm"][:20], rtol=SHORT_RUN_RTOL, atol=0
    )
    assert np.array_equal(hist["length"], history["length"][:20])  # the data stream: integers


@pytest.mark.regenerate
def test_training_script_regenerates_the_committed_weights_exactly(tmp_path):
    """Exact regeneration (opt-in: pytest --regenerate -m regenerate; about 3 minutes): the
    whole committed run, step for step and weight for weight. Bitwise only on the machine that
    wrote rnnlib/data/ntm_copy_weights.npz; elsewhere test_training_script_follows_the_committed_run
    and test_committed_weights_copy_held_out_sequences hold what the chapter relies on."""
    script = load_script()
    cfg, committed, history = ntm_copy.load_ntm()
    model, fresh = script.train(cfg, log=lambda s: None)
    for key in ("loss", "grad_norm", "length", "eval_step", "eval_errors"):
        assert np.array_equal(fresh[key], history[key]), key
    for key, value in committed.params.items():
        assert np.array_equal(model.params[key], value), key


def test_committed_weights_copy_held_out_sequences():
    cfg, model, history = ntm_copy.load_ntm()
    assert cfg.n_rows <= 20 and cfg.width <= 10 and cfg.bits <= 8
    assert history["eval_errors"][-1] < cfg.target_errors
    errors = ntm_copy.errors_by_length(model, ntm_copy.held_out(cfg, range(1, 9), per_length=32))
    assert np.mean(np.concatenate(list(errors.values()))) < 0.1
    longer = ntm_copy.errors_by_length(model, ntm_copy.held_out(cfg, [12], per_length=32))
    assert longer[12].mean() < 2.0  # 96 bits per sequence; it mostly copies beyond training lengths


# -- the episode widget --------------------------------------------------------------------------


@pytest.mark.parametrize("t", [0, 7, 8, 9, 16])
def test_episode_view_is_what_the_machine_computed(t):
    _, model, _ = ntm_copy.load_ntm()
    batch, episode = ntm_copy.copy_episode(model, 8, seed=3)
    view = ntm_copy.ntm_step_view(batch, episode, t)
    assert np.array_equal(view["memory"], episode.memory[t + 1, 0])
    assert np.array_equal(view["w_write"], episode.w_write[t, 0])
    assert np.array_equal(view["w_read"], episode.w_read[t, 0])
    assert np.allclose(view["output"], sigmoid(episode.logits[t, 0]))
    phase = "reading the input" if t < 8 else "delimiter" if t == 8 else "writing the copy out"
    assert view["phase"] == phase
    fig = ntm_copy.plot_ntm_step(view)  # the static version of the widget's picture
    assert np.array_equal(fig.axes[0].images[0].get_array(), view["memory"])


@pytest.mark.parametrize("t", [0, 8, 9, 16])
def test_episode_widget_shows_what_the_machine_computed(t):
    pytest.importorskip("ipywidgets")
    _, model, _ = ntm_copy.load_ntm()
    batch, episode = ntm_copy.copy_episode(model, 8, seed=3)
    explorer = ntm_copy.ntm_step_widget(batch, episode)
    explorer.controls["t"].value = t  # the callback runs without a kernel
    view = ntm_copy.ntm_step_view(batch, episode, t)
    fig = explorer.view
    assert np.array_equal(fig.memory.get_array(), view["memory"])
    assert np.allclose([p.get_width() for p in fig.w_write], view["w_write"])
    assert np.allclose([p.get_width() for p in fig.w_read], view["w_read"])
    assert np.allclose([p.get_width() for p in fig.output], view["output"])
    given = view["target"] if t > 8 else view["x"][:8]
    assert np.allclose([p.get_width() for p in fig.given], given)
    assert fig.title.get_text().startswith(f"t = {t}:")
    assert explorer.image.value[:4] == b"\x89PNG"


def test_episode_widget_slider_and_limits():
    pytest.importorskip("ipywidgets")
    _, model, _ = ntm_copy.load_ntm()
    batch, episode = ntm_copy.copy_episode(model, 3, seed=0)
    explorer = ntm_copy.ntm_step_widget(batch, episode)
    slider = explorer.controls["t"]
    assert (slider.min, slider.max) == (0, 6)
    slider.value = 6
    assert explorer.data["t"] == 6
    with pytest.raises(ValueError, match="t must lie"):
        ntm_copy.ntm_step_view(batch, episode, 7)


def test_ntm_exercise_checks(capsys):
    w, s = ntm_copy.SHIFT_W, ntm_copy.SHIFT_S
    answer = s[0] * np.roll(w, -1) + s[1] * w + s[2] * np.roll(w, 1)
    assert ntm_copy.check_shift(answer)
    assert not ntm_copy.check_shift(w)
    M, wr, e, a = ntm_copy.WRITE_MEMORY, ntm_copy.WRITE_W, ntm_copy.WRITE_ERASE, ntm_copy.WRITE_ADD
    assert ntm_copy.check_write(M * (1 - np.outer(wr, e)) + np.outer(wr, a))
    assert not ntm_copy.check_write(M)
    assert "not yet" in capsys.readouterr().out


# -- the library/book boundary and the merges of this module --------------------------------------


def test_committed_file_is_an_ntm_save_with_config_and_history():
    """The committed weights are an NTM.save file: the core loads the machine by itself, and the
    book's configuration rebuilds the same architecture (make_ntm) with the same parameter
    names and shapes."""
    cfg, model, history = ntm_copy.load_ntm()
    core = ntm.NTM.load(ntm_copy.WEIGHTS)
    assert all(np.array_equal(core.params[k], v) for k, v in model.params.items())
    fresh = ntm_copy.make_ntm(cfg)
    assert repr(fresh) == repr(model)
    shapes = {k: v.shape for k, v in model.params.items()}
    assert {k: v.shape for k, v in fresh.params.items()} == shapes
    assert {"loss", "grad_norm", "length", "eval_step", "eval_errors", "seconds"} <= set(history)
    assert ntm_copy.TRAINING_LOG.exists()
    assert ntm_copy.TRAINING_LOG.read_text().splitlines()[0] == repr(ntm_copy.NTMConfig())


def test_save_then_load_round_trip(tmp_path):
    cfg = ntm_copy.NTMConfig(n_rows=5, width=3, n_hidden=4, bits=3)
    model = ntm_copy.make_ntm(cfg)
    history = {
        "loss": np.array([0.7, 0.6]),
        "eval_step": np.array([1]),
        "eval_errors": np.array([2.5]),
    }
    ntm_copy.save_ntm(tmp_path / "run.npz", cfg, model, history)
    cfg2, model2, history2 = ntm_copy.load_ntm(tmp_path / "run.npz")
    assert cfg2 == cfg
    assert all(np.array_equal(model2.params[k], v) for k, v in model.params.items())
    assert all(np.array_equal(history2[k], v) for k, v in history.items())
    with pytest.raises(FileNotFoundError, match="train_ntm.py"):
        ntm_copy.load_ntm(tmp_path / "none.npz")
    model.save(tmp_path / "bare.npz")
    with pytest.raises(ValueError, match="no training config"):
        ntm_copy.load_ntm(tmp_path / "bare.npz")


def test_mean_bit_errors_is_the_mean_over_every_sequence():
    """Merge guard: the script's held-out number (it had its own loop over batches) is the mean
    of errors_by_length over all sequences, the numbers the chapter prints."""
    cfg, model, _ = ntm_copy.load_ntm()
    batches = ntm_copy.held_out(cfg, [2, 9], per_length=4)
    own = np.concatenate(
        [ntm.bit_errors(model.forward(model.params, b.xs), b) for b in batches]
    ).mean()
    assert ntm_copy.mean_bit_errors(model, batches) == own


def test_training_plot_draws_the_history():
    """Merge guard: the smoothed loss is style.running_mean from step ``window`` on, the
    moving average the figure drew before (np.convolve, 'valid'), to 1e-12."""
    _, _, history = ntm_copy.load_ntm()
    fig = ntm_copy.plot_training(history, window=50)
    ax, ax2 = fig.axes
    line = ax.get_lines()[0]
    loss = history["loss"]
    old = np.convolve(loss, np.ones(50) / 50, mode="valid")
    np.testing.assert_allclose(line.get_ydata(), old, rtol=1e-12, atol=0)
    assert np.array_equal(line.get_xdata(), np.arange(50, len(loss) + 1))
    assert np.array_equal(ax2.get_lines()[0].get_ydata(), history["eval_errors"])
    assert ax.get_yscale() == "log"
    assert f"{history['eval_errors'][-1]:.2g}" in fig._wm_description
    plt.close(fig)


def test_bit_error_plot_draws_the_errors():
    errors = {1: np.zeros(4), 2: np.array([0.0, 1.0, 0.0, 0.0]), 12: np.array([3.0, 0, 5, 1])}
    fig = ntm_copy.plot_bit_errors(errors, train_max=2, n_rows=10)
    ax = fig.axes[0]
    heights = [p.get_height() for p in ax.patches if p.get_width() == pytest.approx(0.8)]
    assert heights == [100.0, 75.0, 25.0]
    colors = [p.get_facecolor() for p in ax.patches if p.get_width() == pytest.approx(0.8)]
    assert colors[-1] == matplotlib.colors.to_rgba(style.ORANGE)
    assert "25 % at length 12" in fig._wm_description
    plt.close(fig)


def test_copy_episode_plot_draws_the_episode():
    _, model, _ = ntm_copy.load_ntm()
    batch, episode = ntm_copy.copy_episode(model, 8, seed=3)
    fig = ntm_copy.plot_copy_episode(batch, episode)
    images = [ax.images[0].get_array() for ax in fig.axes if ax.images]
    assert np.array_equal(images[0], batch.xs[:, 0].T)
    assert np.allclose(images[1], sigmoid(episode.logits[:, 0]).T)
    assert np.array_equal(images[2], episode.w_write[:, 0].T)
    assert np.array_equal(images[3], episode.w_read[:, 0].T)
    written = episode.w_write[:8, 0].argmax(-1)
    read = episode.w_read[9:, 0].argmax(-1)
    assert f"On {int((written == read).sum())} of the 8 answer steps" in fig._wm_description
    plt.close(fig)


def test_step_widget_and_its_still_are_described():
    pytest.importorskip("ipywidgets")
    _, model, _ = ntm_copy.load_ntm()
    batch, episode = ntm_copy.copy_episode(model, 3, seed=0)
    explorer = ntm_copy.ntm_step_widget(batch, episode)
    assert explorer.alt_text() == ntm_copy.NTMStepFigure.DESCRIPTION
    assert explorer.view.figure._wm_description == ntm_copy.NTMStepFigure.DESCRIPTION
    view = ntm_copy.ntm_step_view(batch, episode, 5)
    fig = ntm_copy.plot_ntm_step(view)
    text = fig._wm_description
    assert text.startswith("The machine at step t = 5 (writing the copy out)")
    assert f"row {int(view['w_read'].argmax())}, {view['w_read'].max():.2f}" in text
    plt.close(fig)
