"""The comparison's data streams (rnnlib/book/comparison/streams.py): every cell sees the same
data."""

from __future__ import annotations

import numpy as np
import pytest

from rnnlib.book import comparison
from rnnlib.book.comparison import streams


def test_data_streams_do_not_depend_on_the_cell_or_the_rate():
    a = comparison.rng_for(comparison.DATA_STREAM, "adding", 2).random(5)
    b = comparison.rng_for(comparison.DATA_STREAM, "adding", 2).random(5)
    c = comparison.rng_for(comparison.DATA_STREAM, "adding", 3).random(5)
    d = comparison.rng_for(comparison.VAL_STREAM, "adding", 2).random(5)
    assert np.array_equal(a, b) and not np.array_equal(a, c) and not np.array_equal(a, d)
    with pytest.raises(ValueError, match="unknown task 'addition'"):
        comparison.rng_for(comparison.DATA_STREAM, "addition", 2)


def test_a_shared_task_samples_what_a_fresh_one_samples():
    """Tasks are built once per process (make_task): the shared object must give the batches a
    freshly built task gives, from the same generator, before and after other runs used it."""
    from rnnlib.tasks import get_task

    for spec in comparison.QUICK.tasks:
        shared = spec.make()
        assert spec.make() is shared
        shared.sample(np.random.default_rng(9), 4)  # an earlier run's use changes nothing
        fresh = get_task(spec.name, **spec.kwargs)
        a = shared.sample(np.random.default_rng(5), 3)
        b = fresh.sample(np.random.default_rng(5), 3)
        for x, y in ((a.xs, b.xs), (a.targets, b.targets), (a.mask, b.mask)):
            assert np.array_equal(x, y), spec.name
    assert streams.make_task("adding", {"length": 8}) is streams.make_task("adding", {"length": 8})


def test_validation_and_test_sets_are_fixed_per_task_and_differ():
    spec = comparison.QUICK.tasks[1]
    val, test = comparison.eval_sets(spec, comparison.QUICK)
    val2, _ = comparison.eval_sets(spec, comparison.QUICK)
    assert val.xs.shape[1] == comparison.QUICK.n_val and test.xs.shape[1] == comparison.QUICK.n_test
    assert np.array_equal(val.xs, val2.xs)
    assert not np.array_equal(val.xs, test.xs[:, : comparison.QUICK.n_val])
