#!/usr/bin/env bash
# Run every test of the course:
#   1. ruff format --check and ruff check (the rules of pyproject.toml) on the Python code
#   2. a strict build of the website (scripts/build.sh)
#   3. one pytest run: rnnlib's unit tests and the book checks (tests/), every chapter notebook
#      through nbval (chapters/), and the browser tests of the built site (tests/browser/)
# Exits non-zero if any step failed; the last lines printed are pytest's summary.
#   bash scripts/test.sh                 set up .venv if needed, then test
#   SKIP_INSTALL=1 bash scripts/test.sh  test with the environment as it is
# Extra arguments go to pytest, e.g. bash scripts/test.sh -x -k intro
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# shellcheck source=scripts/setup.sh
source "$ROOT/scripts/setup.sh" --test || exit 1
set +e
export WM_SETUP_DONE=1

failed=()

# The Python code (chapters/ is excluded in pyproject.toml: nbval and the build check it). The
# venv's ruff, pinned in requirements-test.txt (and in .pre-commit-config.yaml).
lint_paths=(rnnlib tests scripts _ext benchmarks)
echo "== ruff format --check ${lint_paths[*]}"
if ! "$VENV/bin/ruff" format --check --output-format concise "${lint_paths[@]}"; then
  failed+=("ruff format --check (run: ruff format ${lint_paths[*]})")
fi
echo "== ruff check ${lint_paths[*]}"
if ! "$VENV/bin/ruff" check "${lint_paths[@]}"; then
  failed+=("ruff check")
fi

echo "== strict site build"
if ! bash "$ROOT/scripts/build.sh"; then
  failed+=("site build (-W -n --keep-going)")
fi

if [ ${#failed[@]} -gt 0 ]; then
  echo "test.sh: FAILED before pytest: ${failed[*]} (pytest below still runs everything else)"
fi

echo "== pytest: unit tests, notebooks (nbval), browser tests"
pytest tests chapters \
  --nbval-lax --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg \
  --nbval-cell-timeout=300 \
  -p no:cacheprovider -ra "$@"
rc=$?

# pytest exits 5 when it ran no test at all: that is a failure here too.
if [ "$rc" -eq 0 ] && [ ${#failed[@]} -gt 0 ]; then
  rc=1
fi
exit "$rc"
