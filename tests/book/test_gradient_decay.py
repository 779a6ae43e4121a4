"""Tests of rnnlib/book/gradient_decay.py (chapter 2): the gradient across time, initializers
compared, their figures, the gradient-decay widget (no kernel) and the uniform-range check."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest

import rnnlib
from rnnlib.book import gradient_decay
from rnnlib.book.gradient_decay import SEED, gradient_decay_widget
from rnnlib.bptt_by_hand import PHI_PRIME, vanilla_bptt


def by_the_engine(norm, activation, T, init, seed, n=32, n_in=4, B=8):
    """The ``||dL/ds_t||`` (T + 1,) of :func:`gradient_decay.gradient_decay`, by ``rnnlib.bptt``
    on the same setup: the reference the fast path is checked against."""
    cell, xs, u = gradient_decay.decay_setup(norm, activation, T, init, n, n_in, B, seed)
    return rnnlib.bptt(cell, xs, gradient_decay.last_step_loss(u)).state_grad_norms()


# -- experiments ------------------------------------------------------------------------------
@pytest.mark.parametrize("activation", ["tanh", "sigmoid"])
@pytest.mark.parametrize("init", ["orthogonal", "uniform", "glorot", "normal", "identity"])
def test_gradient_decay_equals_rnnlib_bptt_and_vanilla_bptt(activation, init):
    kw = {"norm": 1.7, "activation": activation, "T": 30, "init": init, "seed": 4}
    fast = gradient_decay.gradient_decay(**kw).grad_norms
    np.testing.assert_allclose(fast, by_the_engine(**kw), rtol=1e-10)
    cell, xs, u = gradient_decay.decay_setup(1.7, activation, 30, init, 32, 4, 8, 4)
    dL = np.zeros((30, 8, 32))
    dL[-1] = u
    _, state_grads = vanilla_bptt(cell, xs, dL)
    np.testing.assert_allclose(fast, np.linalg.norm(state_grads, axis=(1, 2)), rtol=1e-10)


@pytest.mark.parametrize("activation", ["tanh", "sigmoid"])
@pytest.mark.parametrize("norm, T", [(0.3, 5), (1.0, 50), (2.5, 120), (8.0, 200)])
def test_gradient_decay_by_vanilla_bptt_equals_the_loop_it_replaced(activation, norm, T):
    # The merge of issue 12: gradient_decay used to run its own reverse loop,
    # g <- (phi'(s_t) * g) @ W from g = u; it now takes dL/ds_t from vanilla_bptt. This is that
    # loop, written out once more as the reference: the norms agree to rounding.
    cell, xs, u = gradient_decay.decay_setup(norm, activation, T, "orthogonal", 32, 4, 8, SEED)
    S = rnnlib.run(cell, xs).state_array()
    g = np.broadcast_to(u, (8, 32)).copy()
    old = np.empty(T + 1)
    old[T] = np.linalg.norm(g)
    for t in range(T, 0, -1):
        g = (PHI_PRIME[activation](S[t]) * g) @ cell.params["W"]
        old[t - 1] = np.linalg.norm(g)
    new = gradient_decay.gradient_decay(norm=norm, activation=activation, T=T, seed=SEED)
    np.testing.assert_allclose(new.grad_norms, old, rtol=1e-12, atol=0)


def test_gradient_decay_below_bound():
    for norm in (0.3, 1.0, 2.5, 6.0):
        for act in ("tanh", "sigmoid"):
            gd = gradient_decay.gradient_decay(norm=norm, activation=act, T=60)
            assert np.all(gd.grad_norms <= gd.bound * (1 + 1e-9))
            assert np.isclose(gd.op_norm, norm)
    with pytest.raises(ValueError, match="T must be"):
        gradient_decay.gradient_decay(T=0)


def test_init_comparison_spread_orthogonal_is_predictable():
    seeds = range(6)
    driven = gradient_decay.init_comparison(T=60, n=64, seeds=seeds)
    quiet = gradient_decay.init_comparison(T=60, n=64, seeds=seeds, inputs=False)
    for r in (driven, quiet):
        for v in r.values():
            assert v["per_seed"].shape == (6, 61)
            np.testing.assert_allclose(v["ratio_per_seed"], v["per_seed"][:, 0])
    decades = {
        key: np.log10(r["ratio_per_seed"].max() / r["ratio_per_seed"].min())
        for key, r in (
            ("uniform", driven["uniform sqrt(3/n)"]),
            ("orthogonal", driven["orthogonal"]),
        )
    }
    assert decades["orthogonal"] < 0.5 and decades["uniform"] > 1.5
    # without inputs the orthogonal W^T is a rotation: the gradient keeps its length exactly
    np.testing.assert_allclose(quiet["orthogonal"]["ratio_per_seed"], 1.0, rtol=1e-10)
    uniform = quiet["uniform sqrt(3/n)"]["ratio_per_seed"]
    assert uniform.min() < 1.0 < uniform.max()
    # the two figures of these results draw them and describe them from the data
    fig = gradient_decay.plot_init_spread(driven, quiet)
    np.testing.assert_allclose(
        fig.axes[0].collections[0].get_offsets()[:, 1],
        driven["uniform sqrt(3/n)"]["ratio_per_seed"],
    )
    assert f"{decades['uniform']:.1f} decades" in fig._wm_description
    fig = gradient_decay.plot_init_comparison(driven)
    np.testing.assert_array_equal(
        fig.axes[0].lines[2].get_ydata(), driven["orthogonal"]["relative"]
    )
    assert f"orthogonal {driven['orthogonal']['relative'][0]:.1e}" in fig._wm_description


def test_init_comparison_orders_the_scales():
    r = gradient_decay.init_comparison(T=40, n=32, seeds=(0,))
    small = r["too small (uniform x 0.3)"]["relative"][0]
    good = r["orthogonal"]["relative"][0]
    large = r["too large (uniform x 3)"]["relative"][0]
    assert small < 1e-10 < good < 1.0 < large
    np.testing.assert_allclose(r["uniform sqrt(3/n)"]["relative"], r["Glorot"]["relative"])


# -- the widget (no kernel: set control values, read what was computed and plotted) ------------
def _lines(widget):
    return widget.view.measured.get_ydata(), widget.view.bound.get_ydata()


GRADIENT_SETTINGS = [
    ("norm", 0.25),
    ("norm", 8.0),
    ("norm", 1.0),
    ("norm", 1.9),
    ("activation", "sigmoid"),
    ("activation", "tanh"),
    ("T", 5),
    ("T", 200),
    ("T", 50),
    ("init", "uniform"),
    ("init", "identity"),
    ("init", "normal"),
    ("init", "orthogonal"),
]


def test_gradient_decay_widget_plots_what_rnnlib_computes():
    w = gradient_decay_widget()
    assert w.data is not None and bytes(w.image.value).startswith(b"\x89PNG")  # drawn at creation
    assert w.alt_text() == gradient_decay.GRADIENT_DECAY_ALT == w.view.figure._wm_description
    for name, value in GRADIENT_SETTINGS:
        if w.controls[name].value == value:
            continue
        before = w.data
        w.controls[name].value = value
        v = w.values()
        assert w.data is not before  # the control's change ran the update
        measured, bound = _lines(w)
        expected = by_the_engine(v["norm"], v["activation"], v["T"], v["init"], SEED)
        np.testing.assert_allclose(measured, np.clip(expected, 1e-30, 1e30), rtol=1e-9)
        assert len(measured) == v["T"] + 1
        gamma = rnnlib.cells.ACTIVATION_GAMMA[v["activation"]]
        cell, *_ = gradient_decay.decay_setup(
            v["norm"], v["activation"], v["T"], v["init"], 32, 4, 8, SEED
        )
        op = np.linalg.norm(cell.params["W"], 2)
        want = expected[-1] * (gamma * op) ** np.arange(v["T"], -1, -1)
        np.testing.assert_allclose(bound, np.clip(want, 1e-30, 1e30), rtol=1e-9)
        assert np.all(measured <= bound * (1 + 1e-9))
        np.testing.assert_array_equal(w.view.measured.get_xdata(), v["T"] - np.arange(v["T"] + 1))


def test_gradient_decay_widget_extremes_all_at_once():
    w = gradient_decay_widget(norm=8.0, activation="sigmoid", T=200, init="normal")
    measured, bound = _lines(w)
    assert np.all(np.isfinite(measured)) and np.all(np.isfinite(bound))
    assert w.view.axes[0, 0].get_ylim() == w.view.YLIM


def test_static_versions_of_the_widget_figures():
    gd = gradient_decay.gradient_decay(norm=2.0, T=40)
    fig = gradient_decay.plot_gradient_decay(gd)
    np.testing.assert_allclose(fig.axes[0].lines[0].get_ydata(), gd.grad_norms, rtol=1e-12)
    assert f"{gd.grad_norms[0]:.1e}" in fig._wm_description and "grows" in fig._wm_description


# -- exercise check -----------------------------------------------------------------------------
def test_uniform_range_check_accepts_right_and_names_slips(capsys):
    assert gradient_decay.check_uniform_range(64, np.sqrt(3 / 64))
    assert not gradient_decay.check_uniform_range(64, 1 / 8)
    assert "standard deviation" in capsys.readouterr().out
    assert not gradient_decay.check_uniform_range(64, 3 / 64)
    assert "square root" in capsys.readouterr().out
    assert not gradient_decay.check_uniform_range(64, [0.1, 0.2])
    assert "one number" in capsys.readouterr().out


def test_uniform_range_check_never_prints_the_expected_value(capsys, numbers_in):
    for answer in (0.2, 0.1, 0.03):
        assert gradient_decay.check_uniform_range(100, answer) is False
        out = capsys.readouterr().out
        assert "not yet" in out and len(out.strip()) > len("x: not yet.")
        for shown in numbers_in(out):
            assert not np.isclose(shown, np.sqrt(0.03), rtol=1e-3, atol=1e-4), out
