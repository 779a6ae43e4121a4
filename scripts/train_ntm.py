"""Train the Neural Turing Machine of chapter 9 on the copy task and save its weights.

    python scripts/train_ntm.py                              # the committed run (rnnlib/data/)
    python scripts/train_ntm.py --steps 20 --out /tmp/x.npz  # a short run, same first 20 steps

Training takes minutes, too long for a notebook, so the book loads the weights this script saved.
Same seed, same numbers: every random draw comes from generators seeded here, and the
held-out sequences come from their own seed, never used for training. Two runs on one machine
agree bit for bit; another CPU's BLAS kernel rounds a little differently (the first 250 losses
moved by under 1e-15 relative under OpenBLAS's Haswell and SandyBridge kernels).
tests/book/test_ntm_copy.py checks a 20-step run against the committed one; the whole run, bit
for bit, is the opt-in `pytest tests/book/test_ntm_copy.py --regenerate -m regenerate` (about 3
minutes).

The loop is its own, not rnnlib.train.train: that trains an rnnlib Model on an rnnlib task with
one batch shape, while this run draws a new sequence length every step, trains an NTM (not a
Model) and stops early on held-out bit errors. The update is rnnlib.optim's Adam after
rnnlib.optim.clip_by_global_norm; the machine is written by NTM.save (rnnlib/ntm.py).
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import time
from dataclasses import asdict

os.environ.setdefault("OMP_NUM_THREADS", "1")  # small matrices: one thread is fastest and exact

import numpy as np

from rnnlib.book.ntm_copy import NTMConfig, held_out, make_ntm, mean_bit_errors, save_ntm
from rnnlib.ntm import copy_batch
from rnnlib.optim import Adam, clip_by_global_norm

Config = NTMConfig  # the defaults of NTMConfig are the committed run's settings


def train(cfg: Config, log=print):
    """Train and return ``(model, history)``; history holds the loss and grad norm per step."""
    model = make_ntm(cfg)
    rng = np.random.default_rng([cfg.seed, 1])  # the training data stream
    opt = Adam(cfg.lr)
    evals = held_out(cfg, range(cfg.min_length, cfg.max_length + 1))
    losses, norms, lengths, eval_steps, eval_errors = [], [], [], [], []
    start = time.perf_counter()
    gc.disable()  # the graph has reference cycles; collect on our schedule, not mid-step
    try:
        for step in range(1, cfg.steps + 1):
            length = int(rng.integers(cfg.min_length, cfg.max_length + 1))
            batch = copy_batch(rng, cfg.batch, length, cfg.bits)
            loss, grads = model.loss_and_grads(batch.xs, batch.targets, batch.mask)
            if not np.isfinite(loss):
                raise FloatingPointError(f"loss became {loss} at step {step}")
            grads, norm = clip_by_global_norm(grads, cfg.clip_norm)
            opt.step(model.params, grads)
            losses.append(loss)
            norms.append(norm)
            lengths.append(length)
            if step % 50 == 0:
                gc.collect()
            if step % cfg.eval_every == 0:
                err = mean_bit_errors(model, evals)
                eval_steps.append(step)
                eval_errors.append(err)
                log(
                    f"step {step:6d}  loss {np.mean(losses[-cfg.eval_every :]):.4f}  "
                    f"held-out bit errors/seq {err:.3f}  {time.perf_counter() - start:.0f} s"
                )
                if err < cfg.target_errors:
                    break
    finally:
        gc.enable()
    history = {
        "loss": np.array(losses),
        "grad_norm": np.array(norms),
        "length": np.array(lengths),
        "eval_step": np.array(eval_steps),
        "eval_errors": np.array(eval_errors),
        "seconds": np.array(time.perf_counter() - start),
    }
    return model, history


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    defaults = Config()
    for name, value in asdict(defaults).items():
        parser.add_argument(f"--{name.replace('_', '-')}", type=type(value), default=value)
    parser.add_argument("--out", default="rnnlib/data/ntm_copy_weights.npz")
    args = vars(parser.parse_args(argv))
    out = args.pop("out")
    cfg = Config(**args)
    print(cfg, flush=True)
    model, history = train(cfg, log=lambda s: print(s, flush=True))
    save_ntm(out, cfg, model, history)
    print(f"saved {out} after {len(history['loss'])} steps, {float(history['seconds']):.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
