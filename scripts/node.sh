#!/usr/bin/env bash
# Print the bin folder of Node.js MAJOR (22 or 24), installed from the npm registry's `node` package
# on first use (cached, see below). The project targets Node 22 and 24;
# CI puts one of them first on PATH: PATH="$(bash scripts/node.sh 22):$PATH".
set -euo pipefail
cd "$(dirname "$0")/.."
major=${1:?usage: scripts/node.sh <major version>}
case "$major" in 22) version=22.23.3 ;; 24) version=24.9.0 ;; *) echo "node.sh: unsupported Node.js major $major" >&2; exit 1 ;; esac
# Kept in a cache outside the work tree (CI runs in a fresh clone each time), reached through
# .tools/node<MAJOR> (a symbolic link), like the Python venvs (scripts/pinned-venv.sh).
cache=${CDK_MLOPS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/cdk-mlops}
real="$cache/node/node-$version"
if [ ! -x "$real/node_modules/node/bin/node" ] || [ "$("$real/node_modules/node/bin/node" --version)" != "v$version" ]; then
  rm -rf "$real"
  mkdir -p "$real"
  npm install --prefix "$real" --no-audit --no-fund --no-save --silent "node@$version" >&2
fi
dir=.tools/node$major
mkdir -p .tools
if [ -e "$dir" ] && [ ! -L "$dir" ]; then rm -rf "$dir"; fi
ln -sfn "$real" "$dir"
echo "$PWD/$dir/node_modules/node/bin"
