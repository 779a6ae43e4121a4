"""Fixtures of the live widget tests: one Voila server and one Chromium for the whole session,
and the timing table printed at the end of the pytest run (see tests/live/README.md)."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import live_harness as H
from chromium import FLAGS, INSTALL_HINT

# The fixture notebooks are driven by test_live_widgets.py, not run by nbval.
collect_ignore_glob = ["fixtures/*"]

RESULTS = H.RESULTS
_CLOCK = H.CLOCK


def _skip_requested() -> str | None:
    if os.environ.get("WM_LIVE_SKIP") == "1":
        return "WM_LIVE_SKIP=1: live widget tests (Voila + Chromium) switched off on purpose"
    return None


@pytest.fixture(scope="session")
def live_browser(playwright_driver):
    """Debian's Chromium driven by Playwright. Missing pieces fail, with how to install them."""
    reason = _skip_requested()
    if reason:
        pytest.skip(reason)
    try:
        exe = H.chromium_path()
    except FileNotFoundError as e:
        pytest.fail(str(e), pytrace=False)
    _CLOCK.setdefault("start", time.monotonic())
    pw = playwright_driver  # one driver per session (tests/conftest.py)
    try:
        browser = pw.chromium.launch(executable_path=exe, args=FLAGS)
    except Exception as e:  # noqa: BLE001  (whatever stops Chromium, say how to get one)
        pytest.fail(
            f"Chromium at {exe} did not start under Playwright: {e}\n{INSTALL_HINT}",
            pytrace=False,
        )
    yield browser
    browser.close()


@pytest.fixture(scope="session")
def voila_server():
    """Voila on 127.0.0.1 (a free port), serving the repository; stopped at the end."""
    reason = _skip_requested()
    if reason:
        pytest.skip(reason)
    try:
        import voila  # noqa: F401
    except ImportError:
        pytest.fail(
            "Voila is missing: pip install -r requirements-test.txt (it pins voila)", pytrace=False
        )
    _CLOCK.setdefault("start", time.monotonic())
    server = H.VoilaServer()
    try:
        server.start()
    except RuntimeError as e:
        pytest.fail(str(e), pytrace=False)
    yield server
    server.stop()
    _CLOCK["end"] = time.monotonic()


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """Print the input-to-figure table of every chapter and write it to _build/."""
    chapters = RESULTS["chapters"]
    fixtures = RESULTS["fixtures"]
    if not chapters and not fixtures:
        return
    tr = terminalreporter
    out = []
    measures = [m for r in chapters for m in r.measures]
    if chapters:
        s = H.summarize(measures)
        out.append(H.format_table(measures))
        out.append("")
        for r in chapters:
            out.append(
                f"{r.page}: {r.controls} controls, {len(r.measures)} inputs, page load "
                f"{r.load_s:.1f} s, whole page {r.total_s:.1f} s, "
                f"{len(r.failures)} failure(s)"
            )
            out.extend(f"    note: {n}" for n in r.notes)
        if s["timed"]:
            out.append(
                f"median {s['median_ms']:.0f} ms (limit {H.MEDIAN_LIMIT_MS:.0f}), slowest "
                f"{s['slowest_ms']:.0f} ms (limit {H.SLOWEST_LIMIT_MS:.0f}): "
                f"{s['slowest'].page} / {s['slowest'].control} / {s['slowest'].action}; "
                f"{len(s['never'])} input(s) never updated their figure"
            )
    if fixtures:
        out.append("")
        out.append("harness self-test pages (not counted in the limits):")
        out.append(H.format_table([m for r in fixtures for m in r.measures]))
    if "start" in _CLOCK:
        end = _CLOCK.get("end", time.monotonic())
        out.append(
            f"live widget tests took {end - _CLOCK['start']:.0f} s in all "
            "(Voila start, every page, every input)"
        )
    tr.write_sep("=", "live widgets: time from input to updated figure (tests/live)")
    for line in out:
        tr.write_line(line)
    try:
        build = H.ROOT / "_build"
        build.mkdir(exist_ok=True)
        (build / "live_widget_timings.txt").write_text("\n".join(out) + "\n")
        (build / "live_widget_timings.json").write_text(
            json.dumps(
                {
                    "chapters": [
                        {
                            "page": r.page,
                            "load_s": r.load_s,
                            "total_s": r.total_s,
                            "failures": r.failures,
                            "notes": r.notes,
                            "inputs": [m.__dict__ for m in r.measures],
                        }
                        for r in chapters
                    ],
                    "median_ms": H.summarize(measures)["median_ms"] if measures else None,
                    "slowest_ms": H.summarize(measures)["slowest_ms"] if measures else None,
                },
                indent=1,
            )
        )
        tr.write_line("(also written to _build/live_widget_timings.txt and .json)")
    except OSError as e:
        tr.write_line(f"(could not write _build/live_widget_timings.txt: {e})")
