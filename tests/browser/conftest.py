"""Fixtures for the browser tests: the built site served on 127.0.0.1, and headless Chromium.

The site is the one in _build/html (build it first: bash scripts/build.sh; scripts/test.sh does
both). Chromium is Debian's /usr/bin/chromium, or the binary named by $CHROMIUM, or Playwright's
own download where one exists. Without any browser the tests fail; they are never skipped.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import os
import threading
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from book_toc import toc_files
from chromium import FLAGS as CHROMIUM_FLAGS
from chromium import INSTALL_HINT, find_chromium

ROOT = Path(os.environ.get("WM_BOOK_ROOT", Path(__file__).resolve().parents[2]))
SITE = ROOT / "_build" / "html"
SCREENSHOTS = ROOT / "_build" / "screenshots"


def toc_pages() -> list[str]:
    """The HTML path of every page in _toc.yml, root first (e.g. 'chapters/03_bptt.html')."""
    return [f"{Path(doc).with_suffix('')}.html" for doc in toc_files()]


class SiteHandler(http.server.SimpleHTTPRequestHandler):
    """Serves the built site as a static web server configured for it would: a file `X` that
    has a pre-compressed copy `X.gz` next to it (scripts/compress_site.py) is sent as that copy
    with `Content-Encoding: gzip` when the browser accepts gzip, and as `X` otherwise."""

    def send_head(self):
        path = self.translate_path(self.path)
        accepts = "gzip" in self.headers.get("Accept-Encoding", "")
        if accepts and os.path.isfile(path) and os.path.isfile(path + ".gz"):
            try:
                f = open(path + ".gz", "rb")  # noqa: SIM115 (closed by the base class)
            except OSError:
                return super().send_head()
            self.send_response(200)
            self.send_header("Content-Type", self.guess_type(path))
            self.send_header("Content-Encoding", "gzip")
            self.send_header("Vary", "Accept-Encoding")
            self.send_header("Content-Length", str(os.fstat(f.fileno()).st_size))
            self.end_headers()
            return f
        return super().send_head()

    def log_message(self, format, *args):
        pass


@contextlib.contextmanager
def serve_site(site: Path):
    """Serve `site` on 127.0.0.1 at a free port; yields the base URL (ending in /)."""
    handler = functools.partial(SiteHandler, directory=str(site))
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
def site() -> Path:
    if not (SITE / "index.html").is_file():
        pytest.fail(f"no built site in {SITE}: run `bash scripts/build.sh` first")
    return SITE


@pytest.fixture(scope="session")
def base_url(site: Path):
    """Serve the built site on 127.0.0.1 at a free port for the whole session."""
    with serve_site(site) as url:
        yield url


def chromium_or_fail(driver) -> str:
    """Debian's Chromium (or $CHROMIUM), else a browser Playwright installed; else fail with
    the install hint."""
    executable = find_chromium()
    if executable is None:
        bundled = Path(driver.chromium.executable_path)
        executable = str(bundled) if bundled.is_file() else None
    if executable is None:
        pytest.fail(INSTALL_HINT, pytrace=False)
    return executable


@pytest.fixture(scope="session")
def browser_context(tmp_path_factory, playwright_driver):
    """One headless Chromium with a fresh user data dir; yields a Playwright browser context."""
    p = playwright_driver  # one driver per session (tests/conftest.py)
    executable = chromium_or_fail(p)
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


# The two kinds of reader the layout, navigation, accessibility and weight tests are run for.
READERS = {
    "desktop-1440": {"viewport": {"width": 1440, "height": 900}},
    "phone-390": {
        "viewport": {"width": 390, "height": 844},
        "is_mobile": True,
        "has_touch": True,
        "device_scale_factor": 1,
    },
}


@pytest.fixture(scope="session")
def reader_browser(playwright_driver):
    """A second headless Chromium (not a persistent profile), for fresh contexts per reader."""
    executable = chromium_or_fail(playwright_driver)
    browser = playwright_driver.chromium.launch(
        executable_path=executable, headless=True, args=CHROMIUM_FLAGS
    )
    try:
        yield browser
    finally:
        browser.close()


@pytest.fixture(scope="session", params=list(READERS))
def reader(request, reader_browser, base_url):
    """A browser context of one reader (1440 px desktop, or a 390 px touch phone), offline:
    every request to a host other than 127.0.0.1 is refused. Yields (name, context)."""
    context = reader_browser.new_context(service_workers="block", **READERS[request.param])

    def route(route_, req):
        if urlsplit(req.url).hostname == "127.0.0.1":
            route_.continue_()
        else:
            route_.abort("blockedbyclient")

    context.route("**/*", route)
    try:
        yield request.param, context
    finally:
        context.close()


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """The first-visit table of test_weight.py, printed and written to _build/page_weight.md."""
    from .page_weight import RESULTS, table
    from .test_static_widgets import report as static_widgets_report

    static_widgets_report(terminalreporter)  # its latency table (test_static_widgets.py)
    if not RESULTS:
        return
    text = "\n".join(
        f"### First visit, {name}\n\n{table(visits)}\n" for name, visits in RESULTS.items()
    )
    out = ROOT / "_build" / "page_weight.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    terminalreporter.write_sep("=", "first visit of every page (tests/browser/test_weight.py)")
    terminalreporter.write_line(text)
