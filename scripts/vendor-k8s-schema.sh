#!/usr/bin/env bash
# Refresh schemas/kubernetes/ from the pinned kubernetes-validate package.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-validation-tools.sh
version=v1.28.0-local-strict
src=$(.tools/venv/bin/python -c 'import kubernetes_validate, os; print(os.path.dirname(kubernetes_validate.__file__))')
mkdir -p "schemas/kubernetes/$version"
cp "$src/kubernetes-json-schema/$version/_definitions.json" "schemas/kubernetes/$version/_definitions.json"
echo "copied $version/_definitions.json from $src"
