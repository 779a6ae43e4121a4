"""The site build's own pieces (_ext/wm_site_fixes.py), without a browser or a full build.

- A figure's description (rnnlib.book.style.describe) reaches its output's metadata in a kernel of
  the build (the IPython profile the extension writes), and the figure is a pixel-doubled PNG
  shown at its 1x size.
- Consecutive printed outputs of one cell become one block; stdout and stderr stay apart.
- Pre-compressed copies are written only where they save space, and decompress to the file.
"""

from __future__ import annotations

import gzip
import os
import sys
import types
from pathlib import Path

import pytest
from docutils import nodes

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "_ext"))
import wm_site_fixes as fixes  # noqa: E402 (found through the sys.path line above)


def test_describe_checks_its_input():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from rnnlib.book.style import describe, new_figure

    fig, _ = new_figure()
    assert describe(fig, "  A line\n plot. ") is fig
    assert fig._wm_description == "A line plot."
    with pytest.raises(TypeError, match="expects a matplotlib Figure, got str"):
        describe("figure", "text")
    with pytest.raises(ValueError, match="non-empty description"):
        describe(fig, "   ")
    plt.close(fig)


@pytest.mark.slow
def test_build_kernel_carries_the_description(tmp_path, monkeypatch):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    app = types.SimpleNamespace(outdir=str(tmp_path / "_build" / "html"))
    monkeypatch.setenv("PYTHONPATH", os.environ.get("PYTHONPATH", ""))
    monkeypatch.setenv("IPYTHONDIR", os.environ.get("IPYTHONDIR", str(tmp_path / "unused")))
    fixes._configure_kernels(app, None)  # sets IPYTHONDIR and PYTHONPATH (restored afterwards)
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell(
            "import matplotlib.pyplot as plt\nfrom rnnlib.book.style import describe, new_figure"
        ),
        nbformat.v4.new_code_cell(
            "fig, ax = new_figure()\nax.plot([0, 1], [1, 0])\n"
            "describe(fig, 'A falling line.')\nplt.show()"
        ),
        nbformat.v4.new_code_cell("fig, ax = new_figure()\nax.plot([0, 1])\nplt.show()"),
    ]
    nbclient.NotebookClient(nb, timeout=120, kernel_name="python3").execute()
    described, plain = (
        [o for o in nb.cells[i].outputs if "image/png" in o.get("data", {})] for i in (1, 2)
    )
    assert len(described) == 1 and len(plain) == 1
    meta = described[0]["metadata"]["image/png"]
    assert meta["alt"] == "A falling line."
    assert "alt" not in plain[0]["metadata"].get("image/png", {})
    # Retina: the PNG has twice the pixels of the size it is shown at.
    import base64
    import struct

    png = base64.b64decode(described[0]["data"]["image/png"])
    width = struct.unpack(">I", png[16:20])[0]
    assert width // 2 == int(meta["width"]), (width, meta)


def _stream(text: str, stderr: bool = False) -> nodes.literal_block:
    classes = ["output", "stream"] + (["stderr"] if stderr else [])
    return nodes.literal_block(text, text, classes=classes, language="myst-ansi")


def test_consecutive_printed_outputs_merge():
    doc = nodes.document(None, None)
    cell = nodes.container(classes=["cell_output"])
    cell += [
        _stream("a\n"),
        _stream("b\n"),
        _stream("warn\n", stderr=True),
        nodes.image(uri="x.png"),
        _stream("c\n"),
        _stream("d\n"),
    ]
    doc += cell
    fixes._merge_streams(doc)
    kinds = [(type(c).__name__, c.astext()) for c in cell.children]
    assert kinds == [
        ("literal_block", "a\nb\n"),
        ("literal_block", "warn\n"),
        ("image", ""),
        ("literal_block", "c\nd\n"),
    ]
    assert cell.children[0]["classes"] == ["output", "stream"]
    assert cell.children[0]["language"] == "myst-ansi"


def test_compress_site(tmp_path):
    big = "function f() { return 1; }\n" * 200
    (tmp_path / "a.js").write_text(big)
    (tmp_path / "tiny.css").write_text("p{}")
    (tmp_path / "noise.svg").write_bytes(os.urandom(4000))
    (tmp_path / "b.png").write_bytes(big.encode())
    count, saved = fixes.compress_site(tmp_path)
    assert count == 1 and saved > 0
    assert gzip.decompress((tmp_path / "a.js.gz").read_bytes()).decode() == big
    assert not (tmp_path / "tiny.css.gz").exists()  # too small to bother
    assert not (tmp_path / "noise.svg.gz").exists()  # does not compress
    assert not (tmp_path / "b.png.gz").exists()  # not a text file


def test_page_fixes_fail_loudly_when_the_template_changes(tmp_path):
    page = tmp_path / "p.html"
    page.write_text('<link href="pydata-sphinx-theme.css"><meta name="viewport" content="x">')
    with pytest.raises(fixes.ExtensionError, match="fontawesome.js"):
        fixes._fix_html(page)
    page.write_text(
        '<html><head><meta name="viewport" content="width=device-width, initial-scale=1.0" />'
        '<meta name="viewport" content="width=device-width, initial-scale=1"/>'
        '<title>Book &#8212; Book</title><link href="pydata-sphinx-theme.css">\n'
        '  <script defer src="_static/scripts/fontawesome.js?digest=1"></script>'
        '<div role="doc-biblioentry"></div></head></html>'
    )
    fixes._fix_html(page)
    html = page.read_text()
    assert html.count('name="viewport"') == 1 and "fontawesome" not in html
    assert "<title>Book</title>" in html and 'role="listitem"' in html
