"""Checks of the book's frame: table of contents, configuration, first cells, citations, pins."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml
from book_toc import toc_files

ROOT = Path(__file__).resolve().parents[1]

REQUIRED_BIB_KEYS = {
    "hochreiter1997lstm",
    "gers2000forget",
    "gers2000peephole",
    "cho2014gru",
    "chung2014gru",
    "glorot2010init",
    "pascanu2013difficulty",
    "greff2015odyssey",
    "jozefowicz2015empirical",
    "ba2016layernorm",
    "he2015residual",
    "srivastava2015highway",
    "graves2014ntm",
    "bahdanau2014attention",
    "r2rt2016written",
}


def load_yaml(name: str) -> dict:
    return yaml.safe_load((ROOT / name).read_text(encoding="utf-8"))


def resolve(doc: str) -> Path | None:
    for suffix in ("", ".md", ".ipynb"):
        path = ROOT / f"{doc}{suffix}"
        if path.is_file():
            return path
    return None


def chapter_notebooks() -> list[Path]:
    return sorted((ROOT / "chapters").glob("*.ipynb"))


def first_code_cell(path: Path) -> str:
    nb = json.loads(path.read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            source = cell["source"]
            return "".join(source) if isinstance(source, list) else source
    return ""


def test_every_toc_entry_exists():
    missing = [doc for doc in toc_files() if resolve(doc) is None]
    assert not missing, f"_toc.yml names files that do not exist: {missing}"


def test_toc_lists_every_chapter_notebook():
    listed = {str(resolve(doc).relative_to(ROOT)) for doc in toc_files() if resolve(doc)}
    unlisted = [
        str(p.relative_to(ROOT))
        for p in chapter_notebooks()
        if str(p.relative_to(ROOT)) not in listed
    ]
    assert not unlisted, f"chapter notebooks missing from _toc.yml: {unlisted}"


def test_config_is_strict_and_points_at_main():
    config = load_yaml("_config.yml")
    assert config["execute"]["execute_notebooks"] == "force"
    assert config["execute"]["raise_on_error"] is True
    assert config["repository"]["branch"] == "main"
    assert config["repository"]["url"].startswith("https://github.com/")
    # Without recursive_update the theme options would drop the launch/repository buttons.
    assert config["sphinx"]["recursive_update"] is True
    for excluded in ("_build", ".venv", "node_modules", "tests", "README.md"):
        assert excluded in config["exclude_patterns"], excluded


def test_assets_are_served_locally():
    sphinx = load_yaml("_config.yml")["sphinx"]["config"]
    for path in [sphinx["mathjax_path"], *sphinx["nb_ipywidgets_js"]]:
        assert "://" not in path and not path.startswith("//"), f"{path} is not a local path"


@pytest.mark.parametrize("path", chapter_notebooks(), ids=lambda p: p.name)
def test_first_code_cell_installs_rnnlib_from_the_configured_repository(path: Path):
    url = load_yaml("_config.yml")["repository"]["url"].rstrip("/")
    cell = first_code_cell(path)
    assert "import rnnlib" in cell, f"{path.name}: first code cell does not import rnnlib"
    assert "except ImportError" in cell, f"{path.name}: first code cell is not the standard one"
    named = {u.rstrip("/").removesuffix(".git") for u in re.findall(r"https?://[^\s\"'@]+", cell)}
    assert named == {url}, (
        f"{path.name}: first code cell names {sorted(named)}, _config.yml names {url}; "
        "copy the standard first cell from CONTRIBUTING.md"
    )
    assert f"git+{url}" in cell
    # The chapters need matplotlib and ipywidgets too: a bare JupyterLab has neither.
    assert f'"rnnlib[widgets] @ git+{url}"' in cell, (
        f"{path.name}: the first cell must install rnnlib with its widgets extra"
    )
    assert "import ipywidgets, matplotlib, rnnlib" in cell


@pytest.mark.parametrize("path", chapter_notebooks(), ids=lambda p: p.name)
def test_first_code_cell_is_the_one_in_contributing_and_hidden_on_the_site(path: Path):
    """Every chapter starts with the same cell, the one CONTRIBUTING.md gives; the site does not
    repeat it on every page (remove-cell: the intro says what it does), the notebook keeps it."""
    text = (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")
    section = text[text.index("### The standard first code cell") :]
    start = section.index("```python\n") + len("```python\n")
    standard = section[start : section.index("\n```", start)]
    nb = json.loads(path.read_text(encoding="utf-8"))
    cell = next(c for c in nb["cells"] if c["cell_type"] == "code")
    assert first_code_cell(path).strip() == standard.strip(), (
        f"{path.name}: first code cell differs from CONTRIBUTING.md's standard cell"
    )
    assert "remove-cell" in cell.get("metadata", {}).get("tags", []), (
        f"{path.name}: the first cell should carry the remove-cell tag"
    )


def bib_keys() -> list[str]:
    text = (ROOT / "references.bib").read_text(encoding="utf-8")
    return re.findall(r"^@\w+\{([^,\s]+),", text, flags=re.MULTILINE)


def test_bibliography_has_every_reference_once():
    keys = bib_keys()
    duplicates = sorted({k for k in keys if keys.count(k) > 1})
    assert not duplicates, f"duplicate keys in references.bib: {duplicates}"
    missing = sorted(REQUIRED_BIB_KEYS - set(keys))
    assert not missing, f"references.bib lacks: {missing}"


def cited_keys(text: str) -> set[str]:
    keys = set()
    for group in re.findall(r"\{cite(?::\w+)?\}`([^`]+)`", text):
        keys.update(k.strip() for k in group.split(",") if k.strip())
    return keys


def test_every_citation_has_an_entry():
    known = set(bib_keys())
    sources = [ROOT / "intro.md", *chapter_notebooks()]
    unknown = {}
    for path in sources:
        missing = cited_keys(path.read_text(encoding="utf-8")) - known
        if missing:
            unknown[path.name] = sorted(missing)
    assert not unknown, f"citations with no entry in references.bib: {unknown}"
    assert cited_keys((ROOT / "intro.md").read_text(encoding="utf-8")), "intro.md cites nothing"


@pytest.mark.parametrize("name", ["requirements.txt", "requirements-test.txt"])
def test_requirements_are_exact_pins_without_torch(name: str):
    for line in (ROOT / name).read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if not line or line.startswith(("-e ", "-r ")):
            continue
        requirement = line.split(";", 1)[0].strip()
        assert re.fullmatch(r"[A-Za-z0-9_.\-\[\]]+==[\w.]+", requirement), (
            f"{name}: '{line}' is not an exact pin"
        )
        assert not requirement.lower().startswith("torch"), f"{name} must not install torch"
