"""Shared pytest configuration.

- Tests under tests/browser/ and tests/live/ are marked ``browser`` here, so that
  ``pytest tests -m "not browser and not slow"`` is the quick unit run.
- Keep nbval to the chapters: scripts/test.sh runs `pytest tests chapters --nbval-lax ...`;
  nbval would also collect any notebook under tests/ (e.g. fixtures of other tests), which are
  not chapters of the book.
- Tests marked ``regenerate`` rebuild a committed artifact (the comparison results, the NTM's
  training run) and compare it bit for bit. That holds only on the machine (CPU and BLAS kernel)
  that wrote the artifact, so they run only when asked for:
  ``pytest tests --regenerate -m regenerate``. Without ``--regenerate`` they are deselected (and
  counted as such in pytest's summary), whatever ``-m`` says, so ``-m "not slow"`` cannot pull
  them in by accident.
"""

import pytest


def pytest_addoption(parser):
    parser.addoption(
        "--regenerate",
        action="store_true",
        default=False,
        help="also run the tests marked 'regenerate' (exact regeneration of "
        "committed artifacts; bitwise only on the machine that wrote them)",
    )


BROWSER_DIRS = ("browser", "live")  # tests/<dir>/ drive Chromium: marked ``browser``


def pytest_collection_modifyitems(config, items):
    for item in items:
        parts = item.path.parts
        if "tests" in parts and parts[parts.index("tests") + 1] in BROWSER_DIRS:
            item.add_marker(pytest.mark.browser)
    if config.getoption("--regenerate"):
        return
    keep, drop = [], []
    for item in items:
        (drop if item.get_closest_marker("regenerate") else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


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
        pytest.fail(
            "Playwright for Python is missing: pip install -r requirements-test.txt", pytrace=False
        )
    with sync_playwright() as driver:
        yield driver
