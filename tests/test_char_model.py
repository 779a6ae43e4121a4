"""The character model of chapter 10: corpus, baselines, sampling and its statistics, the
feature search (on a synthetic case with a known answer), a short training run, the widget,
and the shipped weights against their log."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from rnnlib import make_cell
from rnnlib.experiments import char_model as cm
from rnnlib.model import Model
from rnnlib.tasks import Batch, CharLM, one_hot


@pytest.fixture(scope="module")
def corpus():
    return cm.stdlib_corpus()


@pytest.fixture(scope="module")
def trained():
    return cm.load_trained()


def test_corpus_is_deterministic_and_split_by_file(corpus):
    again = cm.stdlib_corpus()
    assert again.train == corpus.train and again.valid == corpus.valid
    assert not set(corpus.train_files) & set(corpus.valid_files)
    assert list(corpus.train_files) == list(cm.TRAIN_FILES)
    assert len(corpus.train) > 300_000 and len(corpus.valid) > 20_000   # on any 3.9-3.13
    assert set(corpus.train + corpus.valid) <= set("\n" + "".join(map(chr, range(32, 127))))


def test_clean():
    assert cm.clean("a\tb\r\nc\u00e9") == "a    b\nc?"
    with pytest.raises(TypeError, match="str"):
        cm.clean(b"bytes")


def test_ngram_baselines_on_known_texts():
    V = 2
    ab = np.tile([0, 1], 5000)
    # unigram: each symbol half the time (1 bit); bigram: the next symbol is certain (~0 bits)
    assert cm.ngram_bits(ab, ab, V, order=0, alpha=1e-9) == pytest.approx(1.0, abs=1e-6)
    assert cm.ngram_bits(ab, ab, V, order=1, alpha=1e-9) == pytest.approx(0.0, abs=1e-6)
    rng = np.random.default_rng(0)
    noise = rng.integers(0, 4, 20000)
    assert cm.ngram_bits(noise, noise, 4, order=1) == pytest.approx(2.0, abs=0.01)
    with pytest.raises(ValueError, match="order"):
        cm.ngram_bits(ab, ab, V, order=2)


def test_model_bits_is_the_models_own_cross_entropy():
    text = "def f(x):\n    return (x + 1)\n" * 20
    task = CharLM(seq_len=10, text=text)
    rng = np.random.default_rng(1)
    model = Model(make_cell("lstm", n_in=task.n_in, n_hidden=5, rng=rng), task.n_out, rng)
    codes = task.codes[: 10 * 7 + 1]
    x, y = codes[:-1].reshape(7, 10).T, codes[1:].reshape(7, 10).T
    nats = model.loss(Batch(one_hot(x, task.n_in), y, np.ones((10, 7))), "classify")
    assert cm.model_bits(model, codes, window=10) == pytest.approx(nats / np.log(2), rel=1e-12)
    # a ragged tail is scored too, each target once
    assert np.isfinite(cm.model_bits(model, task.codes[:75], window=10))


def test_matched_vanilla_size():
    for n in (16, 64):
        v = cm.matched_vanilla_size(n, 96, 96)
        assert abs(cm.vanilla_params(v, 96, 96) / cm.lstm_params(n, 96, 96) - 1) < 0.01


def test_bracket_line_indent_word_statistics():
    assert cm.brackets_well_nested("f(a[1], {2})")
    assert cm.brackets_well_nested("f(a[1")            # cut off while still open: allowed
    assert not cm.brackets_well_nested("f(a]")
    assert not cm.brackets_well_nested("x)")
    assert cm.line_fraction_under("ab\n" + "x" * 80, 80) == 0.5
    assert cm.indent_fraction("a\n    b\n  c\n\n") == pytest.approx(2 / 3)
    assert cm.known_word_fraction("foo bar2 baz", {"foo", "baz"}) == pytest.approx(2 / 3)
    stats = cm.sample_statistics(["f(x)\n    y", "g(]"], {"f", "x", "y"})
    assert stats["well-nested brackets"] == 0.5
    with pytest.raises(ValueError):
        cm.sample_statistics([], set())


def test_source_features_on_a_known_snippet():
    src = 'def f(a, b="(x"):  # (\n    return [a,\n            b]\n'
    feats = cm.source_features(src)
    depth, string = feats["bracket depth"], feats["inside a string"]
    assert depth[src.index("(")] == 1 and depth[src.index("):") + 1] == 0
    assert depth[src.index("[")] == 1 and depth[src.index("[") - 1] == 0
    assert depth[src.index('"(x') + 1] == 1                  # the bracket in the string is text
    assert depth[src.index("#") + 2] == 0                    # so is the one in the comment
    assert depth[src.index("b]")] == 1 and depth[src.index("b]") + 1] == 0
    assert string[src.index('"(x'): src.index('"(x') + 4].all() and string.sum() == 4
    assert feats["inside a comment"].sum() == 3
    line2 = src.index("    return")
    assert feats["column"][line2 + 4] == 4 and feats["indentation"][line2 + 6] == 4
    with pytest.raises(ValueError, match="tokenize"):
        cm.source_features('x = "unterminated\n')


def test_feature_search_finds_a_planted_unit():
    rng = np.random.default_rng(2)
    T, n = 5000, 20
    depth = np.cumsum(rng.choice([-1, 0, 1], T)).clip(0, None).astype(float)
    column = np.tile(np.arange(50.0), T // 50)
    states = rng.normal(size=(T, n))
    states[:, 7] = -0.3 * depth + 0.1 * rng.normal(size=T)    # unit 7 tracks depth, sign flipped
    states[:, 3] = 0.0                                        # a dead unit
    r = cm.correlations(states, {"depth": depth, "column": column})
    assert r.shape == (2, n) and np.all(r[:, 3] == 0)
    (f1, unit, value), (f2, _other, weak) = cm.best_units(r, ["depth", "column"], 1)
    assert (f1, unit) == ("depth", 7) and value < -0.9
    assert f2 == "column" and abs(weak) < 0.1
    with pytest.raises(ValueError, match="positions"):
        cm.correlations(states[:10], {"depth": depth})


def test_sampling_is_seeded_and_temperature_sharpens():
    text = "abcabcabcabd" * 50
    task = CharLM(seq_len=12, text=text)
    rng = np.random.default_rng(3)
    model = Model(make_cell("lstm", n_in=task.n_in, n_hidden=4, rng=rng), task.n_out, rng)
    a = cm.sample(model, task, 50, 1.0, np.random.default_rng(5), n_samples=3, start="a")
    b = cm.sample(model, task, 50, 1.0, np.random.default_rng(5), n_samples=3, start="a")
    assert a == b and len(a) == 3 and all(len(s) == 50 for s in a)
    model.readout["c"][:] = [3.0, 0.0, 0.0, 0.0]   # 'a' the most likely character everywhere
    model.readout["V"][:] = 0.0
    cold = "".join(cm.sample(model, task, 400, 0.1, np.random.default_rng(6), start="a"))
    hot = "".join(cm.sample(model, task, 400, 2.0, np.random.default_rng(6), start="a"))
    assert cold.count("a") == 400 and hot.count("a") < 300
    with pytest.raises(ValueError, match="temperature"):
        cm.sample(model, task, 5, 0.0, np.random.default_rng(0), start="a")
    with pytest.raises(ValueError, match="start"):
        cm.sample(model, task, 5, 1.0, np.random.default_rng(0), start="\n")


def test_short_training_reduces_the_loss_and_checkpoints_are_one_run(corpus):
    task = cm.char_task(corpus, seq_len=20)
    cfg = cm.CharConfig(n_lstm=16, seq_len=20, truncate=10, batch=8, steps=40,
                        checkpoints=(20, 40))
    _model, saved, history = cm.train_with_checkpoints("lstm", task, cfg, progress=False,
                                                      log=lambda *_: None)
    assert history.steps == 40 and sorted(saved) == [20, 40]
    assert history.loss[-10:].mean() < history.loss[:5].mean() - 0.5
    one = cm.CharConfig(**{**cfg.__dict__, "checkpoints": (40,)})
    _model1, _, history1 = cm.train_with_checkpoints("lstm", task, one, progress=False,
                                                    log=lambda *_: None)
    np.testing.assert_array_equal(history.loss, history1.loss)    # same machine: bit for bit


def test_shipped_weights_reproduce_their_log(trained):
    log = trained.log
    late = str(log["config"]["steps"])
    valid = cm.encode(trained.task, trained.corpus.valid)
    lstm = cm.model_bits(trained.model("lstm"), valid, log["config"]["seq_len"])
    vanilla = cm.model_bits(trained.model("vanilla"), valid, log["config"]["seq_len"])
    unigram = cm.ngram_bits(trained.task.codes, valid, trained.task.n_in, 0)
    bigram = cm.ngram_bits(trained.task.codes, valid, trained.task.n_in, 1)
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


def test_the_lstm_has_a_unit_that_tracks_a_feature_and_the_untrained_one_does_not(trained):
    inside = cm.look_inside(trained.model("lstm").cell, trained.task,
                            trained.corpus.valid_files, chunk=1000, max_chunks=20)
    cfg = cm.CharConfig(**{**trained.log["config"],
                           "checkpoints": tuple(trained.log["config"]["checkpoints"])})
    fresh = cm.make_model("lstm", trained.task, cfg)
    blank = cm.look_inside(fresh.cell, trained.task, trained.corpus.valid_files, chunk=1000,
                           max_chunks=20)
    best = np.abs(inside.correlations()).max(axis=1)
    base = np.abs(blank.correlations()).max(axis=1)
    assert best.max() > 0.6
    assert (best > base).sum() >= 3
    depth = cm.FEATURES.index("bracket depth")       # the chapter's clearest gain over chance
    assert best[depth] - base[depth] > 0.15


def test_widget_logic(trained):
    from rnnlib.widgets import char_memory

    cell = trained.model("lstm").cell
    shown = cm.passages(cell, trained.task, trained.corpus.valid_files)
    assert len(shown) == 3
    for text, recorded in shown.values():
        assert len(text.split("\n")) == 12 and recorded["c"].shape == (len(text), 64)
    inside = cm.look_inside(cell, trained.task, trained.corpus.valid_files, chunk=1000,
                            max_chunks=8)
    units = char_memory.units_of(inside)
    assert 1 <= len(units) <= len(cm.FEATURES)
    widget = char_memory.widget_for(shown, units)
    first = widget.data
    assert first["values"].shape == (widget.view.n_rows, 80)
    widget.controls["signal"].value = "f"
    gate = widget.data
    assert np.nanmin(gate["values"]) >= -1 and np.nanmax(gate["values"]) <= 1
    assert "forget" in gate["title"]
    widget.controls["passage"].index = 1
    assert widget.data["lines"] != gate["lines"]
    with pytest.raises(ValueError, match="passage"):
        char_memory.passage_view({}, "nope", 0, "c")


def test_passage_states_equal_a_run_over_the_whole_file(trained):
    """A passage's recorded states are those of the cell reading the passage after its lead."""
    cell = trained.model("lstm").cell
    shown = cm.passages(cell, trained.task, trained.corpus.valid_files, n=1, lead=50)
    (text, recorded), = shown.values()
    whole = "".join(trained.corpus.valid_files.values())
    start = whole.index(text)
    xs = one_hot(cm.encode(trained.task, whole[start - 50: start + len(text)])[:, None],
                 trained.task.n_in)
    from rnnlib import run

    c = run(cell, xs).state_array(0)[51:, 0]
    np.testing.assert_allclose(recorded["c"], c, rtol=1e-10, atol=1e-12)


def test_sample_table_rows():
    text = "def f(x):\n    return x\n" * 30
    task = CharLM(seq_len=10, text=text)
    rng = np.random.default_rng(4)
    model = Model(make_cell("vanilla", n_in=task.n_in, n_hidden=6, rng=rng), task.n_out, rng)
    rows = cm.sample_table({"m": model}, task, {"def", "f", "x", "return"}, (0.5, 2.0),
                           n_samples=3, n_chars=40)
    assert [(r["model"], r["temperature"]) for r in rows] == [("m", 0.5), ("m", 2.0)]
    assert all(0 <= r[name] <= 1 for r in rows for name in cm.STATISTICS if np.isfinite(r[name]))
