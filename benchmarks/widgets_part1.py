"""Time the Part I widgets' updates (compute + redraw + PNG) with matplotlib's Agg backend.

For each widget, every control is changed in turn (through ``control.value``, as a reader's
click would, so the widget recomputes and redraws) to a sequence of values, and each update is
timed. Prints the median and the 90th percentile per control, in wall-clock and CPU time (CPU
time is what an update costs on an idle machine; wall time what it cost at this moment).
    python benchmarks/widgets_part1.py [--repeats 5]
"""

from __future__ import annotations

import argparse
import time

import matplotlib

matplotlib.use("Agg")

import numpy as np

from rnnlib.widgets.part1 import gradient_decay_widget, morphing_widget

SETTINGS = {
    "gradient decay (ch. 2)": (gradient_decay_widget, {
        "norm": [0.25, 0.5, 0.9, 1.0, 1.1, 2.0, 4.0, 8.0],
        "activation": ["sigmoid", "tanh"],
        "T": [5, 50, 100, 200, 50],
        "init": ["uniform", "glorot", "normal", "orthogonal"],
    }),
    "morphing (ch. 2)": (morphing_widget, {
        "eps": [1e-6, 1e-4, 1e-2, 1.0, 0.1],
        "t0": [1, 10, 25, 50, 10],
        "norm": [0.25, 0.5, 1.0, 2.0, 4.0, 1.0],
    }),
}


def time_updates(widget, name, values, repeats):
    wall, cpu = [], []
    control = widget.controls[name]
    for _ in range(repeats):
        for v in values:
            if control.value == v:  # no change, no update: step away first (untimed)
                control.value = next(o for o in values if o != v)
            t0, c0 = time.perf_counter(), time.process_time()
            control.value = v  # the widget recomputes, redraws and makes the PNG here
            wall.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)
    return np.array(wall) * 1000, np.array(cpu) * 1000


def main(repeats: int = 5) -> dict:
    results = {}
    for label, (make, controls) in SETTINGS.items():
        widget = make()
        for name, values in controls.items():
            wall, cpu = time_updates(widget, name, values, repeats)
            results[(label, name)] = (np.median(wall), np.percentile(wall, 90), np.median(cpu))
            print(f"{label:24s} {name:11s} n={len(wall):3d}  median {np.median(wall):6.1f} ms"
                  f"  p90 {np.percentile(wall, 90):6.1f} ms  median CPU {np.median(cpu):6.1f} ms")
    worst = max(r[0] for r in results.values())
    print(f"slowest median (wall): {worst:.1f} ms (target: each median < 50 ms)")
    return results


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    main(parser.parse_args().repeats)
