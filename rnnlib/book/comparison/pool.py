"""Running many independent training runs, in one process or in a pool of worker processes.

A run is a pure function of its job (a dict of plain values), so the order and the process it
runs in do not change its numbers: on one machine a run gives the same bits sequentially or in
a worker (``tests/book/comparison/test_comparison_pool.py`` checks it). Used by the comparison
and by the long-lag experiment.
"""

from __future__ import annotations

import time
from collections.abc import Callable


def map_jobs(
    run: Callable[[dict], dict],
    jobs: list[dict],
    workers: int = 1,
    cost: Callable[[dict], float] | None = None,
    report: Callable[[int, int, dict, float], None] | None = None,
) -> list[dict]:
    """``[run(job) for job in jobs]``, in ``workers`` processes if more than one.

    The jobs start in order of decreasing ``cost(job)`` (a rough estimate), so that a pool ends
    together; the results come back in the order of ``jobs``. ``report(count, total, result,
    seconds)`` is called as each run finishes. ``run`` must be a module-level function (the
    workers are fresh interpreters, started with "spawn", that import it).
    """
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ValueError(f"workers must be a positive integer, got {workers!r}")
    order = list(range(len(jobs)))
    if cost is not None:
        order.sort(key=lambda k: -cost(jobs[k]))
    results: list[dict | None] = [None] * len(jobs)
    start = time.perf_counter()
    if workers == 1:
        for count, k in enumerate(order, 1):
            results[k] = run(jobs[k])
            if report:
                report(count, len(jobs), results[k], time.perf_counter() - start)
        return results  # type: ignore[return-value]
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    # "spawn": fresh interpreters that read OMP_NUM_THREADS=1 (set by the command line) before
    # numpy loads.
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        futures = {pool.submit(run, jobs[k]): k for k in order}
        for count, future in enumerate(as_completed(futures), 1):
            k = futures[future]
            results[k] = future.result()
            if report:
                report(count, len(jobs), results[k], time.perf_counter() - start)
    return results  # type: ignore[return-value]
