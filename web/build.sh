#!/bin/sh
# Builds web/dist from web/src with the npm packages of package-lock.json. Run by
# `go generate ./web` (and so by .ci/run, which then checks dist/ is committed current).
set -eu
cd "$(dirname "$0")"
command -v node >/dev/null 2>&1 || { echo "web/build.sh needs Node.js and npm: apt-get install -y nodejs npm" >&2; exit 1; }
# Install only when the lockfile changed since the last install.
if [ ! -f node_modules/.package-lock.json ] || ! cmp -s package-lock.json node_modules/.lockfile-installed; then
  npm ci --no-audit --no-fund --loglevel=error
  cp package-lock.json node_modules/.lockfile-installed
fi
node build.mjs
