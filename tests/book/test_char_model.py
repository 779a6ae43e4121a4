"""rnnlib.book.char_model (chapter 10): corpus, baselines, sampling and its statistics, a
short training run, the shipped weights against their log, the training figure and the
temperature check; the merges with the core (Model.loss, losses.softmax) are guarded here."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from rnnlib import make_cell
from rnnlib.book import char_model
from rnnlib.model import Model
from rnnlib.tasks import Batch, CharLM, one_hot


@pytest.fixture(scope="module")
def corpus():
    return char_model.stdlib_corpus()


@pytest.fixture(scope="module")
def trained():
    return char_model.load_trained()


def test_corpus_is_deterministic_and_split_by_file(corpus):
    again = char_model.stdlib_corpus()
    assert again.train == corpus.train and again.valid == corpus.valid
    assert not set(corpus.train_files) & set(corpus.valid_files)
    assert list(corpus.train_files) == list(char_model.TRAIN_FILES)
    assert len(corpus.train) > 300_000 and len(corpus.valid) > 20_000  # on any 3.9-3.13
    assert set(corpus.train + corpus.valid) <= set("\n" + "".join(map(chr, range(32, 127))))


def test_clean():
    assert char_model.clean("a\tb\r\nc\u00e9") == "a    b\nc?"
    with pytest.raises(TypeError, match="str"):
        char_model.clean(b"bytes")


def test_ngram_baselines_on_known_texts():
    V = 2
    ab = np.tile([0, 1], 5000)
    # unigram: each symbol half the time (1 bit); bigram: the next symbol is certain (~0 bits)
    assert char_model.ngram_bits(ab, ab, V, order=0, alpha=1e-9) == pytest.approx(1.0, abs=1e-6)
    assert char_model.ngram_bits(ab, ab, V, order=1, alpha=1e-9) == pytest.approx(0.0, abs=1e-6)
    rng = np.random.default_rng(0)
    noise = rng.integers(0, 4, 20000)
    assert char_model.ngram_bits(noise, noise, 4, order=1) == pytest.approx(2.0, abs=0.01)
    with pytest.raises(ValueError, match="order"):
        char_model.ngram_bits(ab, ab, V, order=2)


def test_model_bits_is_the_models_own_cross_entropy():
    text = "def f(x):\n    return (x + 1)\n" * 20
    task = CharLM(seq_len=10, text=text)
    rng = np.random.default_rng(1)
    model = Model(make_cell("lstm", n_in=task.n_in, n_hidden=5, rng=rng), task.n_out, rng)
    codes = task.codes[: 10 * 7 + 1]
    x, y = codes[:-1].reshape(7, 10).T, codes[1:].reshape(7, 10).T
    nats = model.loss(Batch(one_hot(x, task.n_in), y, np.ones((10, 7))), "classify")
    bits = char_model.model_bits(model, codes, window=10)
    assert bits == pytest.approx(nats / np.log(2), rel=1e-12)


def test_model_bits_equals_the_explicit_log_softmax_windows_and_ragged_tail():
    """Guards the merge of model_bits into Model.loss (it computed its own log-softmax): the
    bits equal -mean log2 softmax written out here, window by window from the zero state, the
    short last window included, each target once."""
    text = "def f(x):\n    return (x + 1)\n" * 20
    task = CharLM(seq_len=10, text=text)
    rng = np.random.default_rng(1)
    model = Model(make_cell("lstm", n_in=task.n_in, n_hidden=5, rng=rng), task.n_out, rng)
    codes = task.codes[:75]  # 74 targets: 7 windows of 10 and one of 4
    total = 0.0
    for start in range(0, 74, 10):
        x, y = codes[start : min(start + 10, 74)], codes[start + 1 : min(start + 11, 75)]
        logits = model.predict(one_hot(x[:, None], task.n_in))[:, 0]  # (Tw, V)
        z = logits - logits.max(axis=1, keepdims=True)
        logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        total -= logp[np.arange(len(y)), y].sum()
    reference = total / 74 / np.log(2)
    assert char_model.model_bits(model, codes, window=10) == pytest.approx(reference, rel=1e-12)
    with pytest.raises(ValueError, match="at least 2"):
        char_model.model_bits(model, codes[:1])


def test_matched_vanilla_size():
    for n in (16, 64):
        v = char_model.matched_vanilla_size(n, 96, 96)
        ratio = char_model.vanilla_params(v, 96, 96) / char_model.lstm_params(n, 96, 96)
        assert abs(ratio - 1) < 0.01


def test_bracket_line_indent_word_statistics():
    assert char_model.brackets_well_nested("f(a[1], {2})")
    assert char_model.brackets_well_nested("f(a[1")  # cut off while still open: allowed
    assert not char_model.brackets_well_nested("f(a]")
    assert not char_model.brackets_well_nested("x)")
    assert char_model.line_fraction_under("ab\n" + "x" * 80, 80) == 0.5
    assert char_model.indent_fraction("a\n    b\n  c\n\n") == pytest.approx(2 / 3)
    assert char_model.known_word_fraction("foo bar2 baz", {"foo", "baz"}) == pytest.approx(2 / 3)
    stats = char_model.sample_statistics(["f(x)\n    y", "g(]"], {"f", "x", "y"})
    assert stats["well-nested brackets"] == 0.5
    with pytest.raises(ValueError):
        char_model.sample_statistics([], set())


def test_sampling_is_seeded_and_temperature_sharpens():
    text = "abcabcabcabd" * 50
    task = CharLM(seq_len=12, text=text)
    rng = np.random.default_rng(3)
    model = Model(make_cell("lstm", n_in=task.n_in, n_hidden=4, rng=rng), task.n_out, rng)
    a = char_model.sample(model, task, 50, 1.0, np.random.default_rng(5), n_samples=3, start="a")
    b = char_model.sample(model, task, 50, 1.0, np.random.default_rng(5), n_samples=3, start="a")
    assert a == b and len(a) == 3 and all(len(s) == 50 for s in a)
    model.readout["c"][:] = [3.0, 0.0, 0.0, 0.0]  # 'a' the most likely character everywhere
    model.readout["V"][:] = 0.0
    cold = "".join(char_model.sample(model, task, 400, 0.1, np.random.default_rng(6), start="a"))
    hot = "".join(char_model.sample(model, task, 400, 2.0, np.random.default_rng(6), start="a"))
    assert cold.count("a") == 400 and hot.count("a") < 300
    with pytest.raises(ValueError, match="temperature"):
        char_model.sample(model, task, 5, 0.0, np.random.default_rng(0), start="a")
    with pytest.raises(ValueError, match="start"):
        char_model.sample(model, task, 5, 1.0, np.random.default_rng(0), start="\n")


def test_short_training_reduces_the_loss_and_checkpoints_are_one_run(corpus):
    task = char_model.char_task(corpus, seq_len=20)
    cfg = char_model.CharConfig(
        n_lstm=16, seq_len=20, truncate=10, batch=8, steps=40, checkpoints=(20, 40)
    )
    _model, saved, history = char_model.train_with_checkpoints(
        "lstm", task, cfg, progress=False, log=lambda *_: None
    )
    assert history.steps == 40 and sorted(saved) == [20, 40]
    assert history.loss[-10:].mean() < history.loss[:5].mean() - 0.5
    one = char_model.CharConfig(**{**cfg.__dict__, "checkpoints": (40,)})
    _model1, _, history1 = char_model.train_with_checkpoints(
        "lstm", task, one, progress=False, log=lambda *_: None
    )
    np.testing.assert_array_equal(history.loss, history1.loss)  # same machine: bit for bit


def test_shipped_weights_reproduce_their_log(trained):
    log = trained.log
    late = str(log["config"]["steps"])
    valid = char_model.encode(trained.task, trained.corpus.valid)
    lstm = char_model.model_bits(trained.model("lstm"), valid, log["config"]["seq_len"])
    vanilla = char_model.model_bits(trained.model("vanilla"), valid, log["config"]["seq_len"])
    unigram = char_model.ngram_bits(trained.task.codes, valid, trained.task.n_in, 0)
    bigram = char_model.ngram_bits(trained.task.codes, valid, trained.task.n_in, 1)
    if sys.version.split()[0] == log["python"]:
        # The same text and the same float16 weights: only BLAS rounding differs (~1e-12);
        # 1e-6 bits leaves room for any kernel and would catch a changed corpus or weights.
        assert lstm == pytest.approx(log["models"]["lstm"]["valid_bits"][late], abs=1e-6)
        assert vanilla == pytest.approx(log["models"]["vanilla"]["valid_bits"][late], abs=1e-6)
        assert unigram == pytest.approx(log["baselines_bits"]["unigram"], abs=1e-9)
        assert bigram == pytest.approx(log["baselines_bits"]["bigram"], abs=1e-9)
    # On any Python (another stdlib text): the chapter's conclusions, with margins.
    # The chapter's reading: both well below the bigram baseline, and with this budget the
    # vanilla RNN (wider, same parameter count) ahead of the LSTM (by 0.19 bits on 3.11).
    assert vanilla < lstm < bigram - 0.5 and bigram < unigram - 0.5
    assert lstm - vanilla > 0.05


def test_sample_table_rows():
    text = "def f(x):\n    return x\n" * 30
    task = CharLM(seq_len=10, text=text)
    rng = np.random.default_rng(4)
    model = Model(make_cell("vanilla", n_in=task.n_in, n_hidden=6, rng=rng), task.n_out, rng)
    rows = char_model.sample_table(
        {"m": model}, task, {"def", "f", "x", "return"}, (0.5, 2.0), n_samples=3, n_chars=40
    )
    assert [(r["model"], r["temperature"]) for r in rows] == [("m", 0.5), ("m", 2.0)]
    assert all(
        0 <= r[name] <= 1 for r in rows for name in char_model.STATISTICS if np.isfinite(r[name])
    )


def test_sampling_draws_from_the_softmax_of_the_readout_over_the_temperature():
    """Guards the merge of sample's softmax into rnnlib.losses.softmax: the characters drawn
    are the inverse-CDF draws from softmax((V h + c) / tau) written out here, step by step."""
    text = "abcabcabcabd" * 50
    task = CharLM(seq_len=12, text=text)
    rng = np.random.default_rng(3)
    model = Model(make_cell("lstm", n_in=task.n_in, n_hidden=4, rng=rng), task.n_out, rng)
    tau = np.array([0.7, 1.3])
    got = char_model.sample(model, task, 30, tau, np.random.default_rng(8), n_samples=2, start="a")
    cell, V, c = model.cell, model.readout["V"], model.readout["c"]
    state, code = cell.initial_state(2), np.full(2, task.index["a"])
    draws = np.random.default_rng(8)
    want = []
    for _ in range(30):
        state = cell.step(cell.params, state, one_hot(code, task.n_in))
        z = (cell.output(state) @ V.T + c) / tau[:, None]
        p = np.exp(z - z.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        code = np.minimum((p.cumsum(axis=1) < draws.random((2, 1))).sum(axis=1), task.n_in - 1)
        want.append(code)
    assert got == [task.decode(np.array(want)[:, b]) for b in range(2)]


def test_check_temperature_says_right_or_wrong_never_the_answer(capsys):
    z = char_model.TEMPERATURE_LOGITS / char_model.TEMPERATURE
    right = np.exp(z) / np.exp(z).sum()
    assert char_model.check_temperature(right.round(3))
    assert not char_model.check_temperature([1 / 3, 1 / 3, 1 / 3])
    plain = np.exp(char_model.TEMPERATURE_LOGITS) / np.exp(char_model.TEMPERATURE_LOGITS).sum()
    assert not char_model.check_temperature(plain)
    out = capsys.readouterr().out
    assert "correct" in out and "temperature 1" in out
    assert f"{right[0]:.3f}" not in out and f"{right[1]:.3f}" not in out


def test_plot_training_uses_the_book_palette_and_describes_the_run(trained):
    import matplotlib

    matplotlib.use("Agg")
    from rnnlib.book import style

    fig = char_model.plot_training(trained.log, "title")
    ax = fig.axes[0]
    colours = {line.get_color() for line in ax.lines}
    assert {style.cell_color("lstm"), style.cell_color("vanilla")} <= colours
    assert ax.get_xscale() == "log"
    text = fig._wm_description
    late = trained.log["models"]["lstm"]["valid_bits"][str(trained.log["config"]["steps"])]
    assert f"{late:.2f}" in text and f"{trained.log['baselines_bits']['bigram']:.2f}" in text
    import matplotlib.pyplot as plt

    plt.close(fig)
