"""The empirical comparison of the seven cells (chapter 7): same tasks, data, seeds and budget.

The chapter uses it as ``from rnnlib.book import comparison``, then ``comparison.load_results``,
``comparison.plot_all_curves``, ``comparison.check_smallest_p``... Each job has its own module:

- :mod:`.config`: the tasks, the configurations ``QUICK`` and ``FULL``, the equal parameter
  budgets (state size per cell, readout included, within 5 % of a basic LSTM's count);
- :mod:`.streams`: one random stream per purpose (validation, test, batches, weights), so every
  cell sees the same data;
- :mod:`.run`: one training run (:func:`run_one`, with :func:`rnnlib.train.train`) and the
  whole comparison (:func:`run_config`: sweep, choice of the rate, reporting seeds);
- :mod:`.pool`: the runs in one process or a pool of worker processes;
- :mod:`.stats`: the choice of the learning rate, spreads over seeds, the permutation test
  (p = share of the C(2n, n) splits of the pooled runs whose |difference of means| is at
  least the observed one) and the pseudo-LSTM-against-LSTM verdicts;
- :mod:`.results`: the committed results (package data, ``rnnlib/data/comparison/``): writing,
  reading, comparing two runs of a configuration;
- :mod:`.figures`: the learning curves and the final losses per seed;
- :mod:`.checks`: the exercise checks;
- ``__main__``: the command line, ``python -m rnnlib.book.comparison --quick`` (seconds) or
  ``--full`` (both cores, minutes), ``--check`` to rerun and compare without writing.

The long-lag experiment of the same chapter is its own topic, :mod:`rnnlib.book.long_lag`.
"""

from .checks import check_gru_size, check_smallest_p, smallest_p
from .config import (
    CELL_NAMES,
    FULL,
    QUICK,
    Config,
    TaskSpec,
    budgets,
    config_from_dict,
    equal_budget,
    hidden_size_for,
    param_count,
)
from .figures import plot_all_curves, plot_all_final, plot_curves, plot_final
from .pool import map_jobs
from .results import (
    MEASURES,
    RESULTS,
    RTOL,
    RUN_FIELDS,
    SUMMARY_FIELDS,
    load_results,
    max_relative_difference,
    results_file,
    save_results,
)
from .run import evaluate, run_config, run_one, train_in_chunks
from .stats import choose_rates, curves, permutation_p, summarize, verdicts
from .streams import DATA_STREAM, INIT_STREAM, TEST_STREAM, VAL_STREAM, eval_sets, rng_for

__all__ = [
    "CELL_NAMES",
    "DATA_STREAM",
    "FULL",
    "INIT_STREAM",
    "MEASURES",
    "QUICK",
    "RESULTS",
    "RTOL",
    "RUN_FIELDS",
    "SUMMARY_FIELDS",
    "TEST_STREAM",
    "VAL_STREAM",
    "Config",
    "TaskSpec",
    "budgets",
    "check_gru_size",
    "check_smallest_p",
    "choose_rates",
    "config_from_dict",
    "curves",
    "equal_budget",
    "eval_sets",
    "evaluate",
    "hidden_size_for",
    "load_results",
    "map_jobs",
    "max_relative_difference",
    "param_count",
    "permutation_p",
    "plot_all_curves",
    "plot_all_final",
    "plot_curves",
    "plot_final",
    "results_file",
    "rng_for",
    "run_config",
    "run_one",
    "save_results",
    "smallest_p",
    "summarize",
    "train_in_chunks",
    "verdicts",
]
