#!/usr/bin/env bash
# Installs the npm tools (wrangler, the Fastly CLI, binaryen) exactly as
# tools/npm/package-lock.json pins them, every transitive package by its
# integrity hash, under $EDGECACHE_TOOLS (default ~/.local/share/edgecache).
# Skips the install when the last one there succeeded with this lock file.
set -euo pipefail
cd "$(dirname "$0")/.."

TOOLS_DIR="${EDGECACHE_TOOLS:-$HOME/.local/share/edgecache}"
LOCK=tools/npm/package-lock.json
STAMP="$TOOLS_DIR/.installed-package-lock.json"

if [ -d "$TOOLS_DIR/node_modules" ] && cmp -s "$LOCK" "$STAMP"; then
  echo "install: npm tools already installed as $LOCK pins them"
  exit 0
fi
mkdir -p "$TOOLS_DIR"
cp tools/npm/package.json "$LOCK" "$TOOLS_DIR/"
echo "install: npm tools into $TOOLS_DIR (wrangler, Fastly CLI, binaryen), as $LOCK pins them"
rm -f "$STAMP"
# `npm install` over the lock file installs exactly what it pins. Not
# `npm ci`: the lock holds the Fastly CLI's platform package for the
# machine that wrote it only (the others are optional and were not
# fetched), which `npm ci` refuses as out of sync.
npm install --prefix "$TOOLS_DIR" --no-audit --no-fund --loglevel=error --no-save
cp "$LOCK" "$STAMP"
