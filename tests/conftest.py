"""Shared pytest configuration: keep nbval to the chapters.

scripts/test.sh runs `pytest tests chapters --nbval-lax ...`; nbval would also collect any
notebook under tests/ (e.g. fixtures of other tests), which are not chapters of the book.
"""

import pytest


def pytest_ignore_collect(collection_path, config):
    if collection_path.suffix == ".ipynb":
        return True
    return None


@pytest.fixture(scope="session")
def playwright_driver():
    """The one Playwright driver of the session, shared by the static-site and the live-widget
    browser tests: Playwright's sync API refuses to start a second one in the same process."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("Playwright for Python is missing: pip install -r requirements-test.txt",
                    pytrace=False)
    with sync_playwright() as driver:
        yield driver

