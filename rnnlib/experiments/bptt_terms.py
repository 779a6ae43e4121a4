"""How the per-step terms of dL/dW compare: the recent steps' sum against the earlier steps'
sum, in size and in direction, over several seeds, with the cosine that random vectors of the
same dimension give as the baseline (chapter 3)."""

from __future__ import annotations

import numpy as np

from .part1 import per_step_contributions, vanilla_with_norm


def recent_early_split(seed: int, T: int = 30, n: int = 32, n_in: int = 4, B: int = 8,
                       recent: int = 5, norm: float = 1.0) -> dict[str, float | np.ndarray]:
    """A tanh RNN (orthogonal W rescaled to ``||W||_2 = norm``) on random inputs, a loss on the
    last state only (random ``dL/ds_T``, (B, n)). Returns ``sizes`` (T,) the norm of each
    step's term of dL/dW, ``size_ratio`` ``||recent sum|| / ||earlier sum||`` and ``cosine``
    between the sum of the last ``recent`` terms and the sum of the others."""
    if not 0 < recent < T:
        raise ValueError(f"recent must lie in 1..T-1 = 1..{T - 1}, got {recent}")
    rng = np.random.default_rng(seed)
    cell = vanilla_with_norm(n_in, n, norm, rng, "tanh", "orthogonal")
    xs = rng.normal(size=(T, B, n_in))
    dL = np.zeros((T, B, n))
    dL[-1] = rng.normal(size=(B, n))
    parts = per_step_contributions(cell, xs, dL)  # (T, n, n)
    late, early = parts[-recent:].sum(axis=0), parts[:-recent].sum(axis=0)
    size_late, size_early = np.linalg.norm(late), np.linalg.norm(early)
    return {"parts": parts, "sizes": np.linalg.norm(parts, axis=(1, 2)),
            "size_ratio": float(size_late / size_early),
            "cosine": float((late * early).sum() / (size_late * size_early))}


def random_cosines(dim: int, draws: int = 2000, seed: int = 0) -> np.ndarray:
    """Cosines between ``draws`` pairs of independent standard normal vectors of size ``dim``:
    what "unrelated directions" look like in that dimension (spread about 1/sqrt(dim))."""
    rng = np.random.default_rng(seed)
    a, b = rng.standard_normal((2, draws, dim))
    return (a * b).sum(-1) / (np.linalg.norm(a, axis=-1) * np.linalg.norm(b, axis=-1))
