"""Every chapter runs from an installed wheel of rnnlib, outside the repository (issue 11.5).

This is what a reader on Colab or Binder gets: the chapter's first cell pip-installs rnnlib from
the repository, which builds a wheel and installs it into a Python that has never seen the
checkout. A chapter that needs anything only the repository has (a path into it, a file that is
not package data, a build-only package such as myst-nb) works in the build and fails there.

The test builds a wheel of this working tree (with pip's build isolation, as a reader's pip
does), installs it into a new, clean virtual environment under pytest's temporary directory
(no system site-packages) together with what a reader's kernel has besides rnnlib (numpy,
matplotlib, ipywidgets, ipykernel and tqdm at the versions requirements.txt pins) and the two
packages that execute notebooks (nbclient and nbformat, at the versions of this environment),
then executes a copy of every chapter there, in a fresh kernel each, with Jupyter's and
IPython's configuration directories emptied. The chapter's first cell finds rnnlib already
installed (``try: import rnnlib`` succeeds), as it does on Colab after its ``%pip install``.
A last cell appended to each copy checks that the kernel ran in that environment and imported
rnnlib from its site-packages.

pip downloads the packages the first time (into a wheelhouse under ~/.cache, outside the
repository) and installs them from there afterwards. Slow (a minute or two on two cores):
deselect it with ``-m "not slow"``.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import re
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from packaging.requirements import Requirement

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted((ROOT / "chapters").glob("*.ipynb"))
# What a reader's kernel has besides rnnlib (Colab ships them; Binder installs requirements.txt).
READER_PACKAGES = ("numpy", "matplotlib", "ipywidgets", "ipykernel", "tqdm")
# What executes the notebooks; pulled in by jupyter-book, so pinned through it.
RUNNER_PACKAGES = ("nbclient", "nbformat")
CELL_TIMEOUT = 300  # seconds; a chapter runs in under 20 s
PARALLEL = 2  # chapters executed at once (two cores)
# Environment variables that could lead the clean environment back to this checkout or to
# this machine's Jupyter set-up.
DROPPED_ENV = (
    "PYTHONPATH",
    "PYTHONHOME",
    "PYTHONSTARTUP",
    "PYTHONUSERBASE",
    "VIRTUAL_ENV",
    "JUPYTER_PATH",
    "JUPYTER_CONFIG_PATH",
    "JUPYTER_RUNTIME_DIR",
    "PIP_REQUIRE_VIRTUALENV",
)

PROVENANCE_CELL = """\
import importlib.util, sys, rnnlib
assert sys.prefix == {prefix!r}, f"the kernel ran in {{sys.prefix}}, not the clean environment"
assert rnnlib.__file__.startswith({site!r}), f"rnnlib came from {{rnnlib.__file__}}"
print("rnnlib from", rnnlib.__file__, "; myst_nb installed:",
      importlib.util.find_spec("myst_nb") is not None)
"""

EXECUTE = """\
import sys, time
import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

path, provenance = sys.argv[1], sys.argv[2]
nb = nbformat.read(path, as_version=4)
nb.cells.append(nbformat.v4.new_code_cell(open(provenance).read()))
client = NotebookClient(nb, timeout={timeout}, kernel_name="python3",
                        resources={{"metadata": {{"path": sys.argv[3]}}}})
start = time.perf_counter()
try:
    client.execute()
except CellExecutionError as error:
    print(str(error)[-3000:], file=sys.stderr)
    sys.exit(1)
print("".join(o.get("text", "") for o in nb.cells[-1].outputs).strip())
print(f"executed in {{time.perf_counter() - start:.1f}} s")
"""


def requirement_pins() -> list[str]:
    """The exact pins for this Python of READER_PACKAGES (from requirements.txt) and of
    RUNNER_PACKAGES (the versions installed here)."""
    pins = {}
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if not line or line.startswith("-"):
            continue
        req = Requirement(line)
        if req.name.lower() in READER_PACKAGES and (req.marker is None or req.marker.evaluate()):
            pins[req.name.lower()] = f"{req.name}{req.specifier}"
    missing = set(READER_PACKAGES) - set(pins)
    assert not missing, f"requirements.txt pins none of {sorted(missing)} for this Python"
    for name in RUNNER_PACKAGES:
        pins[name] = f"{name}=={importlib.metadata.version(name)}"
    return sorted(pins.values())


def run(cmd: list, **kw) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [str(c) for c in cmd], check=False, capture_output=True, text=True, **kw
    )
    if result.returncode != 0:
        pytest.fail(
            f"{' '.join(map(str, cmd))} failed ({result.returncode}):\n"
            f"{result.stdout[-2000:]}\n{result.stderr[-3000:]}",
            pytrace=False,
        )
    return result


# Downloaded wheels, kept between runs outside the repository (like pip's own cache): querying
# the package index for some fifty packages took most of the install's time.
WHEELHOUSE = (
    Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    / "written-memories"
    / "wheelhouse"
)


def build_requirements() -> list[str]:
    """pyproject.toml's [build-system] requires (what pip's build isolation installs)."""
    import tomllib

    return tomllib.loads((ROOT / "pyproject.toml").read_text())["build-system"]["requires"]


def pip_from_wheelhouse(python, args: list, requirements: list[str]) -> None:
    """``python -m pip *args *requirements`` from WHEELHOUSE alone; if a requirement is not
    there yet, download it into WHEELHOUSE first (pip download: same versions, same index)."""
    quiet = ["--quiet", "--disable-pip-version-check"]
    offline = [
        python,
        "-m",
        "pip",
        *args,
        *quiet,
        "--no-index",
        "--find-links",
        WHEELHOUSE,
        *requirements,
    ]
    WHEELHOUSE.mkdir(parents=True, exist_ok=True)
    first = subprocess.run([str(c) for c in offline], check=False, capture_output=True)
    if first.returncode != 0:
        run([python, "-m", "pip", "download", *quiet, "-d", WHEELHOUSE, *requirements])
        run(offline)


def copy_sources(dest: Path) -> None:
    """What a wheel is built from: the top-level files (pyproject.toml, README, licenses) and
    the package, without caches."""
    dest.mkdir()
    for path in ROOT.iterdir():
        if path.is_file():
            shutil.copy2(path, dest / path.name)
    shutil.copytree(
        ROOT / "rnnlib",
        dest / "rnnlib",
        ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info"),
    )


@pytest.fixture(scope="module")
def executed(tmp_path_factory) -> dict:
    """Build, install and execute every chapter once; per chapter, the finished process."""
    base = tmp_path_factory.mktemp("installed_wheel")
    assert ROOT not in base.parents, f"{base} lies inside the repository"
    timings = {}
    start = time.perf_counter()
    copy_sources(base / "src")
    # build isolation, as a reader's pip: setuptools comes from the wheelhouse, not from here
    pip_from_wheelhouse(
        sys.executable,
        ["wheel", base / "src", "--no-deps", "-w", base / "dist"],
        build_requirements(),
    )
    wheels = list((base / "dist").glob("rnnlib-*.whl"))
    assert len(wheels) == 1, wheels
    timings["build"] = time.perf_counter() - start

    start = time.perf_counter()
    venv = base / "venv"
    run([sys.executable, "-m", "venv", venv])
    python = venv / "bin" / "python"
    # --no-compile: byte-compiling every installed module took most of the install's time;
    # the kernels compile what they import.
    pip_from_wheelhouse(python, ["install", "--no-compile", wheels[0]], requirement_pins())
    site = run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"])
    site = site.stdout.strip()
    timings["install"] = time.perf_counter() - start

    env = {k: v for k, v in os.environ.items() if k not in DROPPED_ENV}
    env.update(
        PATH=f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}",
        JUPYTER_CONFIG_DIR=str(base / "jupyter_config"),
        JUPYTER_DATA_DIR=str(base / "jupyter_data"),
        IPYTHONDIR=str(base / "ipython"),
        MPLCONFIGDIR=str(base / "matplotlib"),
        OMP_NUM_THREADS="1",
    )  # PARALLEL kernels on two cores: one BLAS thread each
    (base / "execute.py").write_text(EXECUTE.format(timeout=CELL_TIMEOUT))
    (base / "provenance.py").write_text(PROVENANCE_CELL.format(prefix=str(venv), site=site))
    chapters = base / "chapters"
    chapters.mkdir()

    def execute(path: Path) -> subprocess.CompletedProcess:
        copy = chapters / path.name
        shutil.copy2(path, copy)
        return subprocess.run(
            [
                str(python),
                str(base / "execute.py"),
                str(copy),
                str(base / "provenance.py"),
                str(chapters),
            ],
            check=False,
            cwd=chapters,
            env=env,
            capture_output=True,
            text=True,
            timeout=CELL_TIMEOUT * 4,
        )

    start = time.perf_counter()
    with ThreadPoolExecutor(PARALLEL) as pool:
        results = dict(zip((p.name for p in CHAPTERS), pool.map(execute, CHAPTERS)))
    timings["execute"] = time.perf_counter() - start
    print(f"installed-wheel test: {json.dumps({k: round(v, 1) for k, v in timings.items()})} s")
    return {"chapters": results, "site": Path(site)}


def test_every_chapter_is_tested():
    assert len(CHAPTERS) >= 9, [p.name for p in CHAPTERS]


# Files under rnnlib/data that are not read by any code and need not ship.
NOT_SHIPPED = ("*.log",)


def data_files(package: Path) -> set[str]:
    root = package / "data"
    return {
        str(p.relative_to(root))
        for p in root.rglob("*")
        if p.is_file()
        and "__pycache__" not in p.parts
        and not any(p.match(pattern) for pattern in NOT_SHIPPED)
    }


def test_the_wheel_ships_every_data_file(executed):
    """Every file of rnnlib/data (the comparison results, the trained NTM, ...) is package
    data: pyproject.toml's [tool.setuptools.package-data] must name its kind of file."""
    missing = data_files(ROOT / "rnnlib") - data_files(executed["site"] / "rnnlib")
    assert not missing, f"not in the wheel (declare them in pyproject.toml): {sorted(missing)}"


@pytest.mark.parametrize("chapter", [p.name for p in CHAPTERS])
def test_chapter_runs_from_the_installed_wheel(chapter, executed):
    result = executed["chapters"][chapter]
    if result.returncode != 0:
        error = re.sub(r"\x1b\[[0-9;]*m", "", result.stderr).strip()
        last = error.splitlines()[-1] if error else "(no error message)"
        pytest.fail(
            f"{chapter} failed in a clean environment holding only the rnnlib wheel and "
            f"a reader's packages (no myst_nb, no repository): {last}\n\n"
            f"{error[-2500:]}",
            pytrace=False,
        )
    assert "rnnlib from" in result.stdout, result.stdout
    assert "myst_nb installed: False" in result.stdout, result.stdout  # a reader's kernel
