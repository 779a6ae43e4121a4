"""The Neural Turing Machine (rnnlib/ntm.py): addressing, memory writes, gradients, the copy
task, saving and loading. The trained copy machine of chapter 9 and its training script are
tested in tests/book/test_ntm_copy.py."""

from __future__ import annotations

import numpy as np
import pytest

from rnnlib import ntm
from rnnlib.autograd import Tensor
from rnnlib.gradcheck import numerical_gradient, relative_error


def normalized(rng, shape):
    w = rng.random(shape) + 0.05
    return w / w.sum(axis=-1, keepdims=True)


# -- addressing, one equation at a time ------------------------------------------------------


def test_cosine_similarity_and_content_weighting():
    rng = np.random.default_rng(0)
    memory = rng.normal(size=(2, 5, 3))
    key = memory[:, 3] * 2.5  # same direction as row 3
    K = ntm.cosine_similarity(memory, key)
    assert K.shape == (2, 5)
    assert np.allclose(K[:, 3], 1.0, atol=1e-8)
    manual = np.einsum("bnm,bm->bn", memory, key) / (
        np.linalg.norm(memory, axis=-1) * np.linalg.norm(key, axis=-1, keepdims=True)
    )
    assert np.allclose(K, manual, atol=1e-7)
    w = ntm.content_weighting(memory, key, np.full((2, 1), 50.0))
    assert np.allclose(w.sum(-1), 1.0) and (w.argmax(-1) == 3).all() and (w[:, 3] > 0.99).all()
    flat = ntm.content_weighting(memory, key, np.zeros((2, 1)))
    assert np.allclose(flat, 0.2)


def test_interpolation_shift_and_sharpening():
    rng = np.random.default_rng(1)
    one_hot = np.zeros((1, 6))
    one_hot[0, 2] = 1.0
    forward = np.array([[0.0, 0.0, 1.0]])  # all mass on shift +1
    backward = np.array([[1.0, 0.0, 0.0]])  # shift -1
    assert ntm.shift(one_hot, forward)[0].argmax() == 3
    assert ntm.shift(one_hot, backward)[0].argmax() == 1
    last = np.zeros((1, 6))
    last[0, 5] = 1.0
    assert ntm.shift(last, forward)[0].argmax() == 0  # circular
    w, s = normalized(rng, (3, 6)), normalized(rng, (3, 3))
    shifted = ntm.shift(w, s)
    assert np.allclose(shifted.sum(-1), 1.0)
    manual = sum(s[:, [j]] * np.roll(w, k, axis=1) for j, k in enumerate(ntm.SHIFTS))
    assert np.allclose(shifted, manual)
    assert np.allclose(ntm.sharpen(w, np.ones((3, 1))), w)
    sharp = ntm.sharpen(w, np.full((3, 1), 3.0))
    assert np.allclose(sharp, w**3 / (w**3).sum(-1, keepdims=True))
    g = np.array([[1.0], [0.0], [0.3]])
    wc, wp = normalized(rng, (3, 6)), normalized(rng, (3, 6))
    mixed = ntm.interpolate(wc, wp, g)
    assert np.allclose(mixed[0], wc[0]) and np.allclose(mixed[1], wp[1])


def test_write_is_erase_then_add_and_read_is_weighted_sum():
    rng = np.random.default_rng(2)
    memory = rng.normal(size=(1, 4, 3))
    w = np.array([[0.0, 1.0, 0.0, 0.0]])
    new = ntm.write(memory, w, np.ones((1, 3)), np.array([[0.5, -0.5, 0.25]]))
    assert np.allclose(new[0, 1], [0.5, -0.5, 0.25])  # row 1 replaced
    assert np.array_equal(new[0, [0, 2, 3]], memory[0, [0, 2, 3]])  # others untouched
    w, e, a = normalized(rng, (1, 4)), rng.random((1, 3)), rng.normal(size=(1, 3))
    new = ntm.write(memory, w, e, a)
    for i in range(4):
        assert np.allclose(new[0, i], memory[0, i] * (1 - w[0, i] * e[0]) + w[0, i] * a[0])
    assert np.allclose(ntm.read(memory, w)[0], (w[0, :, None] * memory[0]).sum(0))


def test_head_parameters_land_in_their_ranges():
    rng = np.random.default_rng(3)
    raw = rng.normal(scale=5.0, size=(4, sum(ntm.head_sizes(3, True).values())))
    h = ntm.head_parameters(raw, 3, True)
    assert (h["beta"] > 0).all() and (h["gamma"] >= 1).all()
    assert ((h["g"] > 0) & (h["g"] < 1)).all() and ((h["e"] > 0) & (h["e"] < 1)).all()
    assert np.allclose(h["s"].sum(-1), 1.0) and (np.abs(h["a"]) <= 1).all()
    assert np.allclose(ntm.softplus(np.array([-800.0, 0.0, 800.0])), [0.0, np.log(2), 800.0])


# -- gradients against finite differences --------------------------------------------------


@pytest.mark.parametrize(
    "fn, shapes",
    [
        (ntm.cosine_similarity, [(2, 4, 3), (2, 3)]),
        (ntm.content_weighting, [(2, 4, 3), (2, 3), (2, 1)]),
        (ntm.interpolate, [(2, 4), (2, 4), (2, 1)]),
        (ntm.shift, [(2, 4), (2, 3)]),
        (lambda w, g: ntm.sharpen(w * w + 0.1, g * g + 1.0), [(2, 4), (2, 1)]),
        (ntm.write, [(2, 4, 3), (2, 4), (2, 3), (2, 3)]),
        (ntm.read, [(2, 4, 3), (2, 4)]),
    ],
)
def test_addressing_gradients(fn, shapes):
    rng = np.random.default_rng(4)
    arrays = [rng.normal(size=s) for s in shapes]
    leaves = [Tensor(a) for a in arrays]
    out = fn(*leaves)
    u = rng.normal(size=out.shape)
    (out * u).sum().backward()
    for a, leaf in zip(arrays, leaves):
        num = numerical_gradient(lambda: float((fn(*arrays) * u).sum()), a, eps=1e-5)
        assert relative_error(leaf.grad, num) < 1e-6


@pytest.mark.parametrize("controller", ["lstm", "feedforward"])
def test_whole_ntm_gradient_matches_finite_differences(controller):
    """Every parameter, through controller, both heads, memory writes and reads, over 5 steps."""
    rng = np.random.default_rng(5)
    model = ntm.NTM(4, 3, rng, n_rows=5, width=3, n_hidden=4, controller=controller)
    for v in model.params.values():  # randomize everything, biases included
        v[...] = rng.normal(0.0, 0.5, v.shape)
    batch = ntm.copy_batch(rng, 2, 2, 3)
    loss, grads = model.loss_and_grads(batch.xs, batch.targets, batch.mask)

    def f():
        logits = model.forward(model.params, batch.xs)
        return float(ntm.bit_cross_entropy(logits, batch.targets, batch.mask))

    assert loss == f()
    worst = max(
        relative_error(grads[k], numerical_gradient(f, v, eps=1e-4))
        for k, v in model.params.items()
    )
    assert worst < 1e-6


def test_forward_on_arrays_equals_forward_on_tensors_and_run():
    rng = np.random.default_rng(6)
    model = ntm.NTM(5, 4, rng, n_rows=6, width=3, n_hidden=5)
    batch = ntm.copy_batch(rng, 3, 3, 4)
    plain = model.forward(model.params, batch.xs)
    taped = model.forward({k: Tensor(v) for k, v in model.params.items()}, batch.xs)
    episode = model.run(batch.xs)
    assert np.array_equal(plain, taped.data) and np.array_equal(plain, episode.logits)
    assert episode.memory.shape == (8, 3, 6, 3) and episode.w_read.shape == (7, 3, 6)
    assert np.allclose(episode.w_read.sum(-1), 1.0) and np.allclose(episode.w_write.sum(-1), 1.0)
    with pytest.raises(ValueError, match=r"expects \(T, B, 5\)"):
        model.forward(model.params, np.zeros((3, 2, 4)))
    with pytest.raises(ValueError, match="controller"):
        ntm.NTM(5, 4, rng, controller="gru")


def test_copy_batch_layout():
    b = ntm.copy_batch(np.random.default_rng(7), 4, 3, 5)
    assert b.xs.shape == (7, 4, 6) and b.targets.shape == (7, 4, 5) and b.mask.shape == (7, 4)
    assert np.array_equal(b.xs[3, :, 5], np.ones(4)) and b.xs[:, :, 5].sum() == 4
    assert np.array_equal(b.targets[4:], b.xs[:3, :, :5])
    assert b.mask[4:].all() and not b.mask[:4].any()
    perfect = np.where(b.targets > 0, 10.0, -10.0)
    assert (ntm.bit_errors(perfect, b) == 0).all()
    assert (ntm.bit_errors(-perfect, b) == 15).all()
    with pytest.raises(ValueError, match="length"):
        ntm.copy_batch(np.random.default_rng(0), 1, 0, 5)


# -- saving and loading -------------------------------------------------------------------------


@pytest.mark.parametrize("controller", ["lstm", "feedforward"])
def test_save_and_load_give_back_the_same_machine(tmp_path, controller):
    rng = np.random.default_rng(8)
    model = ntm.NTM(
        5,
        4,
        rng,
        n_rows=6,
        width=3,
        n_hidden=5,
        controller=controller,
        shifts=(-2, 0, 1, 3),
        memory_init=1e-3,
    )
    for v in model.params.values():
        v[...] = rng.normal(size=v.shape)
    path = tmp_path / "m.npz"
    model.save(path, history={"loss": np.arange(3.0)}, config={"lr": 0.5, "name": "x"})
    loaded = ntm.NTM.load(path)
    assert repr(loaded) == repr(model)
    assert loaded.shifts == model.shifts and loaded.memory_init == model.memory_init
    assert set(loaded.params) == set(model.params)
    assert all(np.array_equal(loaded.params[k], v) for k, v in model.params.items())
    xs = ntm.copy_batch(rng, 2, 3, 4).xs
    assert np.array_equal(loaded.forward(loaded.params, xs), model.forward(model.params, xs))
    extras = ntm.saved_extras(path)
    assert set(extras) == {"history", "config"}
    assert np.array_equal(extras["history"]["loss"], np.arange(3.0))
    assert extras["config"]["lr"].item() == 0.5 and extras["config"]["name"].item() == "x"


def test_save_and_load_reject_what_they_cannot_store_or_read(tmp_path):
    model = ntm.NTM(3, 2, np.random.default_rng(0), n_rows=4, width=2, n_hidden=3)
    with pytest.raises(ValueError, match="other than 'ntm' and 'param'"):
        model.save(tmp_path / "a.npz", param={"W": np.zeros(2)})
    with pytest.raises(ValueError, match="dict of arrays"):
        model.save(tmp_path / "a.npz", history=[1, 2])
    with pytest.raises(ValueError, match="without '/'"):
        model.save(tmp_path / "a.npz", history={"a/b": 1.0})
    np.savez(tmp_path / "plain.npz", x=np.zeros(2))
    with pytest.raises(ValueError, match="written by NTM.save"):
        ntm.NTM.load(tmp_path / "plain.npz")
    model.save(tmp_path / "m.npz")
    with np.load(tmp_path / "m.npz") as f:
        arrays = {k: f[k] for k in f.files}
    arrays["param/V"] = np.zeros((5, 5))
    np.savez(tmp_path / "bad.npz", **arrays)
    with pytest.raises(ValueError, match="parameter 'V' has shape"):
        ntm.NTM.load(tmp_path / "bad.npz")
    del arrays["param/V"]
    np.savez(tmp_path / "missing.npz", **arrays)
    with pytest.raises(ValueError, match="holds parameters"):
        ntm.NTM.load(tmp_path / "missing.npz")
