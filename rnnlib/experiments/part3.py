"""Experiments of Part III: gradient norms across depth, and the trained Neural Turing Machine."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from ..layers import Stack, draw_normals
from ..ntm import NTM, CopyBatch, Episode, bit_errors, copy_batch

# ---------------------------------------------------------------------------------------
# Depth as time
# ---------------------------------------------------------------------------------------

MAX_DEPTH = 200


@lru_cache(maxsize=16)
def _normals(kind: str, width: int, seed: int) -> list[dict[str, np.ndarray]]:
    return draw_normals(kind, width, MAX_DEPTH, np.random.default_rng(seed))


def deep_stack(kind: str, depth: int, gate_bias: float = -2.0, init_scale: float = 0.8,
               width: int = 32, seed: int = 0) -> Stack:
    """``Stack(kind, width, depth, default_rng(seed), gate_bias, init_scale)``, built from draws
    cached per kind: the first ``depth`` layers of one fixed 200-layer draw, so changing the depth
    adds or removes layers and changes nothing else, and changing the bias or scale draws nothing."""
    if not 1 <= depth <= MAX_DEPTH:
        raise ValueError(f"depth must lie in [1, {MAX_DEPTH}], got {depth}")
    return Stack.from_normals(kind, _normals(kind, width, seed)[:depth], gate_bias, init_scale)


def probe_batch(width: int = 32, batch: int = 8, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """The inputs ``x`` (batch, width) and the readout direction ``u`` (width,) of the experiment."""
    rng = np.random.default_rng([seed, 7])
    return rng.normal(size=(batch, width)), rng.normal(size=width)


def depth_gradients(depth: int = 100, gate_biases=(-6.0, -4.0, -2.0, 0.0), init_scale: float = 0.8,
                    width: int = 32, batch: int = 8, seed: int = 0,
                    method: str = "by_hand") -> dict[str, np.ndarray]:
    """``||dL/dy_l||`` for l = 0..depth, for a plain, a residual and highway stacks (one per bias).

    Keys: ``"plain"``, ``"residual"``, ``"highway b_T=-2"`` and so on.
    """
    x, u = probe_batch(width, batch, seed)
    curves = {}
    for kind in ("plain", "residual"):
        curves[kind] = deep_stack(kind, depth, 0.0, init_scale, width, seed).gradient_norms(x, u, method)
    for b in gate_biases:
        stack = deep_stack("highway", depth, b, init_scale, width, seed)
        curves[f"highway b_T={b:g}"] = stack.gradient_norms(x, u, method)
    return curves


def carry_product(gate_bias: float, depth: int) -> float:
    """``(1 - sigma(b_tau))^depth``: what the carry path alone keeps of a gradient over ``depth``
    layers (``b_tau``, the transform-gate bias, is ``b_T`` in the code).

    Computed in log space, ``exp(-depth * log(1 + e^b))``, so that neither ``1 - sigma(b)`` nor
    the power loses digits; the result underflows to 0 only below about 1e-308.
    """
    return float(np.exp(-depth * np.logaddexp(0.0, gate_bias)))


def weight_spectra(kind: str = "plain", depth: int = 100, init_scale: float = 0.8, width: int = 32,
                   seed: int = 0) -> dict[str, np.ndarray]:
    """Per layer of :func:`deep_stack`: the spectral norm ``||W_l||_2`` (largest singular value)
    and the spectral radius (largest ``|eigenvalue|``) of its weight matrix ``W_l`` (n, n).

    Returns ``{"norm": (depth,), "radius": (depth,), "rms": (depth,)}``, ``rms`` being the
    root-mean-square singular value ``||W_l||_F / sqrt(n)``, the factor by which ``W_l``
    stretches a random direction on average. For entries drawn from N(0, s^2/n) the radius and
    the rms are close to ``s`` but the norm close to ``2 s``: the chapter-2 bound, which needs
    ``gamma ||W|| < 1``, can fail while the products still shrink.
    """
    weights = [p["W"] for p in deep_stack(kind, depth, 0.0, init_scale, width, seed).layers]
    return {"norm": np.array([np.linalg.norm(W, 2) for W in weights]),
            "radius": np.array([np.abs(np.linalg.eigvals(W)).max() for W in weights]),
            "rms": np.array([np.linalg.norm(W) / np.sqrt(W.shape[0]) for W in weights])}


def extended_precision_ratio(kind: str, depth: int, gate_bias: float, init_scale: float = 0.8,
                             width: int = 32, batch: int = 8, seed: int = 0) -> float:
    """``||dL/dy_0|| / ||dL/dy_depth||`` recomputed in ``np.longdouble`` (80-bit extended on x86,
    plain float64 where the platform has nothing wider): a check that a tiny float64 ratio is a
    measurement and not rounding noise."""
    x, u = probe_batch(width, batch, seed)
    stack = deep_stack(kind, depth, gate_bias, init_scale, width, seed)
    for p in stack.layers:
        for k in p:
            p[k] = p[k].astype(np.longdouble)
    norms = stack.gradient_norms(x.astype(np.longdouble), u.astype(np.longdouble))
    return float(norms[0] / norms[-1])


# ---------------------------------------------------------------------------------------
# The Neural Turing Machine on the copy task
# ---------------------------------------------------------------------------------------

WEIGHTS = Path(__file__).resolve().parents[1] / "data" / "ntm_copy_weights.npz"


@dataclass
class NTMConfig:
    """How ``scripts/train_ntm.py`` builds and trains the copy NTM (saved with its weights)."""

    seed: int = 0
    bits: int = 8           # width of each random vector
    min_length: int = 1     # training lengths are drawn uniformly from [min_length, max_length]
    max_length: int = 8
    n_rows: int = 20        # memory N x M
    width: int = 8
    n_hidden: int = 64      # LSTM controller
    batch: int = 16
    lr: float = 3e-3
    clip_norm: float = 10.0
    steps: int = 10000      # upper limit; training stops early once it copies
    eval_every: int = 250
    target_errors: float = 0.01  # stop when held-out bit errors per sequence fall below this
    eval_seed: int = 12345


def make_ntm(cfg: NTMConfig) -> NTM:
    """The untrained machine of ``cfg``, drawn from ``default_rng(cfg.seed)``."""
    rng = np.random.default_rng(cfg.seed)
    return NTM(cfg.bits + 1, cfg.bits, rng, n_rows=cfg.n_rows, width=cfg.width,
               n_hidden=cfg.n_hidden, controller="lstm")


def save_ntm(path, cfg: NTMConfig, model: NTM, history: dict) -> None:
    """Write the config, the parameters and the training history to one ``.npz`` file."""
    arrays = {f"param/{k}": v for k, v in model.params.items()}
    arrays.update({f"history/{k}": np.asarray(v) for k, v in history.items()})
    arrays.update({f"config/{k}": np.array(v) for k, v in asdict(cfg).items()})
    np.savez_compressed(path, **arrays)


def load_ntm(path=None) -> tuple[NTMConfig, NTM, dict]:
    """``(config, trained model, training history)`` from the file ``scripts/train_ntm.py`` saved."""
    path = Path(WEIGHTS if path is None else path)
    if not path.exists():
        raise FileNotFoundError(
            f"no NTM weights at {path}; they ship with rnnlib (rnnlib/data/), so reinstall it, "
            f"or run `python scripts/train_ntm.py` to train them (a few minutes)"
        )
    with np.load(path) as f:
        cfg = NTMConfig(**{k[7:]: f[k].item() for k in f.files if k.startswith("config/")})
        model = make_ntm(cfg)
        for k in model.params:
            model.params[k][...] = f[f"param/{k}"]
        history = {k[8:]: f[k] for k in f.files if k.startswith("history/")}
    return cfg, model, history


def held_out(cfg: NTMConfig, lengths, per_length: int = 64, seed: int | None = None) -> list[CopyBatch]:
    """Evaluation batches, one per length, drawn from ``seed`` (default ``cfg.eval_seed``, the set
    the training script watches to decide when to stop; neither is used for training)."""
    rng = np.random.default_rng(cfg.eval_seed if seed is None else seed)
    return [copy_batch(rng, per_length, int(L), cfg.bits) for L in lengths]


def errors_by_length(model: NTM, batches: list[CopyBatch]) -> dict[int, np.ndarray]:
    """Bit errors of every sequence, grouped by length: ``{length: (B,) array}``."""
    return {b.length: bit_errors(model.forward(model.params, b.xs), b) for b in batches}


def copy_episode(model: NTM, length: int, seed: int = 0, bits: int | None = None) -> tuple[CopyBatch, Episode]:
    """One copy sequence and the machine's recorded run on it (batch of one)."""
    bits = model.n_out if bits is None else bits
    batch = copy_batch(np.random.default_rng(seed), 1, length, bits)
    return batch, model.run(batch.xs)
