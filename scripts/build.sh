#!/usr/bin/env bash
# Build the course website into _build/html, strictly: every notebook is executed, and any warning
# or failing cell fails the build (jupyter-book build -W -n --keep-going).
#   bash scripts/build.sh              set up .venv if needed, then build
#   SKIP_INSTALL=1 bash scripts/build.sh   build with the environment and assets as they are
# Needs npm (the first time, and when package-lock.json changes): scripts/fetch_assets.sh
# fetches the pinned MathJax, require.js and widget manager the site serves itself.
# The exit status and log are also written to _build/build_status.json and _build/build.log,
# which the browser tests read.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
if [ "${WM_SETUP_DONE:-0}" != "1" ]; then
  # shellcheck source=scripts/setup.sh
  source "$ROOT/scripts/setup.sh"
fi
if [ "${SKIP_INSTALL:-0}" != "1" ]; then
  bash "$ROOT/scripts/fetch_assets.sh"
else
  echo "build.sh: SKIP_INSTALL=1, reusing assets/vendor as it is"
fi

mkdir -p _build
# While the notebooks execute, each widget precomputes its figures for the static site into this
# folder (rnnlib/widgets/static.py); it is kept between builds, and a payload is recomputed only
# when something it depends on changed (rnnlib's source, the grid, the widget's data).
export WM_STATIC_WIDGETS="$ROOT/_build/static-widgets"
# A clean output folder: no page or asset left over from an earlier build is served or tested.
rm -rf _build/html _build/jupyter_execute
start=$(date +%s)
set +e
# --all: a fresh Sphinx environment, so every page is re-read and every notebook re-run; an
# incremental build would not repeat the warnings of pages it did not re-read.
jupyter-book build . --all -W -n --keep-going 2>&1 | tee _build/build.log
rc=${PIPESTATUS[0]}
set -e
secs=$(( $(date +%s) - start ))
python - "$rc" "$secs" <<'PY'
import json, sys
rc, secs = int(sys.argv[1]), int(sys.argv[2])
json.dump({"returncode": rc, "seconds": secs, "log": "_build/build.log"},
          open("_build/build_status.json", "w"))
PY
if [ "$rc" -ne 0 ]; then
  echo "build.sh: FAILED (exit $rc) after ${secs}s; see the warnings above or _build/build.log" >&2
  exit "$rc"
fi
echo "build.sh: built _build/html in ${secs}s; serve it with: python3 -m http.server -d _build/html"
