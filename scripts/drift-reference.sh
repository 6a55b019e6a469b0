#!/usr/bin/env bash
# Regenerate test/fixtures/drift/reference.json with numpy/scipy (scripts/drift-reference.py) and
# test/fixtures/experiment/reference.json with statsmodels (scripts/experiment-reference.py).
# Creates .tools/reference-venv from scripts/requirements-reference.txt when it is missing or out of
# date (idempotent: an up-to-date venv is reused), then runs the script. The output is deterministic
# (seeded generators), so running this twice leaves the fixture unchanged.
#
#   bash scripts/drift-reference.sh            # install if needed, regenerate the fixture
#   bash scripts/drift-reference.sh --install  # install if needed, nothing else (bench/drift.ts uses the venv)
set -euo pipefail
cd "$(dirname "$0")/.."

venv=.tools/reference-venv
# numpy/scipy pins need Python >= 3.11.
bash scripts/pinned-venv.sh "$venv" scripts/requirements-reference.txt 3.11 drift-reference

if [ "${1:-}" = "--install" ]; then
  exit 0
fi

"$venv/bin/python" scripts/drift-reference.py test/fixtures/drift/reference.json
# The experiment math's fixtures come from the same venv (statsmodels): one command regenerates both.
"$venv/bin/python" scripts/experiment-reference.py test/fixtures/experiment/reference.json
