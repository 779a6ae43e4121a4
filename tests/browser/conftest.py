"""Fixtures for the browser tests: the built site served on 127.0.0.1, and headless Chromium.

The site is the one in _build/html (build it first: bash scripts/build.sh; scripts/test.sh does
both). Chromium is Debian's /usr/bin/chromium, or the binary named by $CHROMIUM, or Playwright's
own download where one exists. Without any browser the tests fail; they are never skipped.
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import threading
from pathlib import Path

import pytest
from book_toc import toc_files

ROOT = Path(os.environ.get("WM_BOOK_ROOT", Path(__file__).resolve().parents[2]))
SITE = ROOT / "_build" / "html"
SCREENSHOTS = ROOT / "_build" / "screenshots"

# Flags that work as root, offline, in a container; the user data dir is added per run.
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]

INSTALL_HINT = (
    "No Chromium found for the browser tests. Install Debian's: `apt-get install -y chromium` "
    "(binary /usr/bin/chromium), or point $CHROMIUM at a Chrome/Chromium binary, or, on a "
    "machine with internet access, run `python -m playwright install chromium`."
)


def toc_pages() -> list[str]:
    """The HTML path of every page in _toc.yml, root first (e.g. 'chapters/03_bptt.html')."""
    return [f"{Path(doc).with_suffix('')}.html" for doc in toc_files()]


def find_chromium() -> str | None:
    candidates = [os.environ.get("CHROMIUM"), "/usr/bin/chromium"]
    candidates += [shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome")]
    for candidate in candidates:
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    return None


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


@pytest.fixture(scope="session")
def site() -> Path:
    if not (SITE / "index.html").is_file():
        pytest.fail(f"no built site in {SITE}: run `bash scripts/build.sh` first")
    return SITE


@pytest.fixture(scope="session")
def base_url(site: Path):
    """Serve the built site on 127.0.0.1 at a free port for the whole session."""
    handler = functools.partial(_QuietHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser_context(tmp_path_factory, playwright_driver):
    """One headless Chromium with a fresh user data dir; yields a Playwright browser context."""
    p = playwright_driver  # one driver per session (tests/conftest.py)
    executable = find_chromium()
    if executable is None:
        bundled = Path(p.chromium.executable_path)
        executable = str(bundled) if bundled.is_file() else None
    if executable is None:
        pytest.fail(INSTALL_HINT, pytrace=False)
    context = p.chromium.launch_persistent_context(
        user_data_dir=str(tmp_path_factory.mktemp("chromium-profile")),
        executable_path=executable,
        headless=True,
        args=CHROMIUM_FLAGS,
        viewport={"width": 1440, "height": 900},
        service_workers="block",
    )
    try:
        yield context
    finally:
        context.close()


@pytest.fixture(scope="session")
def screenshots_dir() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
