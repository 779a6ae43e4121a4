"""Time one update (compute + redraw) of each Part II widget; the median must stay under 50 ms.

Run: python benchmarks/widgets_part2.py
"""

import statistics
import time

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from rnnlib.widgets.part2 import forget_bias_update, playground_update

CASES = {
    "gate playground, prototype pinned (default)": (playground_update, {}),
    "gate playground, lstm, random gates, 400 steps": (
        playground_update, {"cell": "lstm", "mode": "random", "T": 400, "weight_scale": 4.0}),
    "gate playground, gru pinned": (playground_update, {"cell": "gru", "r": 0.2, "z": 0.9}),
    "forget bias, default (T=100)": (forget_bias_update, {}),
    "forget bias, T=300, bias 6": (forget_bias_update, {"forget_bias": 6.0, "T": 300}),
}


def bench(fn, kw, repeats=15):
    """Median wall time and median CPU time (ms) of compute + draw; CPU time is what the
    update costs on an idle machine, wall time what it cost on this one at this moment."""
    wall, cpu = [], []
    for _ in range(repeats):
        t0, c0 = time.perf_counter(), time.process_time()
        _, fig = fn(**kw)
        fig.canvas.draw()  # the redraw the browser would get
        plt.close(fig)
        wall.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
    return statistics.median(wall), statistics.median(cpu)


if __name__ == "__main__":
    for name, (fn, kw) in CASES.items():
        wall, cpu = bench(fn, kw)
        print(f"{name:48s} median wall {wall:6.1f} ms, cpu {cpu:6.1f} ms  "
              f"{'ok' if wall < 50 else 'over 50 ms'}")
