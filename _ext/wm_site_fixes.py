"""Small Sphinx fixes that keep every page of the book free of browser errors.

1. Jupyter Book 1.0.4 with Sphinx 7.4 emits some inline configuration scripts twice per page
   (sphinx-thebe's `const THEBE_JS_URL = ...`, sphinx-togglebutton's selector). Declaring a
   `const` twice throws "Identifier 'THEBE_JS_URL' has already been declared" in every page.
   Identical scripts are removed here, keeping the first of each.
2. Pages with widgets get a short script just before the ipywidgets HTML manager
   (_static/html-manager/embed-amd.js):
   - require.js paths for the manager's AMD modules: the manager finds its icon fonts relative
     to the URL require.js gives its modules, by default a folder next to the page (404s);
   - ipywidgets 8 typesets widget labels with the MathJax 2 API (`MathJax.Hub.Queue`), which
     throws under the site's MathJax 3: a small `Hub.Queue` that calls MathJax 3 instead.

Loaded through `sphinx.local_extensions` in _config.yml.
"""

from __future__ import annotations

from typing import Any

MANAGER = "html-manager/embed-amd.js"


WIDGET_SETUP = """\
(function () {
  var base = new URL(FOLDER, document.baseURI).href;
  window.require.config({paths: {"@jupyter-widgets/html-manager/dist": base,
                                 "@jupyter-widgets": base}});
  function mathjax2Shim() {
    var mj = window.MathJax;
    if (mj && mj.typesetPromise && !mj.Hub) {
      mj.Hub = {Queue: function (job) {
        var element = job && job[2];
        mj.startup.promise.then(function () {
          return mj.typesetPromise(element ? [element] : undefined);
        });
      }};
    }
  }
  document.addEventListener("DOMContentLoaded", mathjax2Shim);
})();"""


def _key(asset: Any) -> tuple:
    filename = getattr(asset, "filename", asset) or ""
    attributes = getattr(asset, "attributes", {}) or {}
    return (filename, tuple(sorted((k, str(v)) for k, v in attributes.items())))


def _fix_page_scripts(app, pagename, templatename, context, doctree) -> None:
    scripts = context.get("script_files")
    if not scripts:
        return
    seen: set[tuple] = set()
    kept = []
    for asset in scripts:
        key = _key(asset)
        if key in seen:
            continue
        seen.add(key)
        kept.append(asset)

    manager = [i for i, a in enumerate(kept) if (getattr(a, "filename", "") or "").endswith(MANAGER)]
    if manager:
        folder = context["pathto"]("_static/html-manager", 1)
        body = WIDGET_SETUP.replace("FOLDER", repr(folder))
        try:  # Sphinx >= 7.2
            from sphinx.builders.html._assets import _JavaScript
        except ImportError:  # older Sphinx 7
            from sphinx.builders.html import JavaScript as _JavaScript

        kept.insert(manager[0], _JavaScript("", body=body, priority=500))
    scripts[:] = kept


def setup(app):
    # After myst-nb has added a page's widget scripts (priority 500).
    app.connect("html-page-context", _fix_page_scripts, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
