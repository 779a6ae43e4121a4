"""Checks for the exercises of the chapter "An LSTM that writes text".

Each check prints right or wrong and, when wrong, a hint; never the expected value.
"""

from __future__ import annotations

import numpy as np

from ..experiments.char_model import source_features
from .judge import judge

#: Exercise 1: the line whose bracket depth the reader writes down, character by character.
DEPTH_LINE = 'f(a[1], {"(": 2})\n'

#: Exercise 2: logits of three characters and the temperature to sample them at.
TEMPERATURE_LOGITS = np.array([2.0, 1.0, 0.0])
TEMPERATURE = 0.5


def check_depth(answer) -> bool:
    """The bracket depth after reading each character of :data:`DEPTH_LINE` (a list of ints)."""
    expected = source_features(DEPTH_LINE)["bracket depth"]
    before = np.concatenate([[0.0], expected[:-1]])      # the depth before each character
    naive = np.zeros(len(DEPTH_LINE))                    # brackets inside the string counted
    d = 0
    for t, ch in enumerate(DEPTH_LINE):
        d += (ch in "([{") - (ch in ")]}")
        naive[t] = d
    return judge("bracket depth", answer, expected, rtol=0, atol=1e-9,
                 hint=(f"One number per character ({len(DEPTH_LINE)} of them, the newline "
                       "included): the depth after reading it, so an opening bracket already "
                       "counts at its own position and a closing one no longer does."),
                 near={"before": (before, ("You wrote the depth before each character; the "
                                          "feature is the depth after reading it.")),
                       "string": (naive, ("A bracket inside a string literal is text, not "
                                         "syntax: the feature does not count it."))})


def check_temperature(answer) -> bool:
    """The probabilities of :data:`TEMPERATURE_LOGITS` sampled at :data:`TEMPERATURE`."""
    z = TEMPERATURE_LOGITS / TEMPERATURE
    expected = np.exp(z - z.max()) / np.exp(z - z.max()).sum()
    z1 = TEMPERATURE_LOGITS * TEMPERATURE
    multiplied = np.exp(z1 - z1.max()) / np.exp(z1 - z1.max()).sum()
    plain = np.exp(TEMPERATURE_LOGITS) / np.exp(TEMPERATURE_LOGITS).sum()
    return judge("probabilities at temperature 0.5", answer, expected, rtol=0, atol=2e-3,
                 hint="Divide the logits by the temperature, then take the softmax; the three "
                      "probabilities sum to 1.",
                 near={"multiplied": (multiplied, ("You multiplied by the temperature: a "
                                      "temperature below 1 should sharpen the distribution, "
                                      "not flatten it.")),
                       "plain": (plain, "That is the softmax at temperature 1.")})
