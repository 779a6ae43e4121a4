"""Tests of rnnlib.book.gates (chapter 4): message survival, reads against writes, their figures,
and the exercise checks (right or wrong and a hint, never the answer)."""

import re

import matplotlib

matplotlib.use("Agg")
import numpy as np
import pytest

import rnnlib
from rnnlib import sigmoid
from rnnlib.book import gates, style

# -- experiments ------------------------------------------------------------------------------


def test_message_survival():
    m = gates.message_survival(T=60)
    np.testing.assert_allclose(m["written"]["ratio"], 1.0, atol=1e-9)
    np.testing.assert_allclose(m["written"]["grad"], 1.0, atol=1e-9)
    assert m["vanilla"]["ratio"][-1] < 1e-3
    assert m["uncoordinated"]["ratio"][-1] > 2.0


def test_vanilla_difference_is_exact_where_subtraction_is_not():
    rng = np.random.default_rng(0)
    cell = rnnlib.make_cell("vanilla", 4, 16, rng)
    xs = rng.normal(size=(200, 1, 4))
    a = rnnlib.run(cell, xs, state0=rng.normal(size=(1, 16))).state_array()[:, 0]
    b = rnnlib.run(cell, xs, state0=rng.normal(size=(1, 16))).state_array()[:, 0]
    d = gates._vanilla_difference(cell, a, b)
    # while the difference is large, the recurrence equals plain subtraction
    big = np.linalg.norm(a - b, axis=1) > 1e-6
    assert big[:5].all()
    np.testing.assert_allclose(d[big], (a - b)[big], rtol=1e-8, atol=1e-14)
    # far below the float64 floor of the states it still equals the difference computed
    # with 60 significant digits (mpmath, which PyTorch's sympy brings along)
    mpmath = pytest.importorskip("mpmath")
    mpmath.mp.dps = 60
    W, U, bias = (cell.params[k] for k in ("W", "U", "b"))

    def exact_run(s0):
        s = [mpmath.mpf(v) for v in s0]
        for x in xs[:, 0]:
            s = [
                mpmath.tanh(
                    sum(W[j, k] * s[k] for k in range(16))
                    + sum(U[j, k] * x[k] for k in range(4))
                    + bias[j]
                )
                for j in range(16)
            ]
        return s

    want = np.array([float(p - q) for p, q in zip(exact_run(a[0]), exact_run(b[0]))])
    assert np.linalg.norm(want) < 1e-12 * np.linalg.norm(a[-1])  # below the floor: a real test
    np.testing.assert_allclose(d[-1], want, rtol=1e-9)
    with pytest.raises(ValueError, match="tanh"):
        gates._vanilla_difference(
            rnnlib.make_cell("vanilla", 4, 3, rng, activation="relu"), a[:, :3], b[:, :3]
        )


def test_read_write_asymmetry():
    r = gates.read_write_asymmetry(n=6, unit=2, seed=3)
    assert np.count_nonzero(r["write_change"]) == 1 and r["write_change"][2] != 0
    assert np.count_nonzero(np.abs(r["read_change"]) > 1e-12) == 6
    # switching off a write removes exactly i * candidate from that element
    g = r["gates"]
    np.testing.assert_allclose(-r["write_change"][2], r["s"][2] - g["f"][2] * r["s_prev"][2])
    stats = gates.read_write_statistics(n=6, draws=50)
    assert stats["read"]["changed"] == 6 and stats["write"]["changed"] == 1
    assert stats["write"]["size"] > stats["read"]["size"]
    assert stats["read"]["largest"] >= stats["read"]["size"]
    assert stats["write"]["largest"] == pytest.approx(stats["write"]["size"])
    assert 0.5 < stats["write_beats_read"] < 1.0  # usually, not always: the chapter says so
    with pytest.raises(ValueError, match="unit must be in"):
        gates.read_write_asymmetry(n=6, unit=6)


# -- figures ----------------------------------------------------------------------------------


def test_message_and_read_write_plots_draw_their_data():
    m = gates.message_survival(T=10)
    fig = gates.plot_message_survival(m)
    ratio, cosine, grad = (ax.get_lines() for ax in fig.axes[:3])
    for line, name in zip(ratio, ("vanilla", "written", "uncoordinated")):
        np.testing.assert_allclose(line.get_ydata(), np.maximum(m[name]["ratio"], 1e-20))
    np.testing.assert_allclose(cosine[0].get_ydata(), m["vanilla"]["cosine"])
    np.testing.assert_allclose(grad[2].get_ydata(), np.maximum(m["uncoordinated"]["grad"], 1e-20))
    rw = gates.read_write_asymmetry()
    ax = gates.plot_read_write(rw).axes[0]
    heights = np.array([bar.get_height() for bar in ax.patches])
    np.testing.assert_allclose(heights, np.concatenate([rw["read_change"], rw["write_change"]]))


def test_figures_are_in_the_book_style_and_described():
    m = gates.message_survival(T=40)
    fig = gates.plot_message_survival(m)
    text = fig._wm_description
    # the numbers in the description are the data's, at the last step (gradient at step 0)
    assert f"{m['uncoordinated']['ratio'][-1]:.3g}" in text
    assert f"{m['uncoordinated']['grad'][0]:.3g}" in text
    assert "× 10⁻" in text  # the vanilla RNN's difference, far below 1e-3
    for ax in (fig.axes[0], fig.axes[2]):
        assert ax.get_yscale() == "log"
        assert all("e" not in t.get_text() for t in ax.get_yticklabels())  # no "1e-3" labels
    assert fig.axes[0].get_lines()[0].get_color() == style.cell_color("vanilla")
    rw = gates.read_write_asymmetry(n=8, unit=3, seed=1)
    text = gates.plot_read_write(rw)._wm_description
    assert "element 3" in text and f"{np.abs(rw['write_change']).max():.3f}" in text


# -- the exercise checks ----------------------------------------------------------------------


def numbers_in(text: str) -> list[float]:
    return [float(m) for m in re.findall(r"-?\d+\.\d+(?:e-?\d+)?", text)]


def assert_gives_nothing_away(text: str, expected) -> None:
    """No number printed is (a rounding of) any element of the expected answer."""
    for got in numbers_in(text):
        for want in np.ravel(expected):
            assert not np.isclose(got, want, rtol=5e-3, atol=5e-4), (text, want)


def gate_answer():
    d = gates.gate_data()
    p, s, x = d["params"], d["s"], d["x"]
    return d, sigmoid(s @ p["W_i"].T + x @ p["U_i"].T + p["b_i"])


def prototype_answer():
    d = gates.gate_data()
    p, s, x = d["params"], d["s"], d["x"]
    i, f, o = (sigmoid(s @ p[f"W_{g}"].T + x @ p[f"U_{g}"].T + p[f"b_{g}"]) for g in "ifo")
    return d, f * s + i * np.tanh((o * s) @ p["W"].T + x @ p["U"].T + p["b"])


def test_exercise_checks(capsys):
    d = gates.gate_data()
    p, s, x = d["params"], d["s"], d["x"]
    i = sigmoid(s @ p["W_i"].T + x @ p["U_i"].T + p["b_i"])
    assert gates.check_write_gate(i)
    assert not gates.check_write_gate(i + 0.1)
    assert "correct" in capsys.readouterr().out


def test_right_answers_are_accepted(capsys):
    assert gates.check_write_gate(gate_answer()[1])
    assert gates.check_prototype_step(prototype_answer()[1])
    out = capsys.readouterr().out
    assert out.count("correct.") == 2 and "not yet" not in out


def test_the_answers_by_hand_are_rnnlibs():
    d, s_new = prototype_answer()
    cell = rnnlib.make_cell("prototype", 2, 3, np.random.default_rng(0))
    np.testing.assert_allclose(s_new, cell.step(d["params"], d["s"], d["x"]), rtol=1e-12)
    d, i = gate_answer()
    probe = rnnlib.GateProbe()
    cell.step(d["params"], d["s"], d["x"], probe=probe)
    np.testing.assert_allclose(i, probe.values["i"][0], rtol=1e-12)


@pytest.mark.parametrize(
    "check,answer",
    [
        (gates.check_write_gate, gate_answer),
        (gates.check_prototype_step, prototype_answer),
    ],
)
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
    assert not gates.check_write_gate(sigmoid(s @ p["W_i"].T + x @ p["U_i"].T))
    assert "bias" in capsys.readouterr().out
    i, f, _ = (sigmoid(s @ p[f"W_{g}"].T + x @ p[f"U_{g}"].T + p[f"b_{g}"]) for g in "ifo")
    assert not gates.check_prototype_step(f * s + i * np.tanh(s @ p["W"].T + x @ p["U"].T + p["b"]))
    assert "read gate" in capsys.readouterr().out
