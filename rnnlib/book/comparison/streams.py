"""The comparison's data: one random stream per purpose, so every cell sees the same data.

A stream is ``np.random.default_rng([stream, key, seed])``: ``stream`` names the purpose
(validation set, test set, training batches, initial weights), ``key`` the task (or, in the
long-lag experiment, the lag) and ``seed`` the run. Nothing in it depends on the cell or the
learning rate, so every cell of a seed trains on exactly the same batches in the same order;
the validation and test sets depend on the task alone.
"""

from __future__ import annotations

import functools
import json

import numpy as np

TASK_INDEX = {"copy": 0, "adding": 1, "reber": 2, "charlm": 3}
VAL_STREAM, TEST_STREAM, DATA_STREAM, INIT_STREAM = 1, 2, 3, 4


def generator(stream: int, key: int, seed: int = 0) -> np.random.Generator:
    """The generator ``default_rng([stream, key, seed])`` of one purpose, task (or lag), seed."""
    return np.random.default_rng([stream, key, seed])


def rng_for(stream: int, task: str, seed: int = 0) -> np.random.Generator:
    """The generator of one purpose (validation, test, training batches, weights) of a task."""
    if task not in TASK_INDEX:
        raise ValueError(f"unknown task {task!r}; expected one of {sorted(TASK_INDEX)}")
    return generator(stream, TASK_INDEX[task], seed)


@functools.cache
def _task(name: str, kwargs_json: str):
    from rnnlib.tasks import get_task

    return get_task(name, **json.loads(kwargs_json))


def make_task(name: str, kwargs: dict):
    """``rnnlib.tasks.get_task(name, **kwargs)``, built once per process and then reused.

    A task holds no state between samples (every batch comes from the generator passed to
    ``sample``), so sharing one object is safe; building the language model's task reads and
    encodes Python's help text, which took a quarter of the quick configuration's time."""
    return _task(name, json.dumps(kwargs, sort_keys=True))


def eval_sets(spec, config, task=None):
    """The fixed validation and test batches of a task (the same for every cell and seed):
    ``config.n_val`` and ``config.n_test`` sequences of ``spec`` (a :class:`TaskSpec`)."""
    task = spec.make() if task is None else task
    return (
        task.sample(rng_for(VAL_STREAM, spec.name), config.n_val),
        task.sample(rng_for(TEST_STREAM, spec.name), config.n_test),
    )
