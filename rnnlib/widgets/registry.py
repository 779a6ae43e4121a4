"""Every widget of the book by name, for the benchmark and the tests that drive them all."""

from __future__ import annotations

from ..book import (
    char_memory,
    depth,
    gradient_decay,
    lstm_gradient_flow,
    ntm_copy,
    sensitivity,
    state_growth,
)
from . import LiveWidget


def ntm_episode_widget() -> LiveWidget:
    """The chapter 9 widget on the episode the chapter shows (committed weights, length 8)."""
    _, model, _ = ntm_copy.load_ntm()
    return ntm_copy.ntm_step_widget(*ntm_copy.copy_episode(model, 8, seed=3))


WIDGETS = {
    "gradient decay (ch. 2)": gradient_decay.gradient_decay_widget,
    "morphing (ch. 2)": sensitivity.morphing_widget,
    "gate playground (ch. 5)": state_growth.gate_playground,
    "forget-gate bias (ch. 6)": lstm_gradient_flow.forget_bias_widget,
    "depth (ch. 8)": depth.depth_widget,
    "NTM episode (ch. 9)": ntm_episode_widget,
    "character memory (ch. 10)": char_memory.chapter_widget,
}
