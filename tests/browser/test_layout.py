"""What a reader sees of formulas, printed output and figures, on a desktop (1440 px) and on a
phone (390 px, touch), on every chapter page.

- No inline formula is cut off: one wider than the column scrolls (the theme's `overflow:
  hidden` used to cut 50-222 px of long formulas on a phone); a display equation that does
  not fit scrolls with a visible cue, and its number never overlaps it.
- No printed output hides text behind a horizontal scroll (output lines wrap), and the lines a
  cell prints read as one block even when `glue` outputs sat between them.
- Nothing of the text, formulas, tables, outputs or figures sticks out of the text column (a
  wide table or code listing scrolls inside it).
- Notebook figures (not the widgets' images) fit the column, have at least 1.5x the pixels
  they are shown with (sharp on a 2x screen), and a tap opens them full size.
"""

from __future__ import annotations

import re

import pytest

from .conftest import toc_pages
from .test_navigation import open_page

CHAPTERS = [p for p in toc_pages() if p.startswith("chapters/")]

# Runs in the page: every layout problem found, as readable strings.
LAYOUT = r"""
() => {
  const problems = [];
  const inWidget = (e) => e.closest(".widget-subarea, .jupyter-widgets") !== null;
  const text = (e) => (e.textContent || e.getAttribute("src") || "").trim()
                        .replace(/\s+/g, " ").slice(0, 70);
  const scrollsX = (e) => ["auto", "scroll"].includes(getComputedStyle(e).overflowX);
  const overflows = (e) => e.scrollWidth > e.clientWidth + 1;
  const article = document.querySelector("article.bd-article");
  const column = article.getBoundingClientRect();

  // The typeset formula (mjx-math) wider than its box: MathJax's hidden MathML for screen
  // readers is not part of what is seen.
  const wider = (box) => {
    const m = box.querySelector("mjx-math");
    return m !== null && m.getBoundingClientRect().width > box.clientWidth + 1;
  };
  for (const e of document.querySelectorAll("span.math")) {
    if (wider(e) && !scrollsX(e)) problems.push(`inline formula cut off: ${text(e)}`);
  }
  for (const c of document.querySelectorAll("div.math mjx-container")) {
    if (wider(c)) {
      if (!scrollsX(c)) problems.push(`display formula cut off: ${text(c)}`);
      else if (!getComputedStyle(c).backgroundImage.includes("gradient")) {
        problems.push(`display formula scrolls without a cue: ${text(c)}`);
      }
    }
    const eqno = c.parentElement.querySelector(":scope > span.eqno");
    if (eqno) {
      const a = c.getBoundingClientRect(), b = eqno.getBoundingClientRect();
      const apart = a.right <= b.left + 1 || b.right <= a.left + 1 ||
                    a.bottom <= b.top + 1 || b.bottom <= a.top + 1;
      if (!apart) problems.push(`equation number ${eqno.textContent.trim()} overlaps its formula`);
    }
  }
  // Printed output (stdout, stderr, a value's text): code listings shown as output scroll
  // like code cells and are not checked here.
  for (const e of document.querySelectorAll("div.cell_output .output, div.cell_output .output *")) {
    if (inWidget(e) || e.closest("mjx-container")) continue;
    if (overflows(e) && ["PRE", "DIV"].includes(e.tagName) && e.textContent.trim()) {
      problems.push(`output hidden behind a horizontal scroll (${e.scrollWidth - e.clientWidth}` +
                    ` px): ${text(e)}`);
    }
  }
  for (const o of document.querySelectorAll("div.cell_output > .output.stream")) {
    const next = o.nextElementSibling;
    if (next && next.matches(".output.stream") &&
        o.classList.contains("stderr") === next.classList.contains("stderr")) {
      problems.push(`one cell's printed lines split into separate boxes: ${text(o)}`);
    }
  }
  // Inside a box that scrolls sideways (a wide table, a long formula) and itself fits.
  const insideScroller = (e) => {
    for (let a = e.parentElement; a && a !== article; a = a.parentElement) {
      if (scrollsX(a) && a.getBoundingClientRect().right <= column.right + 1) return true;
    }
    return false;
  };
  const items = "p, li, span.math, div.math, div.cell_output > *, div.cell_output img, table";
  for (const e of article.querySelectorAll(items)) {
    if (inWidget(e)) continue;
    const r = e.getBoundingClientRect();
    if (r.width > 0 && r.right > column.right + 1 && !insideScroller(e)) {
      problems.push(`sticks out of the text column by ${Math.round(r.right - column.right)} px` +
                    `: <${e.tagName.toLowerCase()}> ${text(e)}`);
    }
  }
  const figures = Array.from(document.querySelectorAll("div.cell_output img"))
                       .filter((img) => !inWidget(img));
  const info = figures.map((img) => ({
    src: img.getAttribute("src"), alt: img.getAttribute("alt") || "",
    link: img.closest("a") ? img.closest("a").getAttribute("href") : null,
    shown: img.getBoundingClientRect().width, natural: img.naturalWidth,
  }));
  return {problems, figures: info};
}
"""


@pytest.mark.parametrize("path", CHAPTERS)
def test_formulas_outputs_and_figures_fit(reader, base_url, path):
    name, context = reader
    page, errors = open_page(context, base_url + path)
    try:
        found = page.evaluate(LAYOUT)
    finally:
        page.close()
    problems = list(found["problems"])
    for fig in found["figures"]:
        if fig["link"] != fig["src"]:
            problems.append(f"figure does not open full size (link {fig['link']}): {fig['src']}")
        if fig["natural"] < 1.5 * fig["shown"]:
            problems.append(
                f"figure blurry: {fig['natural']} px of image shown {fig['shown']:.0f}"
                f" px wide: {fig['src']}"
            )
    problems += [f"uncaught exception: {e}" for e in errors]
    assert not problems, f"{path} at {name}:\n  " + "\n  ".join(problems)


def test_tap_opens_figure_full_size(reader, base_url):
    name, context = reader
    page, errors = open_page(context, base_url + "chapters/07_comparison.html")
    try:
        figure = page.locator("div.cell_output a.image-reference img").first
        figure.scroll_into_view_if_needed()
        shown = figure.bounding_box()["width"]
        if name.startswith("phone"):
            figure.tap()
        else:
            figure.click()
        viewer = page.locator("dialog.wm-lightbox")
        viewer.wait_for(state="visible", timeout=5000)
        big = viewer.locator("img")
        page.wait_for_function(
            "() => { const i = document.querySelector('dialog.wm-lightbox img');"
            " return i.complete && i.naturalWidth > 0; }",
            timeout=5000,
        )
        size = big.evaluate(
            "(i) => ({natural: i.naturalWidth, shown: i.getBoundingClientRect().width})"
        )
        assert size["shown"] == pytest.approx(size["natural"], abs=1), size
        assert size["shown"] > 1.5 * shown, (size, shown)
        page.keyboard.press("Escape")
        viewer.wait_for(state="hidden", timeout=5000)
        assert page.url.endswith("07_comparison.html"), page.url
        assert not errors, errors
    finally:
        page.close()


def test_figures_have_descriptions(site):
    """Every notebook figure of every chapter has alt text that describes it, not its file
    name (read from the built pages: the alt text is static)."""
    missing = []
    for path in CHAPTERS:
        html = (site / path).read_text(encoding="utf-8")
        for tag in re.findall(r'<img [^>]*class="wm-figure"[^>]*>', html):
            alt = re.search(r'alt="([^"]*)"', tag)
            src = re.search(r'src="([^"]*)"', tag)
            if alt is None or not alt.group(1).strip() or alt.group(1).endswith(".png"):
                missing.append(f"{path}: {src.group(1) if src else tag}")
    assert not missing, f"{len(missing)} figures without a description:\n  " + "\n  ".join(missing)
