"""Benchmark: one training step (forward and backward) of rnnlib's BasicLSTM against PyTorch.

Run ``python -m rnnlib.bench`` (``--quick`` for fewer repeats). For each size it times, in the
same process, the best (minimum) of several repeats of:

* rnnlib: ``rnnlib.bptt`` of a ``BasicLSTM`` with a loss ``sum_t <R_t, h_t>`` (float64);
* torch ``LSTMCell`` loop: the same computation, a Python loop over ``torch.nn.LSTMCell``;
* torch ``nn.LSTM``: the fused layer (for reference);

in float64 and, for information, float32. PyTorch is optional; without it only rnnlib runs.

Threads: numpy's BLAS and torch both read ``OMP_NUM_THREADS``; on a busy machine
``OMP_NUM_THREADS=1 python -m rnnlib.bench`` gives steadier numbers (the load average is
printed, since other processes slow every column).
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

from .cells import BasicLSTM
from .unroll import bptt

SIZES = [  # (T, B, n_in, n_hidden)
    (20, 16, 16, 64),
    (50, 32, 32, 128),
    (100, 64, 64, 256),
]


def best_time(fn, repeats: int) -> tuple[float, float]:
    """Shortest wall time and shortest CPU time (this process) of ``fn()``, in seconds.

    The minimum, as ``timeit`` advises: other processes only ever add time. On a busy
    machine the CPU time is the steadier of the two (with one thread it excludes waiting).
    """
    fn()
    walls, cpus = [], []
    for _ in range(repeats):
        start, cpu = time.perf_counter(), time.process_time()
        fn()
        cpus.append(time.process_time() - cpu)
        walls.append(time.perf_counter() - start)
    return min(walls), min(cpus)


def rnnlib_step(T: int, B: int, n_in: int, n: int):
    rng = np.random.default_rng(0)
    cell = BasicLSTM(n_in, n, rng)
    xs = rng.normal(size=(T, B, n_in))
    weights = rng.normal(size=(T, B, n))

    def step():
        return bptt(cell, xs, lambda out, window, extra: (out * weights[window]).sum())

    return step


def torch_steps(torch, T: int, B: int, n_in: int, n: int, dtype):
    gen = torch.Generator().manual_seed(0)
    xs = torch.randn(T, B, n_in, generator=gen, dtype=dtype)
    weights = torch.randn(T, B, n, generator=gen, dtype=dtype)
    cell = torch.nn.LSTMCell(n_in, n).to(dtype)
    layer = torch.nn.LSTM(n_in, n).to(dtype)

    def cell_loop():
        cell.zero_grad()
        h = torch.zeros(B, n, dtype=dtype)
        c = torch.zeros(B, n, dtype=dtype)
        outs = []
        for x in xs:
            h, c = cell(x, (h, c))
            outs.append(h)
        (torch.stack(outs) * weights).sum().backward()

    def fused():
        layer.zero_grad()
        out, _ = layer(xs)
        (out * weights).sum().backward()

    return cell_loop, fused


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats")
    args = parser.parse_args(argv)
    repeats = 3 if args.quick else 7
    try:
        import torch
    except ImportError:
        torch = None
        print("PyTorch is not installed: timing rnnlib only. For the comparison: "
              "pip install torch==2.13.0 (CPU).")

    header = f"{'T, B, n_in, n':>20} | {'rnnlib f64':>10}"
    if torch is not None:
        print(f"torch {torch.__version__}, {torch.get_num_threads()} threads; numpy {np.__version__}")
        header += (f" | {'LSTMCell f64':>12} | {'nn.LSTM f64':>11} | {'LSTMCell f32':>12} | "
                   f"{'nn.LSTM f32':>11} | {'ratio wall':>10} | {'ratio cpu':>9}")
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; "
          f"OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', 'unset')}")
    print("best wall time of one training step (forward + backward), milliseconds; ratios are "
          "rnnlib / torch LSTMCell loop in float64, by wall time and by CPU time")
    print(header)
    print("-" * len(header))
    for T, B, n_in, n in SIZES:
        ours, ours_cpu = best_time(rnnlib_step(T, B, n_in, n), repeats)
        row = f"{f'{T}, {B}, {n_in}, {n}':>20} | {ours * 1e3:10.1f}"
        if torch is not None:
            times = {}
            for label, dtype in (("f64", torch.float64), ("f32", torch.float32)):
                loop, fused = torch_steps(torch, T, B, n_in, n, dtype)
                times[label] = (best_time(loop, repeats), best_time(fused, repeats))
            (loop64, loop64_cpu), (fused64, _) = times["f64"]
            (loop32, _), (fused32, _) = times["f32"]
            row += (f" | {loop64 * 1e3:12.1f} | {fused64 * 1e3:11.1f}"
                    f" | {loop32 * 1e3:12.1f} | {fused32 * 1e3:11.1f}"
                    f" | {ours / loop64:10.2f} | {ours_cpu / loop64_cpu:9.2f}")
        print(row, flush=True)


if __name__ == "__main__":
    main()
