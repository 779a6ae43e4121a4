"""Sphinx fixes and additions that make every page of the book work for its readers.

Loaded through `sphinx.local_extensions` in _config.yml. In order of the build:

1. Notebook execution (config-inited): the kernels the build starts get an IPython profile of
   the build (_build/ipython, via IPYTHONDIR) that draws inline figures as pixel-doubled PNGs
   ("retina": twice the pixels, shown at the same CSS size, so figures stay sharp on 2x
   screens and when a reader opens them full size) and carries a figure's description
   (`rnnlib.book.style.describe`) into its output's metadata. A reader's JupyterLab is unchanged.
2. Site assets (config-inited): _ext/static (favicon, wm_site.css, wm_site.js) is served as
   _static/; wm_site.css and wm_site.js are added to every page.
3. Doctree (doctree-read): consecutive stdout (or stderr) outputs of one cell, separated only
   by outputs that render nothing (myst-nb's `glue`), become one output block, as they read in
   a notebook; figures in cell outputs get the description the notebook gave them as alt
   text, and link to their image file (a tap opens it full size; wm_site.js shows it in a
   viewer when JavaScript runs).
4. Page context (html-page-context):
   - Jupyter Book 1.0.4 with Sphinx 7.4 emits some inline configuration scripts twice per page
     (sphinx-thebe's `const THEBE_JS_URL = ...`, sphinx-togglebutton's selector). Declaring a
     `const` twice throws "Identifier 'THEBE_JS_URL' has already been declared" in every page.
     Identical scripts are removed here, keeping the first of each.
   - Pages with widgets get a short script just before the ipywidgets HTML manager
     (_static/html-manager/embed-amd.js): require.js paths for the manager's AMD modules (the
     manager finds its icon fonts relative to the URL require.js gives its modules, by default
     a folder next to the page: 404s); and ipywidgets 8 typesets widget labels with the
     MathJax 2 API (`MathJax.Hub.Queue`), which throws under the site's MathJax 3: a small
     `Hub.Queue` that calls MathJax 3 instead.
   - MathJax typesets the page in slices of 12 formulas, yielding to the browser between
     them (in one go a chapter's formulas were one task of 300-500 ms).
   - One viewport meta tag: docutils adds its own to the page's meta tags (and the two themes
     one each; the extra one of the base theme is removed in step 5).
5. Written pages (build-finished), checked so that a theme upgrade that changes them fails the
   build instead of silently undoing the fix:
   - the theme's fontawesome.js (1.5 MB) is not loaded: the theme's stylesheet already draws
     every icon with the Font Awesome web fonts, and the script's swapping of <i> icons for
     SVGs broke the widgets' Play button (a TypeError in embed-amd.js);
   - the base theme's second viewport meta tag is removed;
   - bibliography entries are list items of their list (role="listitem", not the deprecated
     doc-biblioentry, which axe-core counts as a critical violation);
   - the home page's title is the book's title once ("Written Memories", not "Written
     Memories - Written Memories");
   - every text file of the site that compresses well gets a gzip copy next to it (X.gz), for
     web servers that serve pre-compressed files (nginx `gzip_static on;`, the browser tests'
     server); other servers ignore the copies.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import re
from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx.errors import ExtensionError

HERE = Path(__file__).resolve().parent
STATIC = HERE / "static"
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

# MathJax typesets a page in slices of formulas, yielding to the browser between them: in one
# go, a chapter's 100-200 formulas were one task of 300-500 ms (a page that does not respond).
# MathJax.startup.promise still resolves when every formula is typeset.
MATHJAX_SLICES = """\
(function () {
  var mj = window.MathJax = window.MathJax || {};
  mj.startup = mj.startup || {};
  mj.startup.pageReady = function () {
    var boxes = Array.prototype.slice.call(document.querySelectorAll("span.math, div.math"));
    var size = 12;
    function pause() { return new Promise(function (resolve) { setTimeout(resolve, 0); }); }
    function next(i) {
      if (i >= boxes.length) return window.MathJax.typesetPromise();  // any math elsewhere
      return window.MathJax.typesetPromise(boxes.slice(i, i + size)).then(pause)
        .then(function () { return next(i + size); });
    }
    return next(0);
  };
})();"""

# The IPython profile of the build's kernels (step 1).
KERNEL_CONFIG = """\
# Written by _ext/wm_site_fixes.py for the kernels of the site build; do not edit.
c = get_config()  # noqa: F821
# Figures as pixel-doubled PNGs shown at their 1x size (output metadata width/height).
c.InlineBackend.figure_formats = {"retina"}
c.InlineBackend.print_figure_kwargs = {"bbox_inches": "tight"}
c.InteractiveShellApp.exec_lines = [
    "import wm_build_kernel; wm_build_kernel.install(get_ipython())",
]
"""

KERNEL_MODULE = '''\
"""Imported by the build's kernels (see _ext/wm_site_fixes.py): a figure's description
(rnnlib.book.style.describe sets `figure._wm_description`) goes into the metadata of its PNG
output as "alt", which the site build turns into the image's alt text."""


def install(shell):
    formatter = shell.display_formatter
    original = formatter.format
    if getattr(original, "_wm_wrapped", False):
        return

    def format(obj, include=None, exclude=None):
        data, meta = original(obj, include=include, exclude=exclude)
        text = getattr(obj, "_wm_description", None)
        if text and "image/png" in data:
            meta = dict(meta or {})
            meta["image/png"] = {**meta.get("image/png", {}), "alt": str(text)}
        return data, meta

    format._wm_wrapped = True
    formatter.format = format
'''


# 1. Notebook execution -----------------------------------------------------------------------
def _configure_kernels(app, config) -> None:
    profile_root = Path(app.outdir).parent / "ipython"
    profile = profile_root / "profile_default"
    profile.mkdir(parents=True, exist_ok=True)
    (profile / "ipython_kernel_config.py").write_text(KERNEL_CONFIG, encoding="utf-8")
    startup_path = profile_root / "extensions"
    startup_path.mkdir(exist_ok=True)
    (startup_path / "wm_build_kernel.py").write_text(KERNEL_MODULE, encoding="utf-8")
    os.environ["IPYTHONDIR"] = str(profile_root)
    # The kernel imports wm_build_kernel from here (IPython puts extensions/ on sys.path only
    # for %load_ext; the kernel's PYTHONPATH is the reliable way).
    paths = [str(startup_path)] + [
        p
        for p in os.environ.get("PYTHONPATH", "").split(os.pathsep)
        if p and p != str(startup_path)
    ]
    os.environ["PYTHONPATH"] = os.pathsep.join(paths)


# 2. Site assets ------------------------------------------------------------------------------
def _add_static(app, config) -> None:
    if str(STATIC) not in [str(Path(app.confdir, p).resolve()) for p in config.html_static_path]:
        config.html_static_path.append(str(STATIC))


# 3. Doctree ----------------------------------------------------------------------------------
def _stream_kind(node: nodes.Node) -> str | None:
    if isinstance(node, nodes.literal_block) and "stream" in node.get("classes", []):
        return "stderr" if "stderr" in node["classes"] else "stdout"
    return None


def _merge_streams(doctree: nodes.document) -> None:
    for container in doctree.findall(nodes.container):
        if "cell_output" not in container.get("classes", []):
            continue
        children = list(container.children)
        merged: list[nodes.Node] = []
        for child in children:
            kind = _stream_kind(child)
            if merged and kind is not None and _stream_kind(merged[-1]) == kind:
                last = merged[-1]
                text = last.astext()
                if not text.endswith("\n"):
                    text += "\n"
                text += child.astext()
                new = nodes.literal_block(
                    text,
                    text,
                    **{k: v for k, v in last.attributes.items() if k not in ("ids", "backrefs")},
                )
                new.source, new.line = last.source, last.line
                merged[-1] = new
            else:
                merged.append(child)
        if len(merged) != len(children):
            container.children = []
            container.extend(merged)


def _output_image_alts(app, docname: str) -> dict[str, str]:
    """{image file name: alt} for the PNG outputs of the executed notebook of `docname` that
    carry a description (output metadata "alt"); myst-nb names an image file by the sha256 of
    its bytes."""
    executed = Path(app.outdir).parent / "jupyter_execute" / f"{docname}.ipynb"
    if not executed.is_file():
        return {}
    import base64

    notebook = json.loads(executed.read_text(encoding="utf-8"))
    alts = {}
    for cell in notebook.get("cells", []):
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            alt = output.get("metadata", {}).get("image/png", {}).get("alt")
            if "image/png" in data and alt:
                content = data["image/png"]
                if isinstance(content, list):
                    content = "".join(content)
                digest = hashlib.sha256(base64.b64decode(content)).hexdigest()
                alts[f"{digest}.png"] = alt
    return alts


def _figures(app, doctree: nodes.document) -> None:
    alts = None
    for image in list(doctree.findall(nodes.image)):
        output = image.parent
        while output is not None and not (
            isinstance(output, nodes.container) and "cell_output" in output.get("classes", [])
        ):
            output = output.parent
        if output is None:
            continue
        uri = image.get("uri", "")
        if "alt" not in image:
            if alts is None:
                alts = _output_image_alts(app, app.env.docname)
            alt = alts.get(Path(uri).name)
            if alt:
                image["alt"] = alt
        image["classes"].append("wm-figure")


def _doctree_read(app, doctree) -> None:
    _merge_streams(doctree)
    _figures(app, doctree)


# 4. Page context -----------------------------------------------------------------------------
def _key(asset: Any) -> tuple:
    filename = getattr(asset, "filename", asset) or ""
    attributes = getattr(asset, "attributes", {}) or {}
    return (filename, tuple(sorted((k, str(v)) for k, v in attributes.items())))


VIEWPORT = re.compile(r'\s*<meta name="viewport"[^>]*>')


def _fix_page_context(app, pagename, templatename, context, doctree) -> None:
    if "metatags" in context:
        context["metatags"] = VIEWPORT.sub("", context["metatags"])

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

    try:  # Sphinx >= 7.2
        from sphinx.builders.html._assets import _JavaScript
    except ImportError:  # older Sphinx 7
        from sphinx.builders.html import JavaScript as _JavaScript

    config = [
        i
        for i, a in enumerate(kept)
        if (getattr(a, "attributes", {}) or {}).get("body", "").startswith("window.MathJax = ")
    ]
    if config:
        kept.insert(config[0] + 1, _JavaScript("", body=MATHJAX_SLICES, priority=500))

    manager = [
        i for i, a in enumerate(kept) if (getattr(a, "filename", "") or "").endswith(MANAGER)
    ]
    if manager:
        folder = context["pathto"]("_static/html-manager", 1)
        body = WIDGET_SETUP.replace("FOLDER", repr(folder))
        kept.insert(manager[0], _JavaScript("", body=body, priority=500))
    scripts[:] = kept


# 5. Written pages ----------------------------------------------------------------------------
FONTAWESOME_JS = re.compile(
    r'\s*<script defer src="[^"]*_static/scripts/fontawesome\.js[^"]*">'
    r"</script>"
)
BASE_VIEWPORT = '<meta name="viewport" content="width=device-width, initial-scale=1.0" />'
DOUBLE_TITLE = re.compile(r"<title>([^<]+?) &#8212; \1</title>")
COMPRESSIBLE = {".html", ".js", ".css", ".svg", ".json", ".txt", ".inv"}


def _fix_html(path: Path) -> None:
    html = path.read_text(encoding="utf-8")
    if "pydata-sphinx-theme.css" not in html:
        return  # not a page of the theme (e.g. index.html, a redirect to the home page)
    problems = []
    html, n = FONTAWESOME_JS.subn("", html)
    if n != 1:
        problems.append(f"expected the theme's fontawesome.js script once, found it {n} times")
    count = len(VIEWPORT.findall(html))
    if count == 2 and BASE_VIEWPORT in html:
        html = html.replace(BASE_VIEWPORT, "", 1)
    elif count != 1:
        problems.append(f"expected 1 or 2 viewport meta tags, found {count}")
    # The bibliography: role="list" holds citations with DPUB's deprecated doc-biblioentry
    # role, which is no list item (axe: aria-required-children, critical).
    html = html.replace('role="doc-biblioentry"', 'role="listitem"')
    # A page titled like the book (the home page) is titled once, not "Title - Title".
    html = DOUBLE_TITLE.sub(r"<title>\1</title>", html, count=1)
    if problems:
        raise ExtensionError(
            f"wm_site_fixes: {path}: "
            + "; ".join(problems)
            + " (did a theme upgrade change the page template?)"
        )
    path.write_text(html, encoding="utf-8")


def compress_site(outdir: Path, min_size: int = 1024) -> tuple[int, int]:
    """Write X.gz next to every compressible file X of `outdir` larger than `min_size` bytes
    whose gzip copy saves at least 10 %. Returns (files compressed, bytes saved)."""
    count = saved = 0
    for path in sorted(outdir.rglob("*")):
        if not path.is_file() or path.suffix not in COMPRESSIBLE:
            continue
        data = path.read_bytes()
        if len(data) < min_size:
            continue
        packed = gzip.compress(data, compresslevel=9, mtime=0)
        target = path.with_name(path.name + ".gz")
        if len(packed) <= 0.9 * len(data):
            target.write_bytes(packed)
            count += 1
            saved += len(data) - len(packed)
        elif target.exists():
            target.unlink()
    return count, saved


def _build_finished(app, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    outdir = Path(app.outdir)
    for path in outdir.rglob("*.html"):
        if path.name.startswith("_") or "_static" in path.parts:
            continue
        _fix_html(path)
    count, saved = compress_site(outdir)
    from sphinx.util import logging

    logging.getLogger(__name__).info(
        f"wm_site_fixes: gzip copies of {count} files ({saved / 1e6:.1f} MB smaller)"
    )


def setup(app):
    app.connect("config-inited", _configure_kernels)
    app.connect("config-inited", _add_static)
    app.add_css_file("wm_site.css")
    app.add_js_file("wm_site.js", loading_method="defer")
    app.connect("doctree-read", _doctree_read)
    # After myst-nb has added a page's widget scripts (priority 500).
    app.connect("html-page-context", _fix_page_context, priority=900)
    app.connect("build-finished", _build_finished)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
