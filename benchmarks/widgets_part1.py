"""Time the Part I widgets' updates (compute + redraw to PNG) with matplotlib's Agg backend.

For each widget, every control is changed in turn (through ``control.value``, as a reader's
click would, so ipywidgets calls the update) to a sequence of values, and each update is timed.
Prints the median and the 90th percentile per control, wall-clock and CPU time.
    python benchmarks/widgets_part1.py [--repeats 5]
"""

from __future__ import annotations

import argparse
import time

import matplotlib

matplotlib.use("Agg")

import numpy as np

from rnnlib.widgets.part1 import GradientDecayWidget, MorphingWidget

SETTINGS = {
    GradientDecayWidget: {
        "norm": [0.25, 0.5, 0.9, 1.0, 1.1, 2.0, 4.0, 8.0],
        "activation": ["sigmoid", "tanh"],
        "T": [5, 50, 100, 200, 50],
        "init": ["uniform", "glorot", "normal", "orthogonal"],
    },
    MorphingWidget: {
        "eps": [1e-6, 1e-4, 1e-2, 1.0, 0.1],
        "t0": [1, 10, 25, 50, 10],
        "norm": [0.25, 0.5, 1.0, 2.0, 4.0, 1.0],
    },
}


def time_updates(widget, name, values, repeats):
    wall, cpu = [], []
    control = widget.controls[name]
    for _ in range(repeats):
        for v in values:
            if control.value == v:  # no change, no update: step away first (untimed)
                others = [o for o in values if o != v]
                control.value = others[0]
            t0, c0 = time.perf_counter(), time.process_time()
            control.value = v  # ipywidgets calls widget.update here
            wall.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)
    return np.array(wall) * 1000, np.array(cpu) * 1000


def main(repeats: int = 5) -> dict:
    results = {}
    for cls, controls in SETTINGS.items():
        widget = cls()
        for name, values in controls.items():
            wall, cpu = time_updates(widget, name, values, repeats)
            results[(cls.__name__, name)] = (np.median(wall), np.percentile(wall, 90), np.median(cpu))
            print(f"{cls.__name__:20s} {name:11s} n={len(wall):3d}  median {np.median(wall):6.1f} ms"
                  f"  p90 {np.percentile(wall, 90):6.1f} ms  median CPU {np.median(cpu):6.1f} ms")
    overall = np.median([r[0] for r in results.values()])
    print(f"median of the medians: {overall:.1f} ms (target: each median < 50 ms)")
    return results


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    main(parser.parse_args().repeats)
