#!/usr/bin/env bash
# Regenerate test/fixtures/experiment/reference.json with statsmodels (scripts/experiment-reference.py)
# alone; scripts/drift-reference.sh regenerates it too, with the drift fixtures. Same pinned venv
# (.tools/reference-venv from scripts/requirements-reference.txt, built once and cached); the output
# is deterministic. The fixture is committed: CI compares with it and never regenerates it.
set -euo pipefail
cd "$(dirname "$0")/.."

venv=.tools/reference-venv
bash scripts/pinned-venv.sh "$venv" scripts/requirements-reference.txt 3.11 experiment-reference
"$venv/bin/python" scripts/experiment-reference.py test/fixtures/experiment/reference.json
