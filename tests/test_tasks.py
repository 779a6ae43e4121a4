"""The tasks: shapes, seeding, and that each target is what the task says it is."""

import numpy as np
import pytest

from rnnlib.tasks import (
    REBER_SYMBOLS,
    TASKS,
    AddingTask,
    Batch,
    CharLM,
    CopyTask,
    EmbeddedReber,
    get_task,
    help_text,
)

_REBER_NEXT = {
    0: {"B": 1},
    1: {"T": 2, "P": 3},
    2: {"S": 2, "X": 4},
    3: {"T": 3, "V": 5},
    4: {"X": 3, "S": 6},
    5: {"P": 4, "V": 6},
    6: {"E": None},
}


def is_reber(text: str) -> bool:
    state = 0
    for ch in text:
        if state is None or ch not in _REBER_NEXT[state]:
            return False
        state = _REBER_NEXT[state][ch]
    return state is None


@pytest.fixture(scope="module")
def charlm():
    return CharLM(seq_len=12)


def all_tasks(charlm):
    return [CopyTask(), AddingTask(length=12), EmbeddedReber(), charlm]


def test_every_task_has_the_interface(charlm):
    for task in all_tasks(charlm):
        batch = task.sample(np.random.default_rng(0), 5)
        assert isinstance(batch, Batch)
        T = batch.xs.shape[0]
        assert batch.xs.shape == (T, 5, task.n_in)
        assert batch.mask.shape == (T, 5)
        assert set(np.unique(batch.mask)) <= {0.0, 1.0} and batch.n_scored > 0
        if task.kind == "classify":
            assert batch.targets.shape == (T, 5)
            assert np.issubdtype(batch.targets.dtype, np.integer)
            assert batch.targets.min() >= 0 and batch.targets.max() < task.n_out
        else:
            assert batch.targets.shape == (T, 5, task.n_out)
        assert np.isfinite(task.chance_loss())


def test_same_seed_same_batch(charlm):
    for task in all_tasks(charlm):
        a = task.sample(np.random.default_rng(7), 4)
        b = task.sample(np.random.default_rng(7), 4)
        c = task.sample(np.random.default_rng(8), 4)
        for x, y in ((a.xs, b.xs), (a.targets, b.targets), (a.mask, b.mask)):
            np.testing.assert_array_equal(x, y)
        assert not np.array_equal(a.xs, c.xs)


@pytest.mark.parametrize("length,delay", [(1, 0), (3, 5), (4, 2)])
def test_copy_targets_are_the_symbols_shown(length, delay):
    task = CopyTask(n_symbols=5, length=length, delay=delay)
    batch = task.sample(np.random.default_rng(1), 6)
    assert batch.xs.shape[0] == task.T == 2 * length + delay
    shown = batch.xs[:length, :, :5].argmax(axis=-1)
    np.testing.assert_array_equal(batch.targets[length + delay :], shown)
    np.testing.assert_array_equal(batch.mask[: length + delay], 0.0)
    np.testing.assert_array_equal(batch.mask[length + delay :], 1.0)
    assert np.all(batch.xs.sum(axis=-1) == 1.0)  # exactly one channel on at every step
    assert np.all(batch.xs[length + delay :, :, 6] == 1.0)  # the recall cue


def test_adding_target_is_the_sum_of_the_marked_numbers():
    task = AddingTask(length=20)
    batch = task.sample(np.random.default_rng(2), 50)
    values, marks = batch.xs[..., 0], batch.xs[..., 1]
    assert np.all(marks.sum(axis=0) == 2)
    assert np.all(marks[:10].sum(axis=0) == 1) and np.all(marks[10:].sum(axis=0) == 1)
    np.testing.assert_allclose(batch.targets[-1, :, 0], (values * marks).sum(axis=0))
    np.testing.assert_array_equal(batch.mask[-1], 1.0)
    assert batch.n_scored == 50
    assert task.chance_loss() == pytest.approx(1 / 6)
    # answering 1 everywhere costs about the variance of the sum, 1/6
    big = task.sample(np.random.default_rng(3), 20000)
    assert np.mean((big.targets[-1, :, 0] - 1.0) ** 2) == pytest.approx(1 / 6, rel=0.05)


def test_embedded_reber_strings_follow_the_grammar():
    task = EmbeddedReber()
    rng = np.random.default_rng(4)
    for _ in range(200):
        text, forced = task.string(rng)
        assert text[0] == "B" and text[-1] == "E" and text[1] in "TP"
        assert text[-2] == text[1]  # the long-range dependency
        assert is_reber(text[2:-2])
        assert len(forced) == len(text) - 1
        assert forced[-2] and forced[-1] and not forced[0]


@pytest.mark.parametrize("score", EmbeddedReber.SCORES)
def test_embedded_reber_batches(score):
    task = EmbeddedReber(score=score)
    batch = task.sample(np.random.default_rng(5), 8)
    symbols = batch.xs.argmax(axis=-1)
    present = batch.xs.sum(axis=-1) == 1.0  # padding steps have zero input
    # the target at step t is the input at step t + 1 (within each string)
    inner = present[1:] & present[:-1]
    np.testing.assert_array_equal(batch.targets[:-1][inner], symbols[1:][inner])
    assert np.all(batch.mask[~present] == 0)
    n = present.sum(axis=0)  # steps per string = len(text) - 1
    cols = np.arange(8)
    if score == "long":
        assert np.all(batch.mask.sum(axis=0) == 1)
        np.testing.assert_array_equal(batch.mask[n - 2, cols], 1.0)
        # that target (the second-to-last symbol) repeats the string's second symbol
        np.testing.assert_array_equal(batch.targets[n - 2, cols], batch.targets[0])
        assert {REBER_SYMBOLS[k] for k in batch.targets[0]} <= {"T", "P"}
    elif score == "all":
        np.testing.assert_array_equal(batch.mask, present)


def test_embedded_reber_max_length():
    task = EmbeddedReber(max_length=12)
    batch = task.sample(np.random.default_rng(6), 30)
    assert batch.xs.shape[0] <= 11


def test_help_text_is_ascii_prose():
    text = help_text()
    assert len(text) > 100_000
    assert all(ch == "\n" or " " <= ch <= "~" for ch in text[:20000])
    assert "the" in text


def test_charlm_targets_are_the_next_characters(charlm):
    batch = charlm.sample(np.random.default_rng(7), 3)
    inputs = batch.xs.argmax(axis=-1)
    np.testing.assert_array_equal(batch.targets[:-1], inputs[1:])
    for b in range(3):
        window = charlm.decode(inputs[:, b]) + charlm.decode(batch.targets[-1:, b])
        assert window in charlm.text
    assert charlm.decode(charlm.encode("def f(x):")) == "def f(x):"
    assert 0 < charlm.chance_loss() < np.log(charlm.n_out)


def test_charlm_on_a_custom_text():
    task = CharLM(seq_len=3, text="abcabcabd")
    assert task.vocab == ["a", "b", "c", "d"] and task.n_in == task.n_out == 4
    assert task.sample(np.random.default_rng(0), 2).xs.shape == (3, 2, 4)


def test_get_task_by_name():
    assert {"copy", "adding", "reber", "charlm", "recall", "pulse"} <= set(TASKS)
    task = get_task("copy", delay=7, length=2)
    assert isinstance(task, CopyTask) and task.T == 11
    assert isinstance(get_task("adding", length=9), AddingTask)


def test_delayed_recall_batch_targets_are_delayed_inputs():
    from rnnlib.tasks import DelayedRecall

    task = get_task("recall", n_symbols=3, delay=4, length=12)
    assert isinstance(task, DelayedRecall) and task.n_in == task.n_out == 3 and task.T == 12
    batch = task.sample(np.random.default_rng(0), 5)
    assert batch.xs.shape == (12, 5, 3) and batch.targets.shape == (12, 5)
    assert np.issubdtype(batch.targets.dtype, np.integer)
    np.testing.assert_array_equal(batch.xs.sum(axis=-1), 1.0)  # one symbol per step
    shown = batch.xs.argmax(axis=-1)
    np.testing.assert_array_equal(batch.targets[4:], shown[:-4])
    np.testing.assert_array_equal(batch.mask[:4], 0.0)
    np.testing.assert_array_equal(batch.mask[4:], 1.0)
    # the symbols are the generator's next (T, B) integers, so a seed fixes the stream
    np.testing.assert_array_equal(shown, np.random.default_rng(0).integers(0, 3, size=(12, 5)))
    assert task.chance_loss() == pytest.approx(np.log(3))
    assert DelayedRecall(delay=0, length=3).sample(np.random.default_rng(1), 2).n_scored == 6
    with pytest.raises(ValueError, match="delay must be below length"):
        DelayedRecall(delay=5, length=5)


def test_pulse_timing_task():
    from rnnlib.tasks import PulseTiming

    task = get_task("pulse", length=12, delay=4)
    assert isinstance(task, PulseTiming) and task.kind == "regress" and task.T == 12
    batch = task.sample(np.random.default_rng(0), 64)
    assert batch.xs.shape == batch.targets.shape == (12, 64, 1) and batch.mask.shape == (12, 64)
    np.testing.assert_array_equal(batch.xs.sum(axis=0), 1.0)  # one cue per sequence
    np.testing.assert_array_equal(batch.targets.sum(axis=0), 1.0)  # one pulse
    cues = task.cues(batch)
    assert cues.min() >= 0 and cues.max() <= 12 - 4 - 1
    np.testing.assert_array_equal(np.argmax(batch.targets[:, :, 0], axis=0), cues + 4)
    # the pulse weighs as much as the other 11 steps together; each sequence sums to 1
    pulse = batch.targets[..., 0] > 0
    np.testing.assert_allclose(batch.mask[pulse], 0.5)
    np.testing.assert_allclose(batch.mask[~pulse], 0.5 / 11)
    np.testing.assert_allclose(batch.mask.sum(axis=0), 1.0, rtol=1e-15)
    # chance: predicting 0 everywhere costs the pulse's weight
    zero = (batch.mask * batch.targets[..., 0] ** 2).sum() / batch.mask.sum()
    assert task.chance_loss() == pytest.approx(zero)
    for length, delay in ((5, 5), (5, 0)):
        with pytest.raises(ValueError, match="delay"):
            PulseTiming(length=length, delay=delay)
