"""Time every widget of the book as a reader drives it: one update = compute + redraw + PNG.

For each control of each widget, set it to a few values (a slider's ends and middle, every
option of a dropdown or toggle) and time the whole update that the change triggers. Prints
the median and slowest update per widget, in wall-clock and CPU milliseconds (CPU time is
what an update costs on an idle machine; wall time what it cost at this moment).

With ``--static``, time instead what the site build adds per widget: the precomputation of
its grid (rnnlib.widgets.static), with the number of settings, frames and the payload's size.

Run: python benchmarks/widgets.py [--static] [name ...]
"""

from __future__ import annotations

import statistics
import sys
import time

import matplotlib

matplotlib.use("Agg")

from rnnlib.widgets import LiveWidget
from rnnlib.widgets.registry import WIDGETS


def values_to_try(control) -> list:
    """A few values a reader might pick: the ends and the middle, or every option."""
    options = getattr(control, "options", None)
    if options:
        labels_and_values = [o[1] if isinstance(o, tuple) else o for o in options]
        return [v for v in labels_and_values if v != control.value] + [control.value]
    if hasattr(control, "min") and hasattr(control, "max"):
        lo, hi, start = control.min, control.max, control.value
        mid = type(start)((lo + hi) / 2)
        return [hi, mid, lo, start]
    if isinstance(control.value, bool):
        return [not control.value, control.value]
    return []


def time_widget(widget: LiveWidget) -> tuple[list[float], list[float]]:
    wall, cpu = [], []
    for control in widget.controls.values():
        for value in values_to_try(control):
            if value == control.value:
                continue
            t0, c0 = time.perf_counter(), time.process_time()
            control.value = value  # triggers widget.refresh()
            wall.append((time.perf_counter() - t0) * 1000)
            cpu.append((time.process_time() - c0) * 1000)
    return wall, cpu


def main_static(names: list[str]) -> int:
    from rnnlib.widgets import static

    print(
        f"{'widget':28s} {'settings':>8s} {'frames':>6s} {'ops':>6s} {'gzip KB':>8s} "
        f"{'seconds':>8s} {'cpu s':>6s}"
    )
    total = 0.0
    for name, make in WIDGETS.items():
        if names and name not in names:
            continue
        widget = make()
        c0 = time.process_time()
        result = static.precompute(widget)
        cpu = time.process_time() - c0
        total += result.seconds
        print(
            f"{name:28s} {result.settings:8d} {result.frames:6d} {result.ops:6d} "
            f"{len(result.payload) / 1024:8.0f} {result.seconds:8.1f} {cpu:6.1f}"
        )
    print(f"precomputation in all: {total:.1f} s (wall)")
    return 0


def main(names: list[str]) -> int:
    if names[:1] == ["--static"]:
        return main_static(names[1:])
    print(
        f"{'widget':34s} {'updates':>7s} {'median wall':>12s} {'max wall':>9s} {'median cpu':>11s}"
    )
    worst = 0.0
    for name, make in WIDGETS.items():
        if names and name not in names:
            continue
        wall, cpu = time_widget(make())
        median = statistics.median(wall)
        worst = max(worst, median)
        print(
            f"{name:34s} {len(wall):7d} {median:10.1f}ms {max(wall):7.1f}ms "
            f"{statistics.median(cpu):9.1f}ms"
        )
    print(f"slowest median: {worst:.1f} ms (target: under 50 ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
