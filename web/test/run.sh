#!/usr/bin/env bash
# Runs the browser tests: starts `laborx serve --dev --demo` on a free loopback port with
# a throwaway data dir, drives Debian's chromium with playwright-core (installed into a
# temporary folder; it never downloads a browser), then stops the server.
# Needs: node, /usr/bin/chromium (apt-get install -y chromium nodejs npm).
set -euo pipefail
cd "$(dirname "$0")/../.."
PLAYWRIGHT_VERSION=1.65.1

command -v node >/dev/null 2>&1 || { echo "browser tests need Node.js: apt-get install -y nodejs npm" >&2; exit 1; }
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
[ -x "$CHROMIUM" ] || { echo "browser tests need chromium at $CHROMIUM: apt-get install -y chromium" >&2; exit 1; }

work=$(mktemp -d /tmp/laborx-browser.XXXXXX)
server_pid=
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

echo "--- installing playwright-core $PLAYWRIGHT_VERSION into $work/pw"
mkdir -p "$work/pw"
(cd "$work/pw" && echo '{"private":true}' > package.json &&
  PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm install --no-audit --no-fund --loglevel=error "playwright-core@$PLAYWRIGHT_VERSION" >/dev/null)

go build -o "$work/laborx" ./cmd/laborx
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
"$work/laborx" serve --dev --demo --addr "127.0.0.1:$port" --data-dir "$work/data" >"$work/serve.out" 2>"$work/serve.log" &
server_pid=$!
for _ in $(seq 1 240); do
  curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$work/serve.log" >&2; echo "laborx serve exited" >&2; exit 1; }
  sleep 0.5
done
curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null || { tail -20 "$work/serve.log" >&2; exit 1; }

LABORX_URL="http://127.0.0.1:$port" PLAYWRIGHT_DIR="$work/pw/node_modules/playwright-core" CHROMIUM="$CHROMIUM" \
  node --test web/test/browser.test.mjs
echo "screenshots: web/test/screenshots/"
