"""rnnlib.model.Model: its parameters (the cell's arrays and the readout), loss and gradients
with the BPTT result, and truncated windows that add up to the full loss."""

import numpy as np
import pytest

import rnnlib
from rnnlib.model import Model
from rnnlib.tasks import CopyTask, EmbeddedReber


def test_model_params_share_arrays_with_the_cell():
    rng = np.random.default_rng(0)
    cell = rnnlib.GRU(3, 5, rng)
    model = Model(cell, 2, rng)
    assert set(model.params) == set(cell.params) | {"V", "c"}
    assert model.params["W"] is cell.params["W"]
    assert model.params["V"].shape == (2, 5) and model.params["c"].shape == (2,)
    assert model.predict(rng.normal(size=(4, 6, 3))).shape == (4, 6, 2)


def test_model_loss_and_grads_returns_the_bptt_result():
    rng = np.random.default_rng(1)
    task = EmbeddedReber()
    model = Model(rnnlib.BasicLSTM(task.n_in, 8, rng), task.n_out, rng)
    batch = task.sample(rng, 4)
    loss, grads, res = model.loss_and_grads(batch, task.kind)
    assert set(grads) == set(model.params)
    assert isinstance(res, rnnlib.BPTTResult) and res.loss == loss
    assert len(res.state_grads) == batch.xs.shape[0] + 1
    assert loss == pytest.approx(model.loss(batch, task.kind), rel=1e-12)
    assert 0.0 <= model.accuracy(batch) <= 1.0


def test_truncated_loss_equals_full_loss():
    """Windows are scaled so their losses add up to the sequence's mean loss."""
    rng = np.random.default_rng(2)
    task = CopyTask(length=3, delay=4)
    model = Model(rnnlib.BasicLSTM(task.n_in, 6, rng), task.n_out, rng)
    batch = task.sample(rng, 3)
    full, *_ = model.loss_and_grads(batch, task.kind)
    for k in (1, 3, 4, 20):
        cut, *_ = model.loss_and_grads(batch, task.kind, truncate=k)
        assert cut == pytest.approx(full, rel=1e-12)
