"""Measure a first visit of a page of the built site: bytes transferred, load event, longest task.

Used by test_weight.py, and runnable alone to print the table for every page of a built site:

    python tests/browser/page_weight.py [_build/html]

A first visit: the browser cache is disabled for the page (Chrome DevTools Protocol), so every
file is fetched as a new reader's browser fetches it. "Transferred" is what went over the wire
(DevTools' encodedDataLength: headers plus the body as sent, compressed where the server
compressed it). The load event is measured from navigation start; "settled" is when MathJax has
typeset and every saved widget has rendered. The longest task is the longest main-thread task
(the Long Tasks API, observed from before the first script of the page runs) until settled.
"""

from __future__ import annotations

import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

# Registered before any script of the page runs.
# The page's widget views (script tags myst-nb writes) and how many of them the ipywidgets
# manager has drawn; shared by the page-weight and the page tests.
WIDGET_VIEWS_JS = """
  const views = () => document.querySelectorAll(
    'script[type="application/vnd.jupyter.widget-view+json"]');
  const rendered = () => Array.from(views()).filter((s) => {
    const area = s.previousElementSibling;
    return area && area.classList.contains("widget-subarea") &&
           area.querySelector(".jupyter-widgets, .lm-Widget, .widget-box") !== null;
  }).length;
"""

LONGTASK_OBSERVER = """
window.__wmLongTasks = [];
try {
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      window.__wmLongTasks.push({start: e.startTime, duration: e.duration});
    }
  }).observe({type: "longtask", buffered: true});
} catch (e) { window.__wmLongTasks = null; }
"""

# Waits until MathJax (if loaded) has typeset and every saved widget view is rendered (or 30 s).
SETTLED = (
    """
async () => {
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
  const deadline = Date.now() + 30000;
  while (document.readyState !== "complete" && Date.now() < deadline) { await sleep(20); }
  while (window.MathJax && !(MathJax.startup && MathJax.startup.promise) &&
         Date.now() < deadline) { await sleep(20); }
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
    await MathJax.startup.promise;
  }
"""
    + WIDGET_VIEWS_JS
    + """  while (rendered() < views().length && Date.now() < deadline) { await sleep(20); }
  const settled = performance.now();
  await sleep(600);  // let a long task that started at the end report itself
  const nav = performance.getEntriesByType("navigation")[0];
  const tasks = window.__wmLongTasks;
  return {
    load: nav.loadEventStart, settled,
    longest: tasks === null ? null : Math.max(0, ...tasks.map((t) => t.duration)),
    blocked: tasks === null ? null : tasks.reduce((s, t) => s + Math.max(0, t.duration - 50), 0),
    widgets: views().length,
  };
}
"""
)


@dataclass
class Visit:
    """One first visit of a page."""

    page: str
    transferred: int = 0  # bytes over the wire
    requests: int = 0
    load_ms: float = 0.0
    settled_ms: float = 0.0
    longest_task_ms: float | None = None
    blocking_ms: float | None = None
    widgets: int = 0
    by_file: dict[str, int] = field(default_factory=dict)  # bytes per URL path

    def heaviest(self, n: int = 5) -> list[tuple[str, int]]:
        return sorted(self.by_file.items(), key=lambda kv: -kv[1])[:n]


# Filled by test_weight.py: reader name -> visits; printed by conftest.py at the end of the run.
RESULTS: dict[str, list[Visit]] = {}


def page_kind(page: str, widgets: int) -> str:
    if page.startswith("chapters/"):
        return "widget chapter" if widgets else "text chapter"
    return "other page"


def first_visit(context, url: str, page: str) -> Visit:
    """Open `url` in a new tab of `context` with the cache disabled and measure it."""
    tab = context.new_page()
    try:
        cdp = context.new_cdp_session(tab)
        cdp.send("Network.enable")
        cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
        urls: dict[str, str] = {}
        sizes: dict[str, int] = {}
        cdp.on(
            "Network.requestWillBeSent",
            lambda e: urls.__setitem__(e["requestId"], e["request"]["url"]),
        )
        cdp.on(
            "Network.loadingFinished",
            lambda e: sizes.__setitem__(e["requestId"], int(e["encodedDataLength"])),
        )
        tab.add_init_script(LONGTASK_OBSERVER)
        tab.goto(url, wait_until="load", timeout=60000)
        timing = tab.evaluate(SETTLED)
        time.sleep(0.05)  # the last loadingFinished events
        visit = Visit(
            page=page,
            load_ms=timing["load"],
            settled_ms=timing["settled"],
            longest_task_ms=timing["longest"],
            blocking_ms=timing["blocked"],
            widgets=timing["widgets"],
        )
        for rid, size in sizes.items():
            path = re.sub(r"^https?://[^/]+", "", urls.get(rid, rid)).split("?")[0]
            visit.by_file[path] = visit.by_file.get(path, 0) + size
        visit.transferred = sum(sizes.values())
        visit.requests = len(sizes)
        cdp.send("Network.setCacheDisabled", {"cacheDisabled": False})
        return visit
    finally:
        tab.close()


# The issue-15 budgets for the time columns: measured and reported, not asserted (see
# test_weight.py). Bytes are asserted there.
BUDGET_LOAD_MS = 3000
BUDGET_TASK_MS = 500


def misses(v: Visit) -> str:
    """Which time budget a visit misses, for the table ("-" when it meets both)."""
    out = []
    if v.load_ms > BUDGET_LOAD_MS:
        out.append(f"load > {BUDGET_LOAD_MS / 1000:.0f} s")
    if v.longest_task_ms is not None and v.longest_task_ms > BUDGET_TASK_MS:
        out.append(f"task > {BUDGET_TASK_MS} ms")
    return ", ".join(out) or "-"


def table(visits: list[Visit]) -> str:
    rows = [
        (
            "| page | kind | transferred | requests | load event | settled | longest task "
            "| misses time budget |"
        ),
        "|---|---|---|---|---|---|---|---|",
    ]
    for v in visits:
        longest = "n/a" if v.longest_task_ms is None else f"{v.longest_task_ms:.0f} ms"
        rows.append(
            f"| {v.page} | {page_kind(v.page, v.widgets)} | "
            f"{v.transferred / 1e6:.2f} MB | {v.requests} | {v.load_ms / 1000:.2f} s | "
            f"{v.settled_ms / 1000:.2f} s | {longest} | {misses(v)} |"
        )
    return "\n".join(rows)


def _main(argv: list[str]) -> int:  # pragma: no cover - a command-line helper
    sys.path.append(str(Path(__file__).resolve().parents[1]))  # book_toc
    from conftest import CHROMIUM_FLAGS, find_chromium, serve_site, toc_pages
    from playwright.sync_api import sync_playwright

    site = Path(argv[0]) if argv else Path(__file__).resolve().parents[2] / "_build" / "html"
    pages = toc_pages() + ["search.html"]
    with serve_site(site) as base, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=find_chromium(), args=CHROMIUM_FLAGS)
        for width in (1440, 390):
            context = browser.new_context(
                viewport={"width": width, "height": 900 if width > 800 else 844},
                is_mobile=width < 800,
                has_touch=width < 800,
            )
            visits = [first_visit(context, base + page, page) for page in pages]
            print(f"\n{width} px\n" + table(visits))
            for v in visits:
                print(v.page, [(f, round(n / 1e3)) for f, n in v.heaviest(4)])
            context.close()
        browser.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(_main(sys.argv[1:]))
