"""Helpers shared by the tests of rnnlib/book/."""

from __future__ import annotations

import re

import pytest


@pytest.fixture
def numbers_in():
    """``numbers_in(text)``: every number printed in ``text``, as floats (to check that an
    exercise check never prints the expected value)."""

    def parse(text: str) -> list[float]:
        return [float(m) for m in re.findall(r"-?\d+\.?\d*(?:e[-+]?\d+)?", text)]

    return parse
