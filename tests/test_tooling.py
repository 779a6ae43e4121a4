"""The developer tooling agrees with itself: pre-commit runs the ruff the test command runs, on
the same files."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _ruff_pin() -> str:
    text = (ROOT / "requirements-test.txt").read_text(encoding="utf-8")
    pins = re.findall(r"^ruff==(\S+)\s*$", text, re.MULTILINE)
    assert len(pins) == 1, f"requirements-test.txt should pin ruff exactly once; found {pins}"
    return pins[0]


def test_pre_commit_runs_the_pinned_ruff():
    config = (ROOT / ".pre-commit-config.yaml").read_text(encoding="utf-8")
    rev = re.search(r"repo: https://github.com/astral-sh/ruff-pre-commit\s+rev: v(\S+)", config)
    assert rev, ".pre-commit-config.yaml should use astral-sh/ruff-pre-commit"
    assert rev.group(1) == _ruff_pin(), (
        f"pre-commit's ruff is v{rev.group(1)}, requirements-test.txt pins ruff=={_ruff_pin()}"
    )


def test_the_test_command_lints_every_python_file_of_the_repository():
    """Every tracked .py file outside chapters/ is under a path scripts/test.sh lints."""
    script = (ROOT / "scripts" / "test.sh").read_text(encoding="utf-8")
    paths = re.search(r"^lint_paths=\(([^)]*)\)", script, re.MULTILINE)
    assert paths, "scripts/test.sh should name its lint paths in lint_paths=(...)"
    linted = paths.group(1).split()
    tracked = subprocess.run(
        ["git", "ls-files", "*.py"], cwd=ROOT, capture_output=True, text=True, check=False
    ).stdout.split()
    if not tracked:  # not a git checkout (an sdist): nothing to compare
        return
    missed = [f for f in tracked if f.split("/")[0] not in linted]
    assert not missed, f"Python files that scripts/test.sh does not lint: {missed}"
