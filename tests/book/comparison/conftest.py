"""Fixtures of the comparison's tests: the committed results, read once per session."""

from __future__ import annotations

import pytest

from rnnlib.book import comparison

NAMES = ("quick", "full")


@pytest.fixture(scope="session")
def committed():
    """The committed results by configuration name (a missing file fails the test that needs
    it, with the command that writes it)."""
    return {
        name: comparison.load_results(name)
        for name in NAMES
        if comparison.results_file(name).is_file()
    }


@pytest.fixture(scope="session")
def full(committed):
    if "full" not in committed:
        pytest.fail(
            "rnnlib/data/comparison/compare_full.json is missing; run "
            "python -m rnnlib.book.comparison --full"
        )
    return committed["full"]


@pytest.fixture(scope="session")
def quick(committed):
    if "quick" not in committed:
        pytest.fail(
            "rnnlib/data/comparison/compare_quick.json is missing; run "
            "python -m rnnlib.book.comparison --quick"
        )
    return committed["quick"]
