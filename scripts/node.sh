#!/usr/bin/env bash
# Print the bin folder of Node.js MAJOR (22 or 24), installed from the npm registry's `node` package
# into .tools/node<MAJOR> on first use (cached there afterwards). The project targets Node 22 and 24;
# CI puts one of them first on PATH: PATH="$(bash scripts/node.sh 22):$PATH".
set -euo pipefail
cd "$(dirname "$0")/.."
major=${1:?usage: scripts/node.sh <major version>}
case "$major" in 22) version=22.23.3 ;; 24) version=24.9.0 ;; *) echo "node.sh: unsupported Node.js major $major" >&2; exit 1 ;; esac
dir=.tools/node$major
bin="$dir/node_modules/node/bin"
if [ ! -x "$bin/node" ] || [ "$("$bin/node" --version)" != "v$version" ]; then
  rm -rf "$dir"
  mkdir -p "$dir"
  npm install --prefix "$dir" --no-audit --no-fund --no-save --silent "node@$version" >&2
fi
echo "$PWD/$bin"
