"""Execute chapter notebooks in place, in a fresh kernel each, and store their outputs.

The stored outputs are what nbval compares for cells marked ``# NBVAL_CHECK_OUTPUT`` and what a
reader sees on GitHub; the widget state is stored too. Timing metadata is dropped so that a
re-run that prints the same numbers leaves the file unchanged.

    python scripts/execute_chapters.py                 # every chapter
    python scripts/execute_chapters.py chapters/05_*.ipynb
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]


def execute(path: Path) -> float:
    notebook = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    NotebookClient(
        notebook,
        timeout=300,
        kernel_name="python3",
        store_widget_state=True,
        resources={"metadata": {"path": str(path.parent)}},
    ).execute()
    elapsed = time.perf_counter() - start
    for cell in notebook.cells:
        cell.metadata.pop("execution", None)
    nbformat.write(notebook, path)
    return elapsed


def main(args: list[str]) -> int:
    paths = [Path(a) for a in args] or sorted((ROOT / "chapters").glob("*.ipynb"))
    for path in paths:
        print(f"{path.name:40s} {execute(path):5.1f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
