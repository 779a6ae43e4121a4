"""Shared pytest configuration: keep nbval to the chapters.

scripts/test.sh runs `pytest tests chapters --nbval-lax ...`; nbval would also collect any
notebook under tests/ (e.g. fixtures of other tests), which are not chapters of the book.
"""


def pytest_ignore_collect(collection_path, config):
    if collection_path.suffix == ".ipynb":
        return True
    return None
