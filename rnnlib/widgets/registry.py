"""Every widget of the book by name, for the benchmark and the tests that drive them all."""

from __future__ import annotations

from . import part2

WIDGETS = {
    "gate playground (ch. 5)": part2.gate_playground,
    "forget-gate bias (ch. 6)": part2.forget_bias_widget,
}
