#!/usr/bin/env bash
# Vendor vega, vega-lite, vega-embed (at the versions the installed altair asks for) and the
# ipywidgets HTML manager from the npm registry into _static/vendor/, with their licences.
# Usage: scripts/vendor.sh [python]   (run by `make vendor`)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
PY=${1:-$root/.venv/bin/python}; case "$PY" in /*) ;; *) PY="$PWD/$PY";; esac
HTML_MANAGER_VERSION=1.0.15
out="$root/_static/vendor"
read -r VG VL VE < <("$PY" -c "import altair as a; print(a.VEGA_VERSION, a.VEGALITE_VERSION, a.VEGAEMBED_VERSION)")
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
cd "$work"
npm pack --silent "vega@$VG" "vega-lite@$VL" "vega-embed@$VE" "@jupyter-widgets/html-manager@$HTML_MANAGER_VERSION" >packs.txt
for t in *.tgz; do d="${t%.tgz}"; mkdir "$d"; tar -xzf "$t" -C "$d" --strip-components=1; done
vdir=$(ls -d vega-[0-9]*/); vldir=$(ls -d vega-lite-[0-9]*/); vedir=$(ls -d vega-embed-[0-9]*/)
hmdir=$(ls -d jupyter-widgets-html-manager-*/)
ver() { "$PY" -c "import json,sys; print(json.load(open(sys.argv[1]))['version'])" "$1/package.json"; }
rm -rf "$out"; mkdir -p "$out/licenses" "$out/html-manager"
# vega-offline.js: what draws a chart (vega, and vega-embed for tooltips and the embed options).
# vega-lite-offline.js: the Vega-Lite compiler, loaded only where a chart arrives uncompiled (local
# notebooks); the site's charts are compiled to Vega when the book is built (standoff.sphinxext).
# vega-embed's UMD build takes vega-lite from the page when it loads; it is never given one, because the
# chart script (standoff.theme) compiles Vega-Lite itself and always embeds in "vega" mode.
{
  echo "/* Vendored for offline use by scripts/vendor.sh. Do not edit."
  echo "   vega $(ver "$vdir") (BSD-3-Clause), vega-embed $(ver "$vedir") (BSD-3-Clause). */"
  for f in "$vdir/build/vega.min.js" "$vedir/build/vega-embed.min.js"; do
    grep -v '^//# sourceMappingURL=' "$f"; echo ";"
  done
} >"$out/vega-offline.js"
{
  echo "/* Vendored for offline use by scripts/vendor.sh. Do not edit. vega-lite $(ver "$vldir") (BSD-3-Clause). */"
  grep -v '^//# sourceMappingURL=' "$vldir/build/vega-lite.min.js"; echo ";"
} >"$out/vega-lite-offline.js"
cp "$vdir/LICENSE" "$out/licenses/vega-LICENSE"
cp "$vldir/LICENSE" "$out/licenses/vega-lite-LICENSE"
cp "$vedir/LICENSE" "$out/licenses/vega-embed-LICENSE"
# html-manager ships no LICENSE file: keep its declared licence and the bundled third-party notices
{ echo "@jupyter-widgets/html-manager $(ver "$hmdir"): licence \"$("$PY" -c "import json,sys; print(json.load(open(sys.argv[1]))['license'])" "$hmdir/package.json")\" (package.json), Copyright (c) Jupyter Development Team."
  echo; echo "Third-party notices bundled in dist/embed.js:"; cat "$hmdir/dist/embed.js.LICENSE.txt"; } >"$out/licenses/html-manager-LICENSE"
# the non-AMD embed bundle (needs no require.js) and the font files it loads relative to itself
cp "$hmdir/dist/embed.js" "$out/html-manager/embed.js"
find "$hmdir/dist" -maxdepth 1 -type f \( -name '*.woff*' -o -name '*.ttf' -o -name '*.eot' -o -name '*.svg' \) \
  -exec cp {} "$out/html-manager/" \;
sed -i '/^\/\/# sourceMappingURL=/d' "$out/html-manager/embed.js"
cat >"$out/VERSIONS.txt" <<TXT
altair asks for: vega $VG, vega-lite $VL, vega-embed $VE
vendored: vega $(ver "$vdir"), vega-lite $(ver "$vldir"), vega-embed $(ver "$vedir"), @jupyter-widgets/html-manager $(ver "$hmdir")
source: the npm registry (npm pack); regenerate with: make vendor
TXT
cat "$out/VERSIONS.txt"
