#!/usr/bin/env bash
# Install the pinned output-validation tools (cfn-lint, checkov, kubernetes-validate) into
# .tools/venv. Idempotent (scripts/pinned-venv.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
venv=.tools/venv
bash scripts/pinned-venv.sh "$venv" scripts/requirements-validation.txt 3.9 install-validation-tools
"$venv/bin/cfn-lint" --version
echo "checkov $("$venv/bin/checkov" --version)"
echo "kubernetes-validate $("$venv/bin/kubernetes-validate" --version)"
