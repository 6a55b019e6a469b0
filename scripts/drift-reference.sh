#!/usr/bin/env bash
# Regenerate test/fixtures/drift/reference.json with numpy/scipy (scripts/drift-reference.py).
# Creates .tools/reference-venv from scripts/requirements-reference.txt when it is missing or out of
# date (idempotent: an up-to-date venv is reused), then runs the script. The output is deterministic
# (seeded generators), so running this twice leaves the fixture unchanged.
#
#   bash scripts/drift-reference.sh            # install if needed, regenerate the fixture
#   bash scripts/drift-reference.sh --install  # install if needed, nothing else (bench/drift.ts uses the venv)
set -euo pipefail
cd "$(dirname "$0")/.."

venv=.tools/reference-venv
req=scripts/requirements-reference.txt
stamp="$venv/.requirements.sha256"
want=$(sha256sum "$req" | cut -d' ' -f1)

if ! [ -x "$venv/bin/python" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  python=${PYTHON:-python3}
  if ! "$python" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)'; then
    echo "drift-reference: Python >= 3.11 is required by numpy/scipy pins (found $("$python" --version 2>&1))" >&2
    exit 1
  fi
  echo "drift-reference: creating $venv from $req"
  rm -rf "$venv"
  "$python" -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check --no-input -r "$req"
  echo "$want" > "$stamp"
fi

if [ "${1:-}" = "--install" ]; then
  exit 0
fi

"$venv/bin/python" scripts/drift-reference.py test/fixtures/drift/reference.json
