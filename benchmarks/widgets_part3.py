"""Time one update of each Part III widget: compute, draw the figure, render it (Agg), close it.

    python benchmarks/widgets_part3.py          # prints the median per widget; exit 1 if >= 50 ms

An update is what a slider move costs in a kernel: the pure view function, the plot function,
and rendering the figure to pixels. Slider values sweep typical and extreme settings.
"""

from __future__ import annotations

import sys
import time

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np

from rnnlib.experiments.part3 import copy_episode, load_ntm
from rnnlib.plots.part3 import plot_ntm_step
from rnnlib.widgets.part3 import draw_depth, ntm_step_view

LIMIT_MS = 50.0


def timed(update, settings, repeats: int = 1) -> np.ndarray:
    """Milliseconds per call of ``update(**s)`` (figure drawn and closed) for every setting."""
    times = []
    for _ in range(repeats):
        for s in settings:
            start = time.perf_counter()
            fig = update(**s)
            fig.canvas.draw()
            plt.close(fig)
            times.append(1000 * (time.perf_counter() - start))
    return np.array(times)


def main() -> int:
    draw_depth(100, -2.0, 0.8)  # warm up caches (weights for each setting are drawn once)
    depth_settings = [
        {"depth": d, "gate_bias": b, "init_scale": s}
        for d in (10, 50, 100, 200) for b in (-8.0, -2.0, 0.0, 4.0) for s in (0.4, 0.8, 1.6)
    ]
    results = {"depth widget (first visit of each setting)": timed(draw_depth, depth_settings),
               "depth widget (settings visited before)": timed(draw_depth, depth_settings)}

    _, model, _ = load_ntm()
    batch, episode = copy_episode(model, 8, seed=3)
    steps = [{"t": t} for t in range(episode.w_read.shape[0])]
    results["NTM episode widget"] = timed(
        lambda t: plot_ntm_step(ntm_step_view(batch, episode, t)), steps, repeats=2)

    worst = 0.0
    for name, ms in results.items():
        print(f"{name:45s} median {np.median(ms):6.1f} ms   max {ms.max():6.1f} ms   ({len(ms)} updates)")
        worst = max(worst, float(np.median(ms)))
    return 0 if worst < LIMIT_MS else 1


if __name__ == "__main__":
    sys.exit(main())
