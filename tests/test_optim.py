"""rnnlib.optim: SGD, momentum and Adam against their formulas, in-place updates, the global
norm and clipping."""

import numpy as np
import pytest

from rnnlib import optim


def test_sgd_step_is_exact():
    p = {"W": np.array([1.0, -2.0])}
    optim.SGD(0.5).step(p, {"W": np.array([2.0, 4.0])})
    np.testing.assert_array_equal(p["W"], [0.0, -4.0])


def test_momentum_accumulates_velocity():
    p = {"w": np.array([0.0])}
    opt = optim.Momentum(0.1, beta=0.5)
    opt.step(p, {"w": np.array([1.0])})  # v = 1
    opt.step(p, {"w": np.array([1.0])})  # v = 1.5
    np.testing.assert_allclose(p["w"], [-0.25])


def test_adam_matches_its_formulas():
    rng = np.random.default_rng(0)
    grads = [rng.normal(size=3) for _ in range(4)]
    p = {"w": np.zeros(3)}
    opt = optim.Adam(0.01, beta1=0.8, beta2=0.9, eps=1e-8)
    w, m, v = np.zeros(3), np.zeros(3), np.zeros(3)
    for t, g in enumerate(grads, start=1):
        opt.step(p, {"w": g})
        m = 0.8 * m + 0.2 * g
        v = 0.9 * v + 0.1 * g * g
        w = w - 0.01 * (m / (1 - 0.8**t)) / (np.sqrt(v / (1 - 0.9**t)) + 1e-8)
    np.testing.assert_allclose(p["w"], w, rtol=1e-13)


def test_adam_first_step_moves_each_parameter_by_about_lr():
    p = {"a": np.zeros(3), "b": np.ones((2, 2))}
    optim.Adam(0.1).step(p, {"a": np.array([1e-3, -5.0, 30.0]), "b": np.full((2, 2), 2.0)})
    np.testing.assert_allclose(p["a"], [-0.1, 0.1, -0.1], rtol=1e-4)
    np.testing.assert_allclose(p["b"], 0.9, rtol=1e-6)


def test_optimizers_update_in_place():
    arr = np.ones(2)
    params = {"w": arr}
    for opt in (optim.SGD(0.1), optim.Momentum(0.1), optim.Adam(0.1)):
        opt.step(params, {"w": np.ones(2)})
    assert params["w"] is arr and np.all(arr < 1.0)


def test_global_norm_and_clipping():
    grads = {"a": np.array([3.0]), "b": np.array([[4.0]])}
    assert optim.global_norm(grads) == 5.0
    clipped, before = optim.clip_by_global_norm(grads, 1.0)
    assert before == 5.0
    assert optim.global_norm(clipped) == pytest.approx(1.0)
    np.testing.assert_allclose(clipped["a"] / clipped["b"][0], 0.75)  # direction kept
    assert grads["a"][0] == 3.0  # input untouched
    same, _ = optim.clip_by_global_norm(grads, 10.0)
    np.testing.assert_array_equal(same["b"], grads["b"])
    by_value = optim.clip_by_value({"a": np.array([-3.0, 0.5, 2.0])}, 1.0)
    np.testing.assert_array_equal(by_value["a"], [-1.0, 0.5, 1.0])
