"""The comparison's command line: ``python -m rnnlib.book.comparison``.

::

    python -m rnnlib.book.comparison --quick     # seconds; writes compare_quick.*
    python -m rnnlib.book.comparison --full      # both cores, minutes; compare_full.*
    python -m rnnlib.book.comparison --full --out DIR    # write into DIR instead
    python -m rnnlib.book.comparison --quick --check     # rerun, compare, write nothing
"""

from __future__ import annotations

import os
import sys

from .config import FULL, QUICK
from .results import RTOL, load_results, max_relative_difference, save_results
from .run import run_config


def main(argv: list[str] | None = None) -> int:
    """Run a configuration and write its results (or, with ``--check``, compare them)."""
    import argparse

    parser = argparse.ArgumentParser(
        prog="python -m rnnlib.book.comparison",
        description="The empirical comparison of the seven cells (chapter 7): same tasks, data, "
        "seeds and budget.",
    )
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--quick", action="store_true", help="the small configuration (default)")
    which.add_argument("--full", action="store_true", help="the full comparison (minutes)")
    parser.add_argument("--workers", type=int, default=None, help="processes (full: 2)")
    parser.add_argument(
        "--out",
        default=None,
        help="directory for the results (default: rnnlib/data/comparison, the "
        "committed results shipped with rnnlib)",
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="compare with the saved results (in --out, or the committed ones) "
        "instead of overwriting them",
    )
    args = parser.parse_args(argv)
    config = FULL if args.full else QUICK
    os.environ.setdefault("OMP_NUM_THREADS", "1")  # one BLAS thread per worker process
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    # --check reads the saved results first: a missing file fails now, not after the runs
    saved = load_results(config.name, args.out) if args.check else None
    results = run_config(config, workers=args.workers, progress=True)
    print(
        f"{config.name}: {len(results['sweep']) + len(results['runs'])} runs in "
        f"{results['wall_time_s']} s with {results['workers']} worker(s)"
    )
    if saved is not None:
        diff = max_relative_difference(results, saved)
        print(f"largest relative difference from the saved results: {diff:.3g} (tolerance {RTOL})")
        return 0 if diff <= RTOL else 1
    for path in save_results(results, args.out).values():
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
