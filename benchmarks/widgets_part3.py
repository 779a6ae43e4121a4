"""Time one update of each Part III widget: compute, update the figure, encode its PNG.

    python benchmarks/widgets_part3.py          # prints the median per widget; exit 1 if >= 50 ms

An update is what a slider move costs in a kernel: the slider's callback runs the pure view
function, updates the figure and encodes the PNG that the browser shows. Slider values sweep
typical and extreme settings, one slider at a time. Medians are wall-clock (what a reader waits);
CPU time is printed too, since a busy machine inflates wall-clock time.
"""

from __future__ import annotations

import sys
import time

import matplotlib

matplotlib.use("Agg")

import numpy as np

from rnnlib.experiments.part3 import copy_episode, load_ntm
from rnnlib.widgets.part3 import depth_widget, ntm_step_widget

LIMIT_MS = 50.0


def timed(update, values) -> tuple[np.ndarray, np.ndarray]:
    """Wall-clock and CPU milliseconds of ``update(v)`` for every value (one slider move each)."""
    wall, cpu = [], []
    for v in values:
        w0, c0 = time.perf_counter(), time.process_time()
        update(v)
        wall.append(1000 * (time.perf_counter() - w0))
        cpu.append(1000 * (time.process_time() - c0))
    return np.array(wall), np.array(cpu)


def main() -> int:
    explorer = depth_widget()
    c = explorer.controls
    # one slider at a time, as a reader moves them: typical values and both ends of each range
    moves = ([("depth", d) for d in (10, 50, 100, 150, 200, 100)]
             + [("gate_bias", b) for b in (-8.0, -6.0, -4.0, -2.0, 0.0, 2.0, 4.0, -2.0)]
             + [("init_scale", s) for s in (0.4, 0.8, 1.2, 1.6, 0.8)])

    def move(m):
        c[m[0]].value = m[1]

    results = {"depth widget, first visit of each setting": timed(move, moves),
               "depth widget, settings seen before": timed(move, moves)}

    _, model, _ = load_ntm()
    batch, episode = copy_episode(model, 8, seed=3)
    steps = ntm_step_widget(batch, episode)
    T = episode.w_read.shape[0]

    def step(t):
        steps.slider.value = t

    results["NTM episode widget"] = timed(step, [*range(1, T), *range(T - 2, -1, -1)])

    worst = 0.0
    print(f"{'update of':42s} {'median wall':>12s} {'median CPU':>11s} {'max wall':>9s}  n")
    for name, (wall, cpu) in results.items():
        print(f"{name:42s} {np.median(wall):9.1f} ms {np.median(cpu):8.1f} ms {wall.max():6.1f} ms  {len(wall)}")
        worst = max(worst, float(np.median(wall)))
    return 0 if worst < LIMIT_MS else 1


if __name__ == "__main__":
    sys.exit(main())
