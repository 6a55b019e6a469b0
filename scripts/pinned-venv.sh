#!/usr/bin/env bash
# Create or reuse a Python venv holding exactly a pinned requirements file.
# Usage: scripts/pinned-venv.sh <venv dir> <requirements file> <minimum Python, e.g. 3.9> <name for messages>
# Idempotent: does nothing when the venv was built from the same requirements (sha256 stamp).
# PYTHON selects the interpreter (default python3). Prints one line when it (re)creates the venv.
set -euo pipefail
cd "$(dirname "$0")/.."

venv=$1 req=$2 min=$3 name=$4
stamp="$venv/.requirements.sha256"
want=$(sha256sum "$req" | cut -d' ' -f1)

if [ -x "$venv/bin/python" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
  exit 0
fi

python=${PYTHON:-python3}
if ! "$python" -c "import sys; sys.exit(0 if sys.version_info >= tuple(map(int, '$min'.split('.'))) else 1)"; then
  echo "$name: Python >= $min is required (found $("$python" --version 2>&1))" >&2
  exit 1
fi

echo "$name: creating $venv from $req"
rm -rf "$venv"
"$python" -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check --no-input -r "$req"
echo "$want" > "$stamp"
