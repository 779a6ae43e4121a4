"""Train the character models of the chapter "An LSTM that writes text" and save checkpoints.

    python scripts/train_char_model.py          # the committed run (rnnlib/data/char_model/)
    python scripts/train_char_model.py --kinds lstm &
    python scripts/train_char_model.py --kinds vanilla   # the same, in two processes
    python scripts/train_char_model.py --steps 30 --checkpoints 10 30 --out /tmp/cm  # short

An LSTM of 64 units and a vanilla RNN with the same number of parameters (within 1 %) learn to
predict the next character of 30 modules of this Python's standard library (rnnlib's CharLM
task: random windows of 100 characters, truncated BPTT in windows of 50, Adam, clipping).
Weights at three checkpoints (early, middle, late) are saved as float16 (small package data);
the log records the configuration, the Python version and files, the loss per step, the wall
time and the validation bits per character of the saved (float16) weights against unigram and
bigram baselines. Same seed, same numbers on one machine. The code is in
rnnlib/book/char_model.py.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from dataclasses import asdict
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # small matrices: one thread is much faster
os.environ.setdefault("OMP_NUM_THREADS", "1")  # here (measured: 0.2 s vs 1.3-2.9 s a step)

import numpy as np

from rnnlib.book import char_model


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=char_model.CharConfig.steps)
    parser.add_argument("--checkpoints", type=int, nargs="+", default=None)
    parser.add_argument("--kinds", nargs="+", default=["lstm", "vanilla"])
    parser.add_argument("--out", type=Path, default=char_model.DATA)
    parser.add_argument("--no-progress", action="store_true")
    args = parser.parse_args(argv)
    checkpoints = tuple(args.checkpoints) if args.checkpoints else char_model.CharConfig.checkpoints
    if checkpoints[-1] != args.steps:
        checkpoints = tuple(c for c in checkpoints if c < args.steps) + (args.steps,)
    cfg = char_model.CharConfig(steps=args.steps, checkpoints=checkpoints)
    args.out.mkdir(parents=True, exist_ok=True)
    corpus = char_model.stdlib_corpus()
    task = char_model.char_task(corpus, cfg.seq_len)
    valid = char_model.encode(task, corpus.valid)
    train_codes = task.codes
    print(
        f"Python {corpus.python}: {len(corpus.train)} training and {len(valid)} held-out "
        f"characters, vocabulary {task.n_in}",
        flush=True,
    )
    record = {
        "config": asdict(cfg),
        "python": corpus.python,
        "train_files": list(corpus.train_files),
        "valid_files": list(corpus.valid_files),
        "train_chars": len(corpus.train),
        "valid_chars": len(valid),
        "vocab": task.n_in,
        "baselines_bits": {
            "unigram": char_model.ngram_bits(train_codes, valid, task.n_in, 0),
            "bigram": char_model.ngram_bits(train_codes, valid, task.n_in, 1),
        },
        "models": {},
    }
    for kind in args.kinds:
        start = time.perf_counter()

        def save(model, saved, history, kind=kind, start=start):
            # Called at every checkpoint, so a run stopped early keeps what it reached.
            bits, params_now = {}, {k: v.copy() for k, v in model.params.items()}
            for step, params in saved.items():
                for name, value in model.params.items():  # evaluate the float16 weights we ship
                    value[...] = params[name].astype(np.float16).astype(np.float64)
                bits[str(step)] = char_model.model_bits(model, valid, cfg.seq_len)
            for name, value in model.params.items():
                value[...] = params_now[name]
            record["models"][kind] = {
                "n_hidden": model.cell.n_hidden,
                "n_params": model.n_params,
                "steps_done": history.steps,
                "minutes": (time.perf_counter() - start) / 60,
                "valid_bits": bits,
                "loss_every_10": history.loss[::10].round(5).tolist(),
                "seconds_per_step": float(history.wall_time[-1] / history.steps),
            }
            # One file pair per model, so the two can train in parallel processes (--kinds).
            char_model.save_weights(args.out / f"{kind}.npz", {kind: saved})
            one = {**record, "models": {kind: record["models"][kind]}}
            (args.out / f"{kind}.json").write_text(json.dumps(one, indent=1) + "\n")
            print(
                f"{kind}: {model.n_params} parameters, {history.steps} steps in "
                f"{record['models'][kind]['minutes']:.1f} min; validation bits/char {bits}",
                flush=True,
            )

        char_model.train_with_checkpoints(
            kind, task, cfg, progress=not args.no_progress, on_checkpoint=save
        )
    print("baselines", record["baselines_bits"], file=sys.stderr)


if __name__ == "__main__":
    main()
