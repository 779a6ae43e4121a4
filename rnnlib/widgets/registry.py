"""Every widget of the book by name, for the benchmark and the tests that drive them all."""

from __future__ import annotations

from ..book import char_memory
from . import LiveWidget, part1, part2, part3


def ntm_episode_widget() -> LiveWidget:
    """The chapter 9 widget on the episode the chapter shows (committed weights, length 8)."""
    from ..experiments.part3 import copy_episode, load_ntm

    _, model, _ = load_ntm()
    return part3.ntm_step_widget(*copy_episode(model, 8, seed=3))


WIDGETS = {
    "gradient decay (ch. 2)": part1.gradient_decay_widget,
    "morphing (ch. 2)": part1.morphing_widget,
    "gate playground (ch. 5)": part2.gate_playground,
    "forget-gate bias (ch. 6)": part2.forget_bias_widget,
    "depth (ch. 8)": part3.depth_widget,
    "NTM episode (ch. 9)": ntm_episode_widget,
    "character memory (ch. 10)": char_memory.chapter_widget,
}
