"""A reader finds their way on a desktop (1440 px) and on a phone (390 px, touch).

On a phone the hamburger button opens the book's table of contents and the contents button the
page's sections (before the fix both opened nothing: the theme bound hidden copies of them). A
desktop page has one header bar and one search control; the search page has one search field.
Also checked per reader: the home page's title, one viewport meta tag, a favicon that loads.
"""

from __future__ import annotations

import pytest

from .test_pages import SETTLE

CHAPTER = "chapters/04_written_memories.html"


def open_page(context, url):
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(url, wait_until="load", timeout=60000)
    page.evaluate(SETTLE)
    return page, errors


VISIBLE = """
(selector) => Array.from(document.querySelectorAll(selector)).filter((e) => {
  const r = e.getBoundingClientRect(), s = getComputedStyle(e);
  return r.width > 0 && r.height > 0 && s.visibility !== "hidden" && s.display !== "none";
}).length
"""


def test_sidebars_open_from_their_buttons(reader, base_url):
    name, context = reader
    page, errors = open_page(context, base_url + CHAPTER)
    try:
        if name.startswith("phone"):
            # Both sidebars are hidden on a phone; the visible buttons must open them.
            assert page.evaluate(VISIBLE, "#pst-primary-sidebar nav.bd-docs-nav a") == 0
            buttons = page.locator(".primary-toggle:visible")
            assert buttons.count() == 1, f"{buttons.count()} visible site-navigation buttons"
            buttons.first.tap()
            dialog = page.locator("#pst-primary-sidebar-modal")
            dialog.wait_for(state="visible", timeout=5000)
            links = dialog.locator("nav.bd-docs-nav a")
            assert links.count() >= 10, "the navigation opened without the book's chapters"
            assert links.filter(has_text="Written memories and gates").first.is_visible()
            page.keyboard.press("Escape")
            dialog.wait_for(state="hidden", timeout=5000)

            toggle = page.locator(".secondary-toggle:visible")
            assert toggle.count() == 1, f"{toggle.count()} visible page-contents buttons"
            toggle.first.tap()
            contents = page.locator("#pst-secondary-sidebar-modal")
            contents.wait_for(state="visible", timeout=5000)
            sections = contents.locator("nav a")
            assert sections.count() >= 3, "the page contents opened without its sections"
            # A tap on a section goes there.
            target = sections.nth(1)
            href = target.get_attribute("href")
            target.tap()
            page.wait_for_function("(h) => location.hash === h", arg=href, timeout=5000)
        else:
            # Desktop: both sidebars are shown with the page, no extra header bar above them.
            assert page.evaluate(VISIBLE, "#pst-primary-sidebar nav.bd-docs-nav a") >= 10
            assert page.evaluate(VISIBLE, "#pst-secondary-sidebar nav a") >= 3
            header = page.evaluate(
                "() => { const h = document.querySelector('header.bd-header');"
                " return h ? h.getBoundingClientRect().height : 0; }"
            )
            assert header == 0, f"an extra header bar of {header} px above the page"
            searches = page.evaluate(VISIBLE, ".search-button-field, input[name=q]")
            assert searches == 1, f"{searches} visible search controls on a chapter page"
        assert not errors, errors
    finally:
        page.close()


def test_search_page_has_one_search_field(reader, base_url):
    _, context = reader
    page, errors = open_page(context, base_url + "search.html?q=forget+gate")
    try:
        fields = page.evaluate(VISIBLE, "input[name=q]")
        assert fields == 1, f"{fields} visible search fields on the search page"
        page.wait_for_function(
            "() => document.querySelectorAll('#search-results li').length > 0", timeout=15000
        )
        assert not errors, errors
    finally:
        page.close()


@pytest.mark.parametrize("path", ["intro.html", CHAPTER, "bibliography.html"])
def test_page_head(reader, base_url, path):
    """One viewport tag, the home page titled once, and a favicon that is served."""
    _, context = reader
    page, _ = open_page(context, base_url + path)
    try:
        head = page.evaluate("""async () => {
          const icon = document.querySelector('link[rel~="icon"]');
          return {
            viewports: document.querySelectorAll('meta[name="viewport"]').length,
            title: document.title,
            icon: icon ? (await fetch(icon.href)).status : null,
            fontawesome: performance.getEntriesByType("resource")
                           .filter((r) => r.name.includes("fontawesome.js")).length,
          };
        }""")
    finally:
        page.close()
    assert head["viewports"] == 1, f"{head['viewports']} viewport meta tags"
    assert head["icon"] == 200, f"favicon: {head['icon']}"
    assert head["fontawesome"] == 0, "the theme's fontawesome.js (1.5 MB) is loaded"
    if path == "intro.html":
        assert head["title"] == "Written Memories", head["title"]
    else:
        assert head["title"].endswith(" \u2014 Written Memories"), head["title"]
