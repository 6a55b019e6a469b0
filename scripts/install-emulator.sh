#!/usr/bin/env bash
# Install the pinned S3 + CloudWatch API emulator (moto's server mode) into .tools/emulator-venv,
# for scripts/drift-emulator.sh. A venv of its own: moto pins boto3/botocore versions that differ
# from checkov's in .tools/venv. Idempotent (scripts/pinned-venv.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/pinned-venv.sh .tools/emulator-venv scripts/requirements-emulator.txt 3.9 install-emulator
echo "moto $(.tools/emulator-venv/bin/python -c 'from importlib.metadata import version; print(version("moto"))')"
