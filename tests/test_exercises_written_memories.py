"""The exercise checks of chapters 4 and 5 say right or wrong and hint, never the answer."""

import re

import numpy as np
import pytest

import rnnlib
from rnnlib.exercises import part2 as exercises


def sigma(a):
    return 1 / (1 + np.exp(-a))


def numbers_in(text: str) -> list[float]:
    return [float(m) for m in re.findall(r"-?\d+\.\d+(?:e-?\d+)?", text)]


def assert_gives_nothing_away(text: str, expected) -> None:
    """No number printed is (a rounding of) any element of the expected answer."""
    for got in numbers_in(text):
        for want in np.ravel(expected):
            assert not np.isclose(got, want, rtol=5e-3, atol=5e-4), (text, want)


def gate_answer():
    d = exercises.gate_data()
    p, s, x = d["params"], d["s"], d["x"]
    return d, sigma(s @ p["W_i"].T + x @ p["U_i"].T + p["b_i"])


def prototype_answer():
    d = exercises.gate_data()
    p, s, x = d["params"], d["s"], d["x"]
    i, f, o = (sigma(s @ p[f"W_{g}"].T + x @ p[f"U_{g}"].T + p[f"b_{g}"]) for g in "ifo")
    return d, f * s + i * np.tanh((o * s) @ p["W"].T + x @ p["U"].T + p["b"])


def gru_answer():
    d = exercises.gru_data()
    p, s, x = d["params"], d["s"], d["x"]
    r = sigma(s @ p["W_r"].T + x @ p["U_r"].T + p["b_r"])
    z = sigma(s @ p["W_z"].T + x @ p["U_z"].T + p["b_z"])
    return d, z * s + (1 - z) * np.tanh((r * s) @ p["W"].T + x @ p["U"].T + p["b"])


def test_right_answers_are_accepted(capsys):
    assert exercises.check_write_gate(gate_answer()[1])
    assert exercises.check_prototype_step(prototype_answer()[1])
    assert exercises.check_gru_step(gru_answer()[1])
    assert exercises.check_max_state(50)
    out = capsys.readouterr().out
    assert out.count("correct.") == 4 and "not yet" not in out


def test_the_answers_by_hand_are_rnnlibs():
    d, s_new = prototype_answer()
    cell = rnnlib.make_cell("prototype", 2, 3, np.random.default_rng(0))
    np.testing.assert_allclose(s_new, cell.step(d["params"], d["s"], d["x"]), rtol=1e-12)
    d, s_new = gru_answer()
    cell = rnnlib.make_cell("gru", 2, 3, np.random.default_rng(0))
    np.testing.assert_allclose(s_new, cell.step(d["params"], d["s"], d["x"]), rtol=1e-12)


@pytest.mark.parametrize("check,answer", [
    (exercises.check_write_gate, gate_answer),
    (exercises.check_prototype_step, prototype_answer),
    (exercises.check_gru_step, gru_answer),
])
def test_wrong_answers_get_a_hint_and_not_the_answer(capsys, check, answer):
    _, right = answer()
    for wrong in (right + 0.1, right * 0.5, np.zeros_like(right), -right):
        assert not check(wrong)
        out = capsys.readouterr().out
        assert "not yet" in out and len(out.split("not yet.")[1].strip()) > 20  # a hint
        assert_gives_nothing_away(out, right)
    assert not check(right[0])  # wrong shape: says so, with the shape only
    assert "shape" in capsys.readouterr().out


def test_typical_slips_get_their_own_hint(capsys):
    d, _ = gate_answer()
    p, s, x = d["params"], d["s"], d["x"]
    assert not exercises.check_write_gate(sigma(s @ p["W_i"].T + x @ p["U_i"].T))
    assert "bias" in capsys.readouterr().out
    i, f, _ = (sigma(s @ p[f"W_{g}"].T + x @ p[f"U_{g}"].T + p[f"b_{g}"]) for g in "ifo")
    assert not exercises.check_prototype_step(f * s + i * np.tanh(s @ p["W"].T + x @ p["U"].T
                                                                  + p["b"]))
    assert "read gate" in capsys.readouterr().out
    d, _ = gru_answer()
    p, s, x = d["params"], d["s"], d["x"]
    r = sigma(s @ p["W_r"].T + x @ p["U_r"].T + p["b_r"])
    z = sigma(s @ p["W_z"].T + x @ p["U_z"].T + p["b_z"])
    swapped = (1 - z) * s + z * np.tanh((r * s) @ p["W"].T + x @ p["U"].T + p["b"])
    assert not exercises.check_gru_step(swapped)
    assert "swapped" in capsys.readouterr().out
    assert not exercises.check_max_state(1.0)
    assert "GRU" in capsys.readouterr().out
    for wrong in (49, 100, 25.0):
        assert not exercises.check_max_state(wrong)
        out = capsys.readouterr().out
        assert "not yet" in out and "50" not in out.split("not yet.")[1]  # 50: the answer
