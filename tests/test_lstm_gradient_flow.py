"""The LSTM's two backward paths (chapter 6): exact gradient, carousel part, Jacobian, verdicts."""

import numpy as np
import pytest

import rnnlib
from rnnlib.exercises import part2 as exercises
from rnnlib.experiments import lstm_gradient_flow as lg
from rnnlib.experiments import part2 as ex
from rnnlib.experiments import peephole_timing as pt


def random_lstm(seed, n_in=3, n=5):
    """Every parameter random, biases included (zero biases hide bugs)."""
    rng = np.random.default_rng(seed)
    cell = rnnlib.make_cell("lstm", n_in, n, rng)
    for k, v in cell.params.items():
        cell.params[k] = rng.normal(size=v.shape) * 0.7
    return cell, rng


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_backward_paths_equal_bptt_with_every_parameter_random(seed):
    cell, rng = random_lstm(seed)
    xs, g = rng.normal(size=(12, 3, 3)), rng.normal(size=(3, 5))
    paths = lg.lstm_backward_paths(cell, xs, g)
    res = rnnlib.bptt(cell, xs, lambda out, w, e: (out[-1] * g).sum())
    np.testing.assert_allclose(paths["full"], res.state_grad_norms(0), rtol=1e-10)


@pytest.mark.parametrize("bias,scale", [(-2.0, 1.0), (0.0, 0.3), (3.0, 1.0), (6.0, 0.1)])
def test_gradient_paths_equal_state_grad_norms(bias, scale):
    paths = lg.lstm_gradient_paths(T=30, forget_bias=bias, seed=3, recurrent_scale=scale)
    cell, xs, g = lg.lstm_flow_setup(T=30, forget_bias=bias, seed=3, recurrent_scale=scale)
    res = rnnlib.bptt(cell, xs, lambda out, w, e: (out[-1] * g).sum())
    np.testing.assert_allclose(paths["full"], res.state_grad_norms(0), rtol=1e-10)
    if scale == 1.0:  # the chapter's setting is state_grad_norms's
        np.testing.assert_allclose(paths["full"], ex.state_grad_norms("lstm", T=30, keep_bias=bias,
                                                                      seed=3), rtol=1e-12)


def test_carousel_is_the_product_of_the_forget_gates():
    cell, rng = random_lstm(4)
    xs, g = rng.normal(size=(9, 2, 3)), rng.normal(size=(2, 5))
    paths = lg.lstm_backward_paths(cell, xs, g)
    traj = rnnlib.run(cell, xs)
    c_T = traj.state_array(0)[-1]
    probe = rnnlib.GateProbe()
    rnnlib.run(cell, xs, probe=probe)
    o_last = probe.stacked("o")[-1]
    dc_T = g * o_last * (1 - np.tanh(c_T) ** 2)
    for t in range(9):
        want = np.linalg.norm(np.prod(paths["f"][t:], axis=0) * dc_T)
        np.testing.assert_allclose(paths["carousel"][t], want, rtol=1e-12)
    # the triangle inequality ties the two measured terms to the total
    full, cec, hp = paths["full"][:-1], paths["cec_part"], paths["h_part"]
    assert np.all(full <= cec + hp + 1e-12) and np.all(full >= np.abs(cec - hp) - 1e-12)


def test_without_recurrent_weights_the_carousel_is_the_whole_gradient():
    paths = lg.lstm_gradient_paths(T=50, forget_bias=1.0, seed=2, recurrent_scale=0.0)
    np.testing.assert_allclose(paths["full"], paths["carousel"], rtol=1e-12)
    assert np.all(paths["h_part"] == 0.0)


def test_jacobian_terms_match_finite_differences():
    cell, rng = random_lstm(5)
    p = cell.params
    c_prev, o_prev, x = rng.normal(size=5), rnnlib.autograd.sigmoid(rng.normal(size=5)), rng.normal(size=3)

    def c_next(c):
        h = o_prev * np.tanh(c)
        return cell.step(p, (c[None], h[None]), x[None])[0][0]

    eps = 1e-6
    numeric = np.stack([(c_next(c_prev + eps * e) - c_next(c_prev - eps * e)) / (2 * eps)
                        for e in np.eye(5)], axis=1)
    carousel, through_h = lg.cell_state_jacobian(p, c_prev, o_prev, x)
    np.testing.assert_allclose(carousel + through_h, numeric, atol=1e-8)
    assert np.abs(through_h).max() > 0.05  # with these weights the second term is not negligible
    np.testing.assert_allclose(np.diag(carousel), np.diag(carousel).clip(0, 1))


def test_carousel_table_conclusions():
    """What chapter 6 concludes, pinned with margins (not the bits)."""
    big = lg.carousel_table((0.0, 4.97), seeds=range(5), T=100, recurrent_scale=1.0)
    small = lg.carousel_table((4.97,), seeds=range(5), T=100, recurrent_scale=0.1)
    assert big["full"].shape == big["carousel"].shape == (2, 5)
    np.testing.assert_allclose(big["scalar"], rnnlib.autograd.sigmoid(big["biases"]) ** 100)
    # chapter's weights: the measured gradient is far above the carousel at both biases
    assert np.all(big["full"] > 10 * big["carousel"])
    assert np.all(big["full"][1] > 1.0)  # at bias 4.97 it grows going back, every seed
    # small recurrent weights: within a factor 3 of the carousel, which is near sigma(b)^100
    factor = small["full"] / small["carousel"]
    assert np.all(factor < 4.0) and np.exp(np.log(factor).mean()) < 3.0
    assert np.all(np.abs(small["carousel"][0] - 0.5) < 0.1)


def test_fast_widget_data_carries_the_carousel():
    data = ex.lstm_cell_grads_fast(T=40, forget_bias=2.0)
    paths = lg.lstm_gradient_paths(T=40, forget_bias=2.0)
    np.testing.assert_array_equal(data["carousel"], paths["carousel"])
    np.testing.assert_array_equal(data["lstm"], paths["full"])


def test_forget_bias_view_draws_the_carousel_line():
    pytest.importorskip("ipywidgets")
    from rnnlib.widgets import part2 as widgets

    widget = widgets.forget_bias_widget()
    widget.controls["forget_bias"].value = 4.0
    widget.controls["T"].value = 80
    line = widget.view.carousel_line
    assert line in widget.view._dynamic
    np.testing.assert_allclose(line.get_ydata(), np.maximum(widget.data["carousel"], 1e-30))
    assert len(line.get_xdata()) == 81
    assert "carousel" in widget.view.legend.get_texts()[1].get_text()


@pytest.mark.parametrize("kwargs", [{"T": 0}, {"T": 2.5}, {"n": -1}, {"recurrent_scale": -1.0},
                                    {"recurrent_scale": float("nan")}, {"forget_bias": float("inf")}])
def test_bad_settings_are_refused(kwargs):
    with pytest.raises(ValueError):
        lg.lstm_gradient_paths(**kwargs)


def test_bad_cells_and_shapes_are_refused():
    gru = rnnlib.make_cell("gru", 3, 5, np.random.default_rng(0))
    with pytest.raises(TypeError, match="BasicLSTM"):
        lg.lstm_backward_paths(gru, np.zeros((4, 2, 3)), np.zeros((2, 5)))
    cell, _ = random_lstm(0)
    with pytest.raises(ValueError, match="v has shape"):
        lg.lstm_backward_paths(cell, np.zeros((4, 2, 3)), np.zeros((2, 4)))
    with pytest.raises(ValueError):
        lg.cell_state_jacobian(cell.params, np.zeros(4), np.zeros(5), np.zeros(3))
    with pytest.raises(ValueError):
        lg.carousel_table((), seeds=(0,))


def test_hit_verdict():
    same = pt.hit_verdict([1.0, 0.2, 1.0, 0.5, 1.0], [0.4, 1.0, 1.0, 1.0, 0.3])
    assert same["verdict"] == "no reliable difference"
    assert list(same["solved"]) == [3, 3]
    clear = pt.hit_verdict([0.1, 0.12, 0.09, 0.11, 0.1], [0.9, 0.95, 0.92, 0.91, 0.93])
    assert clear["verdict"] == "peephole LSTM better" and clear["diff"] > 0.7
    with pytest.raises(ValueError):
        pt.hit_verdict([1.0], [1.0, 0.0])
    with pytest.raises(ValueError):
        pt.hit_verdict([1.0, 2.0], [1.0, 0.0])


def test_chapter6_checks_never_print_the_answer(capsys):
    f = 0.5 ** (1 / 100)
    b = np.log(f / (1 - f))
    assert exercises.check_forget_bias(b)
    assert exercises.check_forget_bias(4.97)  # the book's rounded answer is accepted
    for wrong in (4.5, f, 0.0):
        assert not exercises.check_forget_bias(wrong)
    out = capsys.readouterr().out
    assert "correct" in out and out.count("not yet") == 3
    assert "4.97" not in out and f"{b:.4g}" not in out and "0.993" not in out
    assert "keep gate f itself" in out  # the slip of answering f is named
    assert "keeps 0.331 of the gradient" in out and "a larger bias" in out  # for b = 4.5

    d = exercises.peephole_data()
    cell = rnnlib.make_cell("peephole", 2, 3, np.random.default_rng(0))
    c_new, h = cell.step(d["params"], (d["c"], d["h"]), d["x"])
    assert exercises.check_peephole_step(h)
    assert not exercises.check_peephole_step(h + 0.01)
    assert not exercises.check_peephole_step(h[0])
    p = d["params"]
    o_old = rnnlib.autograd.sigmoid(d["h"] @ p["W_o"].T + d["x"] @ p["U_o"].T + p["p_o"] * d["c"]
                                    + p["b_o"])
    assert not exercises.check_peephole_step(o_old * np.tanh(c_new))
    out = capsys.readouterr().out
    assert "looked at c_{t-1}" in out and "shape (1, 3)" in out
    for value in np.ravel(h):
        assert f"{value:.6g}" not in out and f"{value:.3f}" not in out
