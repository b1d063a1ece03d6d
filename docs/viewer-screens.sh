#!/usr/bin/env bash
# A manual step, not part of `make docs` or `make test`: opens `replsim export --to shiviz` and
# `--to perfetto` of docs/img/viewers-demo.xml in real viewers (ShiViz; speedscope for the Chrome
# trace-event file) in headless Chromium, fails if a viewer refuses or warns about the file, and
# writes docs/img/export-shiviz.png and docs/img/export-perfetto.png.
#
# Neither viewer is a Debian package, so a fresh machine cannot fetch them from `make docs`:
#   - ShiViz: a checkout (or an unpacked archive) of github.com/DistributedClocks/shiviz, given as
#     the first argument; it is a static web app, served here from 127.0.0.1 and never copied.
#   - speedscope and playwright-core: from npm, installed on first use into $VIEWERS_NPM
#     (default ~/.cache/replsim-viewers).
#   - Chromium: Debian's (apt-get install chromium), or $CHROMIUM.
# Usage: bash docs/viewer-screens.sh SHIVIZ_DIR [PATH_TO_REPLSIM]   (from the source tree)
set -euo pipefail
shiviz=${1:?usage: viewer-screens.sh SHIVIZ_DIR [PATH_TO_REPLSIM]}
src=$(cd "$(dirname "$0")/.." && pwd)
replsim=${2:-$src/build/replsim}
npm_dir=${VIEWERS_NPM:-$HOME/.cache/replsim-viewers}
export CHROMIUM=${CHROMIUM:-/usr/bin/chromium}

if [ ! -f "$shiviz/index.html" ] || [ ! -f "$shiviz/js/shiviz.js" ]; then
  echo "viewer-screens: $shiviz is not a ShiViz checkout" >&2; exit 2
fi
[ -x "$replsim" ] || { echo "viewer-screens: no replsim at $replsim (build it first)" >&2; exit 2; }
[ -x "$CHROMIUM" ] || { echo "viewer-screens: no Chromium at $CHROMIUM (apt-get install chromium)" >&2; exit 2; }
for tool in node npm python3; do
  command -v "$tool" >/dev/null || { echo "viewer-screens: needs node, npm and python3" >&2; exit 2; }
done

# Pinned: the versions the README's screenshots were taken with.
npm_dir=$(mkdir -p "$npm_dir" && cd "$npm_dir" && pwd) # the web root links into it
if [ ! -d "$npm_dir/node_modules/speedscope" ] || [ ! -d "$npm_dir/node_modules/playwright-core" ]; then
  npm install --prefix "$npm_dir" --no-audit --no-fund speedscope@1.25.0 playwright-core@1.65.1 >&2
fi

tmp=$(mktemp -d)
server=
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT

"$replsim" run "$src/docs/img/viewers-demo.xml" --out "$tmp/run" >/dev/null
"$replsim" export "$tmp/run" --to shiviz >/dev/null
"$replsim" export "$tmp/run" --to perfetto >/dev/null

# One origin for the viewers and the file speedscope fetches (it loads #profileURL=...).
mkdir "$tmp/www"
ln -s "$(cd "$shiviz" && pwd)" "$tmp/www/shiviz"
ln -s "$npm_dir/node_modules/speedscope/dist/release" "$tmp/www/speedscope"
cp "$tmp/run/trace.perfetto.json" "$tmp/www/"
python3 -m http.server 0 --bind 127.0.0.1 --directory "$tmp/www" >"$tmp/server.log" 2>&1 &
server=$!
port=
for _ in $(seq 50); do
  port=$(sed -n 's/.*port \([0-9]*\).*/\1/p' "$tmp/server.log" | head -n 1)
  [ -n "$port" ] && break
  sleep 0.1
done
[ -n "$port" ] || { echo "viewer-screens: the local web server did not start" >&2; cat "$tmp/server.log" >&2; exit 1; }

echo "ShiViz: $(git -C "$shiviz" log -1 --format='%h %cs' 2>/dev/null || echo 'not a git checkout')"
echo "speedscope: $(node -p "require('$npm_dir/node_modules/speedscope/package.json').version")"
NODE_PATH=$npm_dir/node_modules node "$src/docs/viewer-screens.cjs" "http://127.0.0.1:$port" \
  "$tmp/run" "$src/docs/img"
ls -l "$src/docs/img/export-shiviz.png" "$src/docs/img/export-perfetto.png"
