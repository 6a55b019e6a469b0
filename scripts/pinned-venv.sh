#!/usr/bin/env bash
# Create or reuse a Python venv holding exactly a pinned requirements file.
# Usage: scripts/pinned-venv.sh <venv dir> <requirements file> <minimum Python, e.g. 3.9> <name for messages>
#
# The venv itself lives in a cache outside the work tree, keyed by the requirements file and the
# Python version (CDK_MLOPS_CACHE, default ~/.cache/cdk-mlops/venvs/<name>-<key>), and <venv dir> is
# a symbolic link to it: CI runs in a fresh clone each time, and a venv built once on a machine
# serves every later run there (a venv cannot be moved, but it can be reached through a link).
# Idempotent; PYTHON selects the interpreter (default python3). Prints one line when it builds a venv.
set -euo pipefail
cd "$(dirname "$0")/.."

venv=$1 req=$2 min=$3 name=$4
python=${PYTHON:-python3}
if ! "$python" -c "import sys; sys.exit(0 if sys.version_info >= tuple(map(int, '$min'.split('.'))) else 1)"; then
  echo "$name: Python >= $min is required (found $("$python" --version 2>&1))" >&2
  exit 1
fi

key=$( (sha256sum "$req" | cut -d' ' -f1; "$python" -c 'import sys; print(sys.version)'; command -v "$python") | sha256sum | cut -c1-16)
cache=${CDK_MLOPS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/cdk-mlops}
real="$cache/venvs/$(basename "$venv")-$key"

if [ ! -f "$real/.complete" ]; then
  echo "$name: creating $real from $req"
  rm -rf "$real"
  mkdir -p "$(dirname "$real")"
  "$python" -m venv "$real"
  "$real/bin/pip" install --quiet --disable-pip-version-check --no-input -r "$req"
  touch "$real/.complete"
fi

mkdir -p "$(dirname "$venv")"
if [ -e "$venv" ] && [ ! -L "$venv" ]; then
  rm -rf "$venv" # a venv of the old layout, in the work tree
fi
ln -sfn "$real" "$venv"
