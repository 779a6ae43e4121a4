"""Open every page of the built site in headless Chromium and check what a reader would see.

For each page in _toc.yml: no console error or uncaught exception, no failed request, no request
to any host but the local server, math typeset by the site's own MathJax, every image decoded
(figures as opaque PNGs), every saved widget rendered by the site's own widget manager. A
full-page screenshot of each page is saved in _build/screenshots/<page>.png for a person to look
at, before the checks run, so it exists even when a check fails.
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

from .conftest import ROOT, toc_pages
from .page_weight import WIDGET_VIEWS_JS

PAGES = toc_pages()
REPOSITORY = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))["repository"]
LOCAL_HOSTS = {"127.0.0.1"}

# Runs in the page: waits until MathJax (if the page loads it) has typeset, fonts are loaded,
# every image is decoded and every saved widget view has been rendered (or 20 s have passed).
SETTLE = (
    """
async () => {
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
  const deadline = Date.now() + 20000;
  while (window.MathJax && !(MathJax.startup && MathJax.startup.promise) && Date.now() < deadline) {
    await sleep(50);
  }
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
    await MathJax.startup.promise;
  }
  for (const img of document.images) { img.loading = "eager"; }
  await Promise.all(Array.from(document.images).map((img) => img.decode().catch(() => null)));
"""
    + WIDGET_VIEWS_JS
    + """  while (rendered() < views().length && Date.now() < deadline) { await sleep(100); }
  if (document.fonts) { await document.fonts.ready; }
  await sleep(300);
}
"""
)

# Runs in the page after SETTLE: gathers what the checks need.
INSPECT = r"""
async () => {
  const main = document.querySelector("main") || document.body;
  // Text a reader sees outside code: raw TeX delimiters here mean MathJax did not run.
  const clone = main.cloneNode(true);
  clone.querySelectorAll("pre, code, script, style, textarea, mjx-container, .MathJax")
       .forEach((e) => e.remove());
  const text = clone.textContent;
  const mathNodes = Array.from(document.querySelectorAll("span.math, div.math"));
  const untypeset = mathNodes.filter((e) => !e.querySelector("mjx-container"))
                             .map((e) => e.textContent.slice(0, 80));
  const mathErrors = Array.from(document.querySelectorAll("mjx-merror"))
                          .map((e) => e.getAttribute("data-mjx-error") || e.textContent);
  const images = await Promise.all(Array.from(document.images).map(async (img) => {
    const info = {src: img.currentSrc || img.src, ok: img.complete && img.naturalWidth > 0,
                  output: img.closest(".cell_output, .output") !== null, corner: null,
                  type: null};
    // Figures drawn inside widget outputs are shown by the widget manager as blob: URLs.
    if (info.src.startsWith("blob:")) {
      try { info.type = (await (await fetch(info.src)).blob()).type; }
      catch (e) { info.type = String(e); }
    } else if (info.src.startsWith("data:")) {
      info.type = info.src.slice(5, info.src.indexOf(";"));
    } else {
      info.type = /\.png$/i.test(new URL(info.src).pathname) ? "image/png" : "other";
    }
    if (info.ok && info.output) {
      try {
        const c = document.createElement("canvas");
        c.width = img.naturalWidth; c.height = img.naturalHeight;
        const ctx = c.getContext("2d");
        ctx.drawImage(img, 0, 0);
        info.corner = Array.from(ctx.getImageData(1, 1, 1, 1).data);
      } catch (e) { info.corner = String(e); }
    }
    return info;
  }));
  const views = Array.from(document.querySelectorAll(
      'script[type="application/vnd.jupyter.widget-view+json"]'));
  const unrendered = views.filter((s) => {
    const area = s.previousElementSibling;
    return !(area && area.classList.contains("widget-subarea") &&
             area.querySelector(".jupyter-widgets, .lm-Widget, .widget-box") !== null);
  }).map((s) => s.textContent.trim().slice(0, 120));
  return {
    text, mathCount: mathNodes.length, untypeset, mathErrors,
    mjxCount: document.querySelectorAll("mjx-container").length,
    images, widgetViews: views.length, unrendered,
    title: document.title,
    links: Array.from(document.querySelectorAll("a[href]")).map((a) => a.getAttribute("href")),
  };
}
"""


def screenshot_name(page_path: str) -> str:
    return Path(page_path).stem + ".png"


def test_site_build_succeeded():
    """The strict build (scripts/build.sh) that produced _build/html passed."""
    status_file = ROOT / "_build" / "build_status.json"
    if not status_file.is_file():
        pytest.skip("no _build/build_status.json: the site was not built by scripts/build.sh")
    status = json.loads(status_file.read_text())
    if status["returncode"] != 0:
        log = (ROOT / status["log"]).read_text(errors="replace").splitlines()
        problems = [line for line in log if "WARNING:" in line or "ERROR:" in line]
        pytest.fail(
            f"jupyter-book build -W -n --keep-going exited {status['returncode']}:\n"
            + "\n".join((problems or log)[-40:]),
            pytrace=False,
        )


@pytest.mark.parametrize("page_path", PAGES)
def test_page(page_path, site, base_url, browser_context, screenshots_dir):
    assert (site / page_path).is_file(), f"{page_path} was not built"

    page = browser_context.new_page()
    console_errors: list[str] = []
    page_errors: list[str] = []
    failed: list[str] = []
    outside: list[str] = []

    def on_console(msg):
        if msg.type == "error":
            console_errors.append(f"{msg.text} ({msg.location.get('url', '')})")

    def on_response(response):
        if response.status >= 400:
            failed.append(f"HTTP {response.status} {response.url}")

    def on_request_failed(request):
        if urlsplit(request.url).hostname in LOCAL_HOSTS:
            failed.append(f"{request.failure} {request.url}")

    def route(route_, request):
        # Anything not served by the local server is recorded and refused, never fetched.
        if urlsplit(request.url).hostname in LOCAL_HOSTS:
            route_.continue_()
        else:
            outside.append(request.url)
            route_.abort("blockedbyclient")

    page.on("console", on_console)
    page.on("pageerror", lambda exc: page_errors.append(str(exc)))
    page.on("response", on_response)
    page.on("requestfailed", on_request_failed)
    page.route("**/*", route)

    try:
        page.goto(base_url + page_path, wait_until="load", timeout=60000)
        page.evaluate(SETTLE)
        page.screenshot(path=str(screenshots_dir / screenshot_name(page_path)), full_page=True)
        info = page.evaluate(INSPECT)
    finally:
        page.close()

    problems = []
    if outside:
        problems.append(f"requests to hosts other than 127.0.0.1: {sorted(set(outside))}")
    if failed:
        problems.append(f"failed requests: {failed}")
    if console_errors:
        problems.append(f"console errors: {console_errors}")
    if page_errors:
        problems.append(f"uncaught exceptions: {page_errors}")

    raw = [d for d in ("\\(", "\\)", "\\[", "\\]", "$$") if d in info["text"]]
    if raw:
        problems.append(f"raw TeX delimiters {raw} left in the text: MathJax did not typeset")
    if info["untypeset"]:
        problems.append(f"math not typeset: {info['untypeset'][:5]}")
    if info["mathCount"] and not info["mjxCount"]:
        problems.append("the page has math but no MathJax output (mjx-container)")
    if info["mathErrors"]:
        problems.append(f"TeX errors: {info['mathErrors'][:5]}")

    broken = [img["src"] for img in info["images"] if not img["ok"]]
    if broken:
        problems.append(f"images not decoded (naturalWidth 0): {broken}")
    for img in info["images"]:
        if not (img["ok"] and img["output"]):
            continue
        if img["type"] != "image/png":
            problems.append(f"notebook figure is not a PNG ({img['type']}): {img['src'][:100]}")
        corner = img["corner"]
        if not (isinstance(corner, list) and corner[3] == 255 and min(corner[:3]) >= 240):
            problems.append(
                f"notebook figure without an opaque white background (corner pixel {corner}): "
                f"{img['src'][:100]}"
            )

    if info["unrendered"]:
        problems.append(
            f"{len(info['unrendered'])} of {info['widgetViews']} widget views not rendered: "
            f"{info['unrendered'][:3]}"
        )

    if page_path.startswith("chapters/"):
        # Launch (Colab, Binder), repository, edit and download buttons of a notebook page.
        notebook = page_path.removesuffix(".html") + ".ipynb"
        repo = REPOSITORY["url"].rstrip("/").removeprefix("https://github.com/")
        branch = REPOSITORY["branch"]
        wanted = {
            "Colab": f"colab.research.google.com/github/{repo}/blob/{branch}/{notebook}",
            "Binder": f"mybinder.org/v2/gh/{repo}/{branch}?urlpath=lab/tree/{notebook}",
            "edit": f"github.com/{repo}/edit/{branch}/{notebook}",
            "download": f"_sources/{notebook}",
        }
        for button, target in wanted.items():
            if not any(target in href for href in info["links"]):
                problems.append(f"no {button} button (a link containing {target})")

    assert not problems, f"{page_path}:\n  " + "\n  ".join(problems)
