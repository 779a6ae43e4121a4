"""Benchmark: one training step (forward and backward) of rnnlib's BasicLSTM against PyTorch.

Run ``python -m rnnlib.bench`` (``--quick`` for fewer repeats). For each size it times, in a
fresh process, the best (minimum) of several repeats of:

* rnnlib: ``rnnlib.bptt`` of a ``BasicLSTM`` with a loss ``sum_t <R_t, h_t>`` (float64);
* torch ``LSTMCell`` loop: the same computation, a Python loop over ``torch.nn.LSTMCell``;
* torch ``nn.LSTM``: the fused layer (for reference);

in float64 and, for information, float32. PyTorch is optional; without it only rnnlib runs.

``python -m rnnlib.bench --scaling`` times instead how the cost of one step grows with the
sequence length: rnnlib's BasicLSTM at B = 8, n_in = n = 32 for T = 100, 1,000 and 5,000, as
milliseconds per time step (forward and backward), with the ratio T = 5,000 / T = 1,000 (flat
is 1.00), the peak memory of the process, and the same run with Python's cyclic garbage
collector left running during BPTT (what rnnlib did before it paused it).

Threads: numpy's BLAS and torch both read ``OMP_NUM_THREADS``; on a busy machine
``OMP_NUM_THREADS=1 python -m rnnlib.bench`` gives steadier numbers (the load average is
printed, since other processes slow every column).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import subprocess
import sys
import time

import numpy as np

from .cells import BasicLSTM
from .unroll import bptt

SIZES = [  # (T, B, n_in, n_hidden)
    (20, 16, 16, 64),
    (50, 32, 32, 128),
    (100, 64, 64, 256),
]
SCALING_LENGTHS = (100, 1000, 5000)
SCALING_SIZE = (8, 32, 32)  # B, n_in, n_hidden


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


def measure(what: str, size: tuple[int, int, int, int], repeats: int) -> tuple[float, float]:
    """Best (wall, CPU) seconds of one kind of step: ``rnnlib``, ``rnnlib-gc`` (the cyclic
    garbage collector left running), or ``torch-<loop|fused>-<f64|f32>``."""
    if what == "rnnlib":
        return best_time(rnnlib_step(*size), repeats)
    if what == "rnnlib-gc":
        import contextlib

        from . import autograd, unroll

        # undo the pause for this (fresh) process only: what BPTT cost before it
        autograd.collector_paused = unroll.collector_paused = contextlib.nullcontext
        return best_time(rnnlib_step(*size), repeats)
    import torch

    _, kind, precision = what.split("-")
    loop, fused = torch_steps(torch, *size, torch.float64 if precision == "f64" else torch.float32)
    return best_time(loop if kind == "loop" else fused, repeats)


def in_fresh_process(
    what: str, size: tuple[int, int, int, int], repeats: int
) -> tuple[float, float]:
    """:func:`measure` in a new Python process.

    Each measurement gets a process of its own: in one long-lived process the same numpy step
    took either about 45 or about 90 ms here depending on what had run before (importing torch
    doubled it, and so, in some runs, did timing other sizes first), which no fair table can
    absorb. A fresh process gives the steady value.
    """
    wall, cpu, _ = in_fresh_process_with_memory(what, size, repeats)
    return wall, cpu


def in_fresh_process_with_memory(
    what: str, size: tuple[int, int, int, int], repeats: int
) -> tuple[float, float, float]:
    """:func:`in_fresh_process`, plus the peak resident memory of that process in MB."""
    code = (
        f"import resource; from rnnlib.bench import measure; "
        f"print(*measure({what!r}, {tuple(size)!r}, {repeats}), "
        f"resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    wall, cpu, rss_kb = out.stdout.split()
    return float(wall), float(cpu), float(rss_kb) / 1024.0


def scaling(repeats: int) -> dict[int, dict[str, float]]:
    """Per-step cost of rnnlib's BPTT at each of :data:`SCALING_LENGTHS`: best wall and CPU
    milliseconds per time step, peak memory (MB), and the CPU ms per step with the garbage
    collector running. Each number comes from a fresh process."""
    B, n_in, n = SCALING_SIZE
    rows = {}
    for T in SCALING_LENGTHS:
        r = max(1, repeats if T <= 1000 else repeats // 2)  # a T = 5,000 step takes seconds
        wall, cpu, rss = in_fresh_process_with_memory("rnnlib", (T, B, n_in, n), r)
        _, cpu_gc, _ = in_fresh_process_with_memory("rnnlib-gc", (T, B, n_in, n), r)
        rows[T] = {
            "wall": wall * 1e3 / T,
            "cpu": cpu * 1e3 / T,
            "rss": rss,
            "cpu_gc": cpu_gc * 1e3 / T,
        }
    return rows


def print_scaling(repeats: int) -> None:
    B, n_in, n = SCALING_SIZE
    print(
        f"numpy {np.__version__}; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} "
        f"cores; OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', 'unset')}; BasicLSTM, "
        f"B = {B}, n_in = {n_in}, n = {n}; each number measured in a fresh process"
    )
    print(
        "best time of one BPTT (forward + backward) per time step, milliseconds; peak memory "
        "of the process; the last column with the garbage collector running during BPTT"
    )
    header = (
        f"{'T':>6} | {'wall ms/step':>12} | {'CPU ms/step':>11} | {'peak MB':>7} | "
        f"{'CPU ms/step, gc on':>18}"
    )
    print(header)
    print("-" * len(header))
    rows = scaling(repeats)
    for T, r in rows.items():
        print(
            f"{T:>6} | {r['wall']:12.3f} | {r['cpu']:11.3f} | {r['rss']:7.0f} | {r['cpu_gc']:18.3f}"
        )
    a, b = rows[SCALING_LENGTHS[-2]], rows[SCALING_LENGTHS[-1]]
    print(
        f"ratio T = {SCALING_LENGTHS[-1]:,} / T = {SCALING_LENGTHS[-2]:,} per step: wall "
        f"{b['wall'] / a['wall']:.2f}, CPU {b['cpu'] / a['cpu']:.2f}; with the collector "
        f"running, CPU {b['cpu_gc'] / a['cpu_gc']:.2f}. Memory per step: "
        f"{(b['rss'] - a['rss']) * 1024 / (SCALING_LENGTHS[-1] - SCALING_LENGTHS[-2]):.0f} KB"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats")
    parser.add_argument(
        "--scaling",
        action="store_true",
        help="time per step at T = 100, 1,000 and 5,000 instead of the torch table",
    )
    args = parser.parse_args(argv)
    repeats = 3 if args.quick else 7
    if args.scaling:
        print_scaling(repeats)
        return
    has_torch = importlib.util.find_spec("torch") is not None
    if not has_torch:
        print(
            "PyTorch is not installed: timing rnnlib only. For the comparison: "
            "pip install torch==2.13.0 (CPU)."
        )
    header = f"{'T, B, n_in, n':>20} | {'rnnlib f64':>10}"
    if has_torch:
        header += (
            f" | {'LSTMCell f64':>12} | {'nn.LSTM f64':>11} | {'LSTMCell f32':>12} | "
            f"{'nn.LSTM f32':>11} | {'ratio wall':>10} | {'ratio cpu':>9}"
        )
    print(
        f"numpy {np.__version__}; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} "
        f"cores; OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', 'unset')}; each number "
        f"measured in a fresh process"
    )
    print(
        "best wall time of one training step (forward + backward), milliseconds; ratios are "
        "rnnlib / torch LSTMCell loop in float64, by wall time and by CPU time"
    )
    print(header)
    print("-" * len(header))
    for size in SIZES:
        wall, cpu = in_fresh_process("rnnlib", size, repeats)
        row = f"{', '.join(map(str, size)):>20} | {wall * 1e3:10.1f}"
        if has_torch:
            t = {
                what: in_fresh_process(what, size, repeats)
                for what in (
                    "torch-loop-f64",
                    "torch-fused-f64",
                    "torch-loop-f32",
                    "torch-fused-f32",
                )
            }
            loop_wall, loop_cpu = t["torch-loop-f64"]
            row += (
                f" | {loop_wall * 1e3:12.1f} | {t['torch-fused-f64'][0] * 1e3:11.1f}"
                f" | {t['torch-loop-f32'][0] * 1e3:12.1f} | {t['torch-fused-f32'][0] * 1e3:11.1f}"
                f" | {wall / loop_wall:10.2f} | {cpu / loop_cpu:9.2f}"
            )
        print(row, flush=True)


if __name__ == "__main__":
    main()
