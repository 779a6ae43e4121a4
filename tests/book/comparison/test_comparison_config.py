"""The comparison's design (rnnlib/book/comparison/config.py): equal budgets, the configurations."""

from __future__ import annotations

import numpy as np
import pytest

from rnnlib.book import comparison


@pytest.mark.parametrize("config", [comparison.QUICK, comparison.FULL], ids=["quick", "full"])
def test_every_cell_gets_the_same_budget_within_5_percent(config):
    sizes = comparison.budgets(config)
    assert len(sizes) >= 3
    for task, info in sizes.items():
        assert set(info["cells"]) == set(comparison.CELL_NAMES)
        for cell, size in info["cells"].items():
            spec = next(s for s in config.tasks if s.name == task)
            t = spec.make()
            assert size["n_params"] == comparison.param_count(
                cell, t.n_in, size["n_hidden"], t.n_out
            )
            assert abs(size["n_params"] / info["budget"] - 1) <= 0.05, (task, cell, size)


def test_full_config_meets_the_issue():
    cfg = comparison.FULL
    assert len(cfg.seeds) >= 3 and cfg.sweep_seed not in cfg.seeds
    assert len(cfg.learning_rates) >= 3
    assert len(cfg.tasks) >= 3 and cfg.workers == 2
    assert set(cfg.cells) == set(comparison.CELL_NAMES)


def test_param_count_matches_a_built_model():
    from rnnlib import make_cell
    from rnnlib.model import Model

    rng = np.random.default_rng(0)
    for cell in comparison.CELL_NAMES:
        model = Model(make_cell(cell, 5, 7, rng), 3, rng)
        assert comparison.param_count(cell, 5, 7, 3) == model.n_params


def test_equal_budget_is_the_one_rule_and_says_when_a_cell_cannot_meet_it():
    """The long-lag experiment's sizes come from the same rule as the comparison's (merged:
    rnnlib/book/long_lag.py used to have its own copy of the search)."""
    from rnnlib.book import long_lag

    adding = next(s for s in comparison.FULL.tasks if s.name == "adding")
    sizes = comparison.budgets(comparison.FULL)["adding"]
    assert comparison.equal_budget(long_lag.CELLS, 2, 1, adding.budget_hidden)["cells"] == {
        c: sizes["cells"][c] for c in long_lag.CELLS
    }
    assert long_lag.sizes(long_lag.FULL) == comparison.equal_budget(long_lag.CELLS, 2, 1, 20)
    with pytest.raises(ValueError, match="off the budget"):
        comparison.equal_budget(["vanilla"], 2, 1, 20, tolerance=0.001)


def test_a_config_survives_its_json_round_trip():
    import json

    for config in (comparison.QUICK, comparison.FULL):
        again = comparison.config_from_dict(json.loads(json.dumps(config.to_dict())))
        assert again == config
