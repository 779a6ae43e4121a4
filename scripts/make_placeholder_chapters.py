"""Create a minimal placeholder for each chapter notebook named in _toc.yml that does not exist.

A placeholder holds the chapter's title and the standard first code cell (see CONTRIBUTING.md),
so that the book builds before every chapter is written. An existing notebook is never touched.

    python scripts/make_placeholder_chapters.py
"""

from __future__ import annotations

import json
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]

TITLES = {
    "chapters/01_rnn_cell": "The RNN cell",
    "chapters/02_vanishing_sensitivity": "Vanishing and exploding sensitivity",
    "chapters/03_bptt": "Backpropagation through time",
    "chapters/04_written_memories": "Written memories",
    "chapters/05_prototype_and_bounded": "The prototype LSTM and three bounded models",
    "chapters/06_lstm_and_peepholes": "The LSTM and its peepholes",
    "chapters/07_comparison": "Comparing the basic LSTM and the pseudo LSTM",
    "chapters/08_highway_residual": "Highway and residual networks",
    "chapters/09_ntm": "Neural Turing Machines",
}

FIRST_CELL = """\
# Make rnnlib importable on Colab or Binder; does nothing where it is already installed.
try:
    import rnnlib
except ImportError:
    %pip install --quiet "rnnlib @ git+{url}"
    import rnnlib"""


def first_cell_source() -> str:
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    return FIRST_CELL.format(url=config["repository"]["url"].rstrip("/"))


def placeholder(title: str) -> dict:
    def lines(text: str) -> list[str]:
        return text.splitlines(keepends=True)

    return {
        "cells": [
            {"cell_type": "markdown", "id": "title", "metadata": {},
             "source": lines(f"# {title}\n\n*This chapter is being written.*")},
            {"cell_type": "code", "execution_count": None, "id": "install-rnnlib", "metadata": {},
             "outputs": [],
             "source": lines(first_cell_source())},
        ],
        "metadata": {
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "language_info": {"name": "python"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def main() -> None:
    for doc, title in TITLES.items():
        path = ROOT / f"{doc}.ipynb"
        if path.exists():
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(placeholder(title), indent=1) + "\n", encoding="utf-8")
        print(f"created placeholder {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
