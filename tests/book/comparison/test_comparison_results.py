"""The comparison's files (rnnlib/book/comparison/results.py) and its command line
(``python -m rnnlib.book.comparison``)."""

from __future__ import annotations

import csv
import math
import shutil

import pytest

from rnnlib.book import comparison
from rnnlib.book.comparison import __main__ as cli
from rnnlib.book.comparison import results as files

RESULT_KEYS = (
    "config",
    "sizes",
    "chosen_lr",
    "sweep",
    "runs",
    "summary",
    "verdicts",
    "thresholds",
    "chance_loss",
    "wall_time_s",
    "workers",
    "machine",
    "versions",
)
RUN_KEYS = comparison.RUN_FIELDS + ("curve_steps", "curve_val_loss", "train_loss")
VERDICT_KEYS = (
    "mean_first",
    "mean_second",
    "mean_difference",
    "outcome",
    "p",
    "first_wins_pairs",
    "pairs",
)


@pytest.mark.parametrize("name", ("quick", "full"))
def test_results_files_carry_every_field_the_chapter_reads(name, committed):
    if name not in committed:
        pytest.fail(
            f"rnnlib/data/comparison/compare_{name}.json is missing; run "
            f"python -m rnnlib.book.comparison --{name}"
        )
    res = committed[name]
    for key in RESULT_KEYS:
        assert key in res, key
    for key in ("python", "numpy", "rnnlib"):
        assert res["versions"][key]
    cfg = res["config"]
    tasks = [t["name"] for t in cfg["tasks"]]
    assert tasks == list(res["sizes"])
    for run in res["runs"]:
        for key in RUN_KEYS:
            assert key in run, key
        assert len(run["curve_steps"]) == len(run["curve_val_loss"])
    for task in tasks:
        for cell in cfg["cells"]:
            runs = [r for r in res["runs"] if r["task"] == task and r["cell"] == cell]
            assert sorted(r["seed"] for r in runs) == sorted(cfg["seeds"])
            assert {r["lr"] for r in runs} == {res["chosen_lr"][task][cell]}
            sweep = [r for r in res["sweep"] if r["task"] == task and r["cell"] == cell]
            assert sorted(r["lr"] for r in sweep) == sorted(cfg["learning_rates"])
            curve = comparison.curves(res, task, cell)
            assert curve["mean"].shape == curve["steps"].shape
        for key in VERDICT_KEYS:
            assert key in res["verdicts"][task]
    assert len(res["summary"]) == len(tasks) * len(cfg["cells"])
    for row in res["summary"]:
        for key in comparison.SUMMARY_FIELDS:
            assert key in row, key
    with comparison.results_file(name, "csv").open(newline="") as f:
        rows = list(csv.DictReader(f))
    assert tuple(rows[0]) == comparison.SUMMARY_FIELDS and len(rows) == len(res["summary"])
    with comparison.results_file(name, "runs_csv").open(newline="") as f:
        assert len(list(csv.DictReader(f))) == len(res["sweep"]) + len(res["runs"])


def test_saved_results_read_back_the_same_infinities_included(quick, tmp_path):
    res = {**quick, "runs": [dict(quick["runs"][0], test_loss=math.inf)] + quick["runs"][1:]}
    paths = comparison.save_results(res, tmp_path)
    assert sorted(p.name for p in paths.values()) == [
        "compare_quick.csv",
        "compare_quick.json",
        "compare_quick_runs.csv",
    ]
    again = comparison.load_results("quick", tmp_path)
    assert again == res and again["runs"][0]["test_loss"] == math.inf
    assert comparison.max_relative_difference(again, quick) == math.inf
    assert comparison.max_relative_difference(quick, quick) == 0.0


def test_bad_names_and_missing_files_say_what_to_do(tmp_path):
    with pytest.raises(ValueError, match="kind must be one of"):
        comparison.results_file("quick", "xlsx")
    with pytest.raises(TypeError, match="configuration name"):
        comparison.results_file(None)
    with pytest.raises(FileNotFoundError, match="python -m rnnlib.book.comparison --quick"):
        comparison.load_results("quick", tmp_path)
    assert files.results_dir() == comparison.RESULTS  # a checkout: the package data on disk


def test_the_command_line_writes_or_checks(quick, tmp_path, monkeypatch, capsys):
    """``python -m rnnlib.book.comparison --quick [--out DIR] [--check]``, wired to run_config
    (replaced here by the committed quick results, so that no run is repeated)."""
    asked = []

    def run_config(config, workers=None, progress=False):
        asked.append((config.name, workers, progress))
        return quick

    monkeypatch.setattr(cli, "run_config", run_config)
    assert cli.main(["--quick", "--out", str(tmp_path)]) == 0
    assert comparison.load_results("quick", tmp_path) == quick
    assert cli.main(["--quick", "--check"]) == 0  # against the committed copy
    out = capsys.readouterr().out
    assert "wrote" in out and "largest relative difference from the saved results: 0" in out
    assert asked == [("quick", None, True), ("quick", None, True)]
    with pytest.raises(FileNotFoundError, match="compare_full.json"):
        cli.main(["--full", "--workers", "1", "--check", "--out", str(tmp_path)])
    assert len(asked) == 2  # a missing file to check against fails before any run
    shutil.copy(comparison.results_file("quick"), tmp_path / "compare_full.json")
    assert cli.main(["--full", "--workers", "1", "--check", "--out", str(tmp_path)]) == 0
    assert asked[-1] == ("full", 1, True)
    moved = dict(quick["runs"][0], test_loss=quick["runs"][0]["test_loss"] * (1 + 1e-3))
    monkeypatch.setattr(
        cli,
        "run_config",
        lambda config, workers=None, progress=False: {**quick, "runs": [moved] + quick["runs"][1:]},
    )
    assert cli.main(["--quick", "--check"]) == 1  # a change above RTOL is caught
