#!/usr/bin/env bash
# Install the pinned output-validation tools (cfn-lint, checkov, kubernetes-validate) into
# .tools/venv. Idempotent: does nothing when the venv already matches the requirements file.
set -euo pipefail
cd "$(dirname "$0")/.."

venv=.tools/venv
req=scripts/requirements-validation.txt
stamp="$venv/.requirements.sha256"
want=$(sha256sum "$req" | cut -d' ' -f1)

if [ -x "$venv/bin/python" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
  exit 0
fi

python=${PYTHON:-python3}
if ! "$python" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 9) else 1)'; then
  echo "install-validation-tools: Python >= 3.9 is required (found $("$python" --version 2>&1))" >&2
  exit 1
fi

echo "install-validation-tools: creating $venv from $req"
rm -rf "$venv"
"$python" -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check --no-input -r "$req"
echo "$want" > "$stamp"
"$venv/bin/cfn-lint" --version
echo "checkov $("$venv/bin/checkov" --version)"
echo "kubernetes-validate $("$venv/bin/kubernetes-validate" --version)"
