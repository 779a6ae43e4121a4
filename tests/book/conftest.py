"""Helpers shared by the tests of rnnlib/book/."""

from __future__ import annotations

import re
import sys

import pytest


@pytest.fixture(autouse=True)
def _close_figures():
    """Close every pyplot figure a book test opened (they would pile up over the run)."""
    yield
    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")


@pytest.fixture
def numbers_in():
    """``numbers_in(text)``: every number printed in ``text``, as floats (to check that an
    exercise check never prints the expected value)."""

    def parse(text: str) -> list[float]:
        return [float(m) for m in re.findall(r"-?\d+\.?\d*(?:e[-+]?\d+)?", text)]

    return parse
