"""rnnlib.bench: a measurement in a fresh process, and the scaling table it prints. No time is
asserted (a wall-clock sample depends on the machine's load), only what is measured and shown."""

from rnnlib import autograd, bench, unroll


def test_a_measurement_in_a_fresh_process_gives_wall_cpu_and_memory():
    """The subprocess path (the code string, its output) on the costliest kind: BPTT with the
    collector left running, which patches the engine in that process only."""
    wall, cpu, rss = bench.in_fresh_process_with_memory("rnnlib-gc", (3, 2, 2, 3), 1)
    assert wall > 0 and cpu >= 0
    assert rss > 10  # MB: a Python process with numpy loaded


def test_bench_scaling_table_prints_per_step_times_and_the_ratio(monkeypatch, capsys):
    """``python -m rnnlib.bench --scaling`` runs (here on short sequences, to stay quick; each
    row measured in this process, the fresh-process path is tested above); no time is
    asserted, only that each row and the ratio line are there."""
    # measure("rnnlib-gc") swaps the engine's collector pause for a no-op in its process:
    # monkeypatch puts the real one back after this test.
    monkeypatch.setattr(autograd, "collector_paused", autograd.collector_paused)
    monkeypatch.setattr(unroll, "collector_paused", unroll.collector_paused)
    measured = []

    def in_this_process(what, size, repeats):
        measured.append((what, size[0]))
        wall, cpu = bench.measure(what, size, repeats)
        return wall, cpu, 100.0

    monkeypatch.setattr(bench, "in_fresh_process_with_memory", in_this_process)
    monkeypatch.setattr(bench, "SCALING_LENGTHS", (3, 6))
    bench.main(["--scaling", "--quick"])
    out = capsys.readouterr().out
    assert measured == [("rnnlib", 3), ("rnnlib-gc", 3), ("rnnlib", 6), ("rnnlib-gc", 6)]
    rows = [line for line in out.splitlines() if line.strip().startswith(("3 |", "6 |"))]
    assert len(rows) == 2 and all(len(r.split("|")) == 5 for r in rows)
    assert "ratio T = 6 / T = 3 per step: wall" in out and "with the collector running" in out
