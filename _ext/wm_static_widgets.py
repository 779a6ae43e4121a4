"""Static widgets on the site: serve their front end and their precomputed figures.

When the book is built with ``WM_STATIC_WIDGETS`` set to a folder (scripts/build.sh does it),
each widget of a chapter precomputes its figures over its grid while the notebook executes and
writes them to that folder as ``<key>.wmsw`` (see rnnlib/widgets/static.py). This extension

1. tells require.js, on every page with widgets, where the widget module ``wm-static-widgets``
   is (``_static/wm-static-widgets/wm_static_widgets.js``), before the ipywidgets HTML manager
   loads: a module the manager cannot find locally it would fetch from a CDN;
2. copies that module, and every payload a page refers to, into ``_static/wm-static-widgets/``
   of the built site (a payload a page names but the folder lacks is a build warning, so the
   strict build fails).

Loaded through ``sphinx.local_extensions`` in _config.yml.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

from sphinx.util import logging

logger = logging.getLogger(__name__)

MANAGER = "html-manager/embed-amd.js"
FOLDER = "wm-static-widgets"
MODULE = Path(__file__).with_name("wm_static_widgets.js")
PAYLOAD = re.compile(r"\b([0-9a-f]{24}\.wmsw)\b")

CONFIG = """\
window.require.config({paths: {"wm-static-widgets": new URL(MODULE, document.baseURI).href}});"""


def _configure_module(app, pagename, templatename, context, doctree) -> None:
    scripts = context.get("script_files")
    if not scripts:
        return
    manager = [
        i for i, a in enumerate(scripts) if (getattr(a, "filename", "") or "").endswith(MANAGER)
    ]
    if not manager:
        return
    try:  # Sphinx >= 7.2
        from sphinx.builders.html._assets import _JavaScript
    except ImportError:  # older Sphinx 7
        from sphinx.builders.html import JavaScript as _JavaScript

    module = context["pathto"](f"_static/{FOLDER}/wm_static_widgets", 1)
    body = CONFIG.replace("MODULE", repr(module))
    scripts.insert(manager[0], _JavaScript("", body=body, priority=500))


def _copy_assets(app, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    out = Path(app.outdir) / "_static" / FOLDER
    out.mkdir(parents=True, exist_ok=True)
    shutil.copy2(MODULE, out / MODULE.name)
    wanted: set[str] = set()
    for page in Path(app.outdir).rglob("*.html"):
        wanted.update(PAYLOAD.findall(page.read_text(encoding="utf-8", errors="replace")))
    if not wanted:
        return
    source = os.environ.get("WM_STATIC_WIDGETS")
    if not source:
        logger.warning(
            "pages name static-widget payloads (%s), but WM_STATIC_WIDGETS is not "
            "set: build with scripts/build.sh",
            ", ".join(sorted(wanted)),
        )
        return
    total = 0
    for name in sorted(wanted):
        path = Path(source) / name
        if not path.is_file():
            logger.warning("static-widget payload %s is missing from %s", name, source)
            continue
        shutil.copy2(path, out / name)
        total += path.stat().st_size
    logger.info(
        "wm_static_widgets: %d payloads, %.0f KB, copied to _static/%s",
        len(wanted),
        total / 1024,
        FOLDER,
    )


def setup(app):
    # After myst-nb has added a page's widget scripts (priority 500), like wm_site_fixes.
    app.connect("html-page-context", _configure_module, priority=950)
    app.connect("build-finished", _copy_assets)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
