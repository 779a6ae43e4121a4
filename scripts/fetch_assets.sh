#!/usr/bin/env bash
# Fetch the front-end assets the built site serves itself, so that no page loads anything from a
# CDN: MathJax 3, require.js and the ipywidgets 8 HTML manager, in the versions pinned by
# package.json and package-lock.json (npm registry, `npm ci`). Only the files a page can load are
# copied into assets/vendor/ (git-ignored), which _config.yml lists in html_static_path; they are
# served from _static/mathjax/, _static/require/ and _static/html-manager/.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
DEST="assets/vendor"
stamp="$DEST/.fetched.sha256"
digest="$(cat package-lock.json scripts/fetch_assets.sh | sha256sum | cut -d' ' -f1)"

if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$digest" ]; then
  echo "fetch_assets.sh: $DEST is up to date"
  exit 0
fi

if ! command -v npm >/dev/null 2>&1; then
  echo "fetch_assets.sh: npm is needed to fetch MathJax and the widget scripts" \
       "(Debian/Ubuntu: apt-get install nodejs npm)" >&2
  exit 1
fi

echo "fetch_assets.sh: npm ci (pinned by package-lock.json)"
npm ci --ignore-scripts --no-audit --no-fund --loglevel=error

rm -rf "$DEST"
mkdir -p "$DEST/mathjax/output/chtml/fonts" "$DEST/mathjax/input/tex" "$DEST/require" \
         "$DEST/html-manager"

# MathJax: the TeX-to-CommonHTML bundle, its web fonts, and the TeX extensions it may autoload
# (e.g. \boldsymbol, \cancel). Not copied: other outputs, MathML input, the speech engine.
mj=node_modules/mathjax/es5
cp "$mj/tex-chtml.js" "$DEST/mathjax/"
cp -r "$mj/output/chtml/fonts/woff-v2" "$DEST/mathjax/output/chtml/fonts/"
cp -r "$mj/input/tex/extensions" "$DEST/mathjax/input/tex/"
cp node_modules/mathjax/LICENSE "$DEST/mathjax/"

cp node_modules/requirejs/require.js "$DEST/require/"
cp node_modules/requirejs/README.md "$DEST/require/" 2>/dev/null || true

# The ipywidgets HTML manager (AMD build, loaded with require.js) and the icon fonts its
# stylesheet refers to, in the formats browsers pick (woff2, then woff); the legacy
# eot/svg/ttf copies (2.4 MB) are never requested by a current browser.
hm=node_modules/@jupyter-widgets/html-manager
cp "$hm/dist/embed-amd.js" "$DEST/html-manager/"
cp "$hm"/dist/*.woff2 "$hm"/dist/*.woff "$DEST/html-manager/"
cp "$hm/LICENSE" "$DEST/html-manager/" 2>/dev/null || true

echo "$digest" > "$stamp"
echo "fetch_assets.sh: copied $(du -sh "$DEST" | cut -f1) into $DEST"
