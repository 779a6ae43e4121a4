"""Accessibility of every page, on a desktop (1440 px) and a phone (390 px, touch).

- axe-core (the npm package pinned in package.json, node_modules/axe-core; never served by
  the site) finds no serious or critical violation on any page.
- Formulas are not Tab stops (117 on chapter 2 were: 46 presses of Tab to reach its first
  widget control); a formula too wide for the screen is one (it scrolls).
- Widget controls have names: every slider handle (by its label), every icon-only button (Play,
  Stop, Repeat), and no tooltip reads "null"; a log slider announces the value it shows.
"""

from __future__ import annotations

import pytest

from .conftest import ROOT, toc_pages
from .test_navigation import open_page

PAGES = toc_pages() + ["search.html"]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"

RUN_AXE = """
async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => ({id: v.id, impact: v.impact, help: v.help,
                  nodes: v.nodes.slice(0, 4).map((n) => n.target.join(" ") + " | " +
                                                        n.failureSummary.split("\\n")[1])}));
}
"""

CONTROLS = """
() => {
  const name = (e) => (e.getAttribute("aria-label") || e.getAttribute("aria-labelledby") ||
                       e.textContent || "").trim();
  const problems = [];
  document.querySelectorAll('[role="slider"]').forEach((h) => {
    if (!name(h)) problems.push("slider handle without a name");
    const widget = h.closest(".widget-slider");
    const readout = widget && widget.querySelector(".widget-readout");
    if (readout && readout.textContent.trim() &&
        h.getAttribute("aria-valuetext") !== readout.textContent.trim()) {
      problems.push(`slider ${name(h)} announces ${h.getAttribute("aria-valuetext")},` +
                    ` shows ${readout.textContent.trim()}`);
    }
  });
  document.querySelectorAll("button").forEach((b) => {
    const r = b.getBoundingClientRect();
    if (r.width > 0 && !name(b) && !b.getAttribute("title")) {
      problems.push(`button without a name: ${b.outerHTML.slice(0, 80)}`);
    }
  });
  document.querySelectorAll('[title="null"]').forEach((e) => {
    problems.push(`title="null" on ${e.outerHTML.slice(0, 60)}`);
  });
  const tabbableMath = Array.from(document.querySelectorAll("mjx-container"))
    .filter((m) => m.tabIndex >= 0 && m.scrollWidth <= m.clientWidth + 1 &&
                   !(m.parentElement.matches("span.math") &&
                     m.parentElement.scrollWidth > m.parentElement.clientWidth + 1));
  if (tabbableMath.length) problems.push(`${tabbableMath.length} formulas are Tab stops`);
  return problems;
}
"""


def axe_source() -> str:
    if not AXE.is_file():
        pytest.fail(
            f"{AXE} is missing: run `bash scripts/fetch_assets.sh` (npm ci installs the "
            "pinned axe-core)",
            pytrace=False,
        )
    return AXE.read_text(encoding="utf-8")


@pytest.mark.parametrize("path", PAGES)
def test_no_serious_violation(reader, base_url, path):
    name, context = reader
    page, errors = open_page(context, base_url + path)
    try:
        page.add_script_tag(content=axe_source())
        violations = page.evaluate(RUN_AXE)
        controls = page.evaluate(CONTROLS)
    finally:
        page.close()
    problems = [f"{v['impact']} {v['id']} ({v['help']}): {v['nodes']}" for v in violations]
    problems += controls
    problems += [f"uncaught exception: {e}" for e in errors]
    assert not problems, f"{path} at {name}:\n  " + "\n  ".join(problems)
