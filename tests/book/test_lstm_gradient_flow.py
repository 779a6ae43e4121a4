"""The LSTM's two backward paths (chapter 6, rnnlib/book/lstm_gradient_flow.py): exact gradient,
carousel part, Jacobian, the forget-bias widget, the shadow state, the figures and the check."""

import matplotlib

matplotlib.use("Agg")
import numpy as np
import pytest

import rnnlib
from rnnlib import sigmoid
from rnnlib.book import lstm_gradient_flow as lg
from rnnlib.book import style


def random_lstm(seed, n_in=3, n=5):
    """Every parameter random, biases included (zero biases hide bugs)."""
    rng = np.random.default_rng(seed)
    return rnnlib.random_cell("lstm", n_in, n, rng, scale=0.7), rng


def _old_backward_paths(cell, xs, v):
    """The reverse loop the module had of its own before lstm_bptt (kept as the reference)."""
    probe = rnnlib.GateProbe()
    traj = rnnlib.run(cell, xs, probe=probe)
    p, T = cell.params, xs.shape[0]
    c, h = traj.state_array(0), traj.state_array(1)
    i, f, o = (probe.stacked(k) for k in "ifo")
    cand = np.tanh(h[:-1] @ p["W"].T + xs @ p["U"].T + p["b"])
    tc = np.tanh(c[1:])
    full, carousel, cec_part, h_part = np.zeros(T + 1), np.zeros(T + 1), np.zeros(T), np.zeros(T)
    dc_next, dh, cec = np.zeros_like(v), v.copy(), None
    for t in range(T - 1, -1, -1):
        dc = dc_next + dh * o[t] * (1 - tc[t] ** 2)
        full[t + 1] = np.linalg.norm(dc)
        cec = dc if cec is None else cec
        carousel[t + 1] = np.linalg.norm(cec)
        da_o = dh * tc[t] * o[t] * (1 - o[t])
        da_i, da_f = dc * cand[t] * i[t] * (1 - i[t]), dc * c[t] * f[t] * (1 - f[t])
        da_c = dc * i[t] * (1 - cand[t] ** 2)
        dc_next = dc * f[t]
        dh = da_i @ p["W_i"] + da_f @ p["W_f"] + da_o @ p["W_o"] + da_c @ p["W"]
        cec = cec * f[t]
        cec_part[t] = np.linalg.norm(dc_next)
        if t > 0:
            h_part[t] = np.linalg.norm(dh * o[t - 1] * (1 - np.tanh(c[t]) ** 2))
    full[0], carousel[0] = np.linalg.norm(dc_next), np.linalg.norm(cec)
    return {"full": full, "carousel": carousel, "cec_part": cec_part, "h_part": h_part}


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_backward_paths_equal_bptt_with_every_parameter_random(seed):
    cell, rng = random_lstm(seed)
    xs, g = rng.normal(size=(12, 3, 3)), rng.normal(size=(3, 5))
    paths = lg.lstm_backward_paths(cell, xs, g)
    res = rnnlib.bptt(cell, xs, lambda out, w, e: (out[-1] * g).sum())
    np.testing.assert_allclose(paths["full"], res.state_grad_norms(0), rtol=1e-10)


@pytest.mark.parametrize("bias,scale", [(0.0, 1.0), (3.0, 1.0), (6.0, 0.1)])
def test_backward_paths_equal_the_old_reverse_loop(bias, scale):
    """The merge onto lstm_bptt changes rounding only (norms summed in another order)."""
    cell, xs, v = lg.lstm_flow_setup(T=100, forget_bias=bias, seed=2, recurrent_scale=scale)
    new, old = lg.lstm_backward_paths(cell, xs, v), _old_backward_paths(cell, xs, v)
    for key in old:
        np.testing.assert_allclose(new[key], old[key], rtol=1e-13, atol=0, err_msg=key)


@pytest.mark.parametrize("bias,scale", [(-2.0, 1.0), (0.0, 0.3), (3.0, 1.0), (6.0, 0.1)])
def test_gradient_paths_equal_state_grad_norms(bias, scale):
    paths = lg.lstm_gradient_paths(T=30, forget_bias=bias, seed=3, recurrent_scale=scale)
    cell, xs, g = lg.lstm_flow_setup(T=30, forget_bias=bias, seed=3, recurrent_scale=scale)
    res = rnnlib.bptt(cell, xs, lambda out, w, e: (out[-1] * g).sum())
    np.testing.assert_allclose(paths["full"], res.state_grad_norms(0), rtol=1e-10)
    if scale == 1.0:  # the chapter's setting is state_grad_norms's
        np.testing.assert_allclose(
            paths["full"], lg.state_grad_norms("lstm", T=30, keep_bias=bias, seed=3), rtol=1e-12
        )


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
    c_prev, o_prev, x = rng.normal(size=5), sigmoid(rng.normal(size=5)), rng.normal(size=3)

    def c_next(c):
        h = o_prev * np.tanh(c)
        return cell.step(p, (c[None], h[None]), x[None])[0][0]

    eps = 1e-6
    numeric = np.stack(
        [(c_next(c_prev + eps * e) - c_next(c_prev - eps * e)) / (2 * eps) for e in np.eye(5)],
        axis=1,
    )
    carousel, through_h = lg.cell_state_jacobian(cell, c_prev, o_prev, x)
    np.testing.assert_allclose(carousel + through_h, numeric, atol=1e-8)
    assert np.abs(through_h).max() > 0.05  # with these weights the second term is not negligible
    np.testing.assert_allclose(np.diag(carousel), np.diag(carousel).clip(0, 1))


def test_carousel_table_conclusions():
    """What chapter 6 concludes, pinned with margins (not the bits)."""
    big = lg.carousel_table((0.0, 4.97), seeds=range(5), T=100, recurrent_scale=1.0)
    small = lg.carousel_table((4.97,), seeds=range(5), T=100, recurrent_scale=0.1)
    assert big["full"].shape == big["carousel"].shape == (2, 5)
    np.testing.assert_allclose(big["scalar"], sigmoid(big["biases"]) ** 100)
    # chapter's weights: the measured gradient is far above the carousel at both biases
    assert np.all(big["full"] > 10 * big["carousel"])
    assert np.all(big["full"][1] > 1.0)  # at bias 4.97 it grows going back, every seed
    # small recurrent weights: within a factor 3 of the carousel, which is near sigma(b)^100
    factor = small["full"] / small["carousel"]
    assert np.all(factor < 4.0) and np.exp(np.log(factor).mean()) < 3.0
    assert np.all(np.abs(small["carousel"][0] - 0.5) < 0.1)


@pytest.mark.parametrize("bias", [-4.0, 0.0, 3.0, 6.0])
def test_fast_grads_equal_bptt(bias):
    fast = lg.lstm_cell_grads_fast(T=40, forget_bias=bias)
    np.testing.assert_allclose(
        fast["lstm"], lg.state_grad_norms("lstm", T=40, keep_bias=bias), rtol=1e-9
    )
    np.testing.assert_allclose(fast["vanilla"], lg.state_grad_norms("vanilla", T=40), rtol=1e-9)


def test_fast_vanilla_part_equals_the_old_loop():
    """The merge onto vanilla_bptt: the loop the widget had of its own, kept as the reference."""
    rng = np.random.default_rng(0)
    van = rnnlib.make_cell("vanilla", 4, 16, rng)
    xs, g = rng.normal(size=(100, 4, 4)), rng.normal(size=(4, 16))
    W, U, b = van.params["W"], van.params["U"], van.params["b"]
    s, outs = van.initial_state(4), []
    for x in xs:
        s = np.tanh(s @ W.T + x @ U.T + b)
        outs.append(s)
    ds, want = g.copy(), np.zeros(101)
    want[100] = np.linalg.norm(ds)
    for t in range(99, -1, -1):
        ds = (ds * (1 - outs[t] ** 2)) @ W
        want[t] = np.linalg.norm(ds)
    np.testing.assert_allclose(lg.lstm_cell_grads_fast(T=100)["vanilla"], want, rtol=1e-13)


def test_forget_bias_lets_gradient_travel():
    low = lg.lstm_cell_grads_fast(T=100, forget_bias=0.0)["lstm"]
    high = lg.lstm_cell_grads_fast(T=100, forget_bias=4.0)["lstm"]
    assert high[0] / high[-2] > 1e3 * low[0] / low[-2]


def test_fast_widget_data_carries_the_carousel():
    data = lg.lstm_cell_grads_fast(T=40, forget_bias=2.0)
    paths = lg.lstm_gradient_paths(T=40, forget_bias=2.0)
    np.testing.assert_array_equal(data["carousel"], paths["carousel"])
    np.testing.assert_array_equal(data["lstm"], paths["full"])


@pytest.fixture(scope="module")
def widget():
    pytest.importorskip("ipywidgets")
    return lg.forget_bias_widget()


@pytest.mark.parametrize("bias,T", [(-4.0, 10), (0.0, 100), (6.0, 300), (2.5, 50)])
def test_forget_bias_widget_plots_bptt(widget, bias, T):
    widget.controls["forget_bias"].value = bias
    widget.controls["T"].value = T
    line = widget.view.lstm_line
    # the widget's fast reverse pass against the general engine (rnnlib.bptt), at every length
    want = lg.state_grad_norms("lstm", T=T, n=16, keep_bias=bias, seed=0)
    np.testing.assert_allclose(line.get_ydata(), np.maximum(want, 1e-30), rtol=1e-9)
    assert len(line.get_xdata()) == T + 1
    assert widget.view.legend.get_texts()[0].get_text().endswith(f"{bias:+.1f} (measured)")


def test_forget_bias_view_draws_the_carousel_line(widget):
    widget.controls["forget_bias"].value = 4.0
    widget.controls["T"].value = 80
    view = widget.view
    line = view.carousel_line
    assert line in view._dynamic
    np.testing.assert_allclose(line.get_ydata(), np.maximum(widget.data["carousel"], 1e-30))
    assert len(line.get_xdata()) == 81
    assert "carousel" in view.legend.get_texts()[1].get_text()
    # the book's palette and a description, for the live figure and the site's
    assert view.lstm_line.get_color() == style.cell_color("lstm")
    assert view.vanilla_line.get_color() == style.cell_color("vanilla")
    assert view.figure._wm_description == lg.forget_bias_alt() == widget.alt_text()
    default = lg.forget_bias_compute(0.0, 100)
    assert f"the vanilla RNN {lg._sci(default['vanilla'][0] / default['vanilla'][-1])}." in (
        widget.alt_text()
    )
    assert view.axes[0, 0].get_yscale() == "log"


def test_shadow_state_demo():
    d = lg.shadow_state_demo()
    np.testing.assert_allclose(d["h"][1:], d["o"] * np.tanh(d["c"][1:]))
    np.testing.assert_array_equal(d["h_changed_input"][:-1], d["h"][:-1])  # past untouched
    assert not np.allclose(d["o_changed_input"][-1], d["o"][-1])


def test_shadow_state_and_grad_flow_plots_draw_their_data():
    d = lg.shadow_state_demo()
    fig = lg.plot_shadow_state(d)
    left, right = fig.axes
    c_line, h_line = left.get_lines()
    np.testing.assert_array_equal(c_line.get_ydata(), d["c"][:, 0])
    np.testing.assert_array_equal(h_line.get_ydata(), d["h"][:, 0])
    o_line, o_changed = right.get_lines()
    np.testing.assert_array_equal(o_line.get_ydata(), d["o"][:, 0])
    np.testing.assert_array_equal(o_changed.get_ydata(), d["o_changed_input"][:, 0])
    assert "part only at step 6" in fig._wm_description
    norms = np.array([1e-3, 1e-2, 1e-1, 1.0, 1.0])
    fig = lg.plot_grad_flow({"lstm": norms})
    ax = fig.axes[0]
    assert any(np.allclose(line.get_ydata(), norms) for line in ax.get_lines())
    assert ax.get_lines()[0].get_color() == style.cell_color("lstm")
    assert "basic LSTM 1e-03." in fig._wm_description


def test_figures_of_the_chapter_are_described_from_their_data():
    flow = {
        b: {name: lg.state_grad_norms(name, T=60, keep_bias=b) for name in ("vanilla", "lstm")}
        for b in (0.0, 3.0)
    }
    carousel = {b: lg.lstm_gradient_paths(T=60, forget_bias=b)["carousel"] for b in (0.0, 3.0)}
    fig = lg.plot_grad_flow_biases(flow, carousel)
    assert len(fig.axes) == 2 and all(ax.get_yscale() == "log" for ax in fig.axes)
    lstm = flow[3.0]["lstm"]
    assert f"at bias 3 fifty steps back the LSTM keeps {lg._sci(lstm[10] / lstm[60])}" in (
        fig._wm_description
    )
    tables = {
        s: lg.carousel_table((0.0, 3.0), seeds=range(2), T=40, recurrent_scale=s)
        for s in (1.0, 0.1)
    }
    fig = lg.plot_carousel_tables(tables)
    assert len(fig.axes) == 2 and "recurrent weights x 0.1" in fig._wm_description
    for ax in fig.axes:  # no explicit font sizes: the legend has the style's size
        assert ax.get_legend().get_texts()[0].get_fontsize() == style.BOOK_STYLE["legend.fontsize"]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"T": 0},
        {"T": 2.5},
        {"n": -1},
        {"recurrent_scale": -1.0},
        {"recurrent_scale": float("nan")},
        {"forget_bias": float("inf")},
    ],
)
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
        lg.cell_state_jacobian(cell, np.zeros(4), np.zeros(5), np.zeros(3))
    with pytest.raises(TypeError, match="BasicLSTM"):
        lg.cell_state_jacobian(gru, np.zeros(5), np.zeros(5), np.zeros(3))
    with pytest.raises(ValueError):
        lg.carousel_table((), seeds=(0,))


def test_chapter6_checks_never_print_the_answer(capsys):
    f = 0.5 ** (1 / 100)
    b = np.log(f / (1 - f))
    assert lg.check_forget_bias(b)
    assert lg.check_forget_bias(4.97)  # the book's rounded answer is accepted
    for wrong in (4.5, f, 0.0):
        assert not lg.check_forget_bias(wrong)
    out = capsys.readouterr().out
    assert "correct" in out and out.count("not yet") == 3
    assert "4.97" not in out and f"{b:.4g}" not in out and "0.993" not in out
    assert "keep gate f itself" in out  # the slip of answering f is named
    assert "keeps 0.331 of the gradient" in out and "a larger bias" in out  # for b = 4.5


def test_exercise_checks(capsys):
    f = 0.5 ** (1 / 100)
    assert lg.check_forget_bias(np.log(f / (1 - f)))
    assert not lg.check_forget_bias("four")
    assert "correct" in capsys.readouterr().out
