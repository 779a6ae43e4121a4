#!/usr/bin/env bash
# Create or reuse the virtual environment .venv and install the pinned requirements and rnnlib
# (editable): all that JupyterLab needs to run the chapters (no npm). Sourced by build.sh and
# test.sh; also usable alone:  bash scripts/setup.sh [--test]
# (The site build also needs the vendored front-end assets: build.sh fetches them with npm.)
#
# Environment:
#   PYTHON=python3.12   interpreter used to create .venv (default: python3; needs >= 3.10)
#   VENV=path           where the virtual environment lives (default: .venv in the repository)
#   SKIP_INSTALL=1      reuse .venv as it is (no pip)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

want_test=0
for arg in "$@"; do
  case "$arg" in
    --test) want_test=1 ;;
    *) echo "setup.sh: unknown argument $arg" >&2; exit 2 ;;
  esac
done

VENV="${VENV:-$ROOT/.venv}"
PY="${PYTHON:-python3}"

if [ ! -x "$VENV/bin/python" ]; then
  if ! command -v "$PY" >/dev/null 2>&1; then
    echo "setup.sh: no '$PY' found; install Python >= 3.10 or set PYTHON=..." >&2
    exit 1
  fi
  if ! "$PY" -c 'import sys; sys.exit(sys.version_info < (3, 10))'; then
    echo "setup.sh: $("$PY" --version 2>&1) is too old; Python >= 3.10 is needed (set PYTHON=...)" >&2
    exit 1
  fi
  echo "setup.sh: creating $VENV with $("$PY" --version 2>&1)"
  "$PY" -m venv "$VENV"
fi

if [ "${SKIP_INSTALL:-0}" != "1" ]; then
  # Re-install only when a requirements file or pyproject.toml changed since the last install.
  files=(requirements.txt pyproject.toml)
  [ "$want_test" = 1 ] && files+=(requirements-test.txt)
  stamp="$VENV/.written-memories-$( [ "$want_test" = 1 ] && echo test || echo build ).sha256"
  digest="$(cat "${files[@]}" | sha256sum | cut -d' ' -f1)"
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$digest" ] || [ ! -d "$ROOT/rnnlib" ] \
      || ! "$VENV/bin/python" -c 'import rnnlib' >/dev/null 2>&1; then
    echo "setup.sh: installing pinned requirements into $VENV"
    req=(-r requirements.txt)
    [ "$want_test" = 1 ] && req+=(-r requirements-test.txt)
    # (Some machines' pip configuration names local index folders that do not exist; pip then
    # prints one harmless "Location ... is ignored" line per package: those are filtered out.)
    { "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip \
      && "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "${req[@]}"; } 2>&1 \
      | { grep -v "^WARNING: Location '.*' is ignored: it is neither a file nor a directory" || true; }
    echo "$digest" > "$stamp"
  else
    echo "setup.sh: $VENV is up to date"
  fi
else
  echo "setup.sh: SKIP_INSTALL=1, reusing $VENV as it is"
fi

# Used by the scripts that source this file.
export PATH="$VENV/bin:$PATH"
export VIRTUAL_ENV="$VENV"
# Quieten two start-up notices of Jupyter and of the kernel's debugger (Python 3.11+).
export JUPYTER_PLATFORM_DIRS=1
export PYDEVD_DISABLE_FILE_VALIDATION=1
