#!/usr/bin/env bash
# Install the pinned S3 + CloudWatch API emulator (moto's server mode) into .tools/emulator-venv,
# for scripts/drift-emulator.sh. A venv of its own: moto pins boto3/botocore versions that differ
# from checkov's in .tools/venv. Idempotent: does nothing when the venv already matches the
# requirements file.
set -euo pipefail
cd "$(dirname "$0")/.."

venv=.tools/emulator-venv
req=scripts/requirements-emulator.txt
stamp="$venv/.requirements.sha256"
want=$(sha256sum "$req" | cut -d' ' -f1)

if [ -x "$venv/bin/moto_server" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
  exit 0
fi

python=${PYTHON:-python3}
if ! "$python" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 9) else 1)'; then
  echo "install-emulator: Python >= 3.9 is required (found $("$python" --version 2>&1))" >&2
  exit 1
fi

echo "install-emulator: creating $venv from $req"
rm -rf "$venv"
"$python" -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check --no-input -r "$req"
echo "$want" > "$stamp"
echo "moto $("$venv/bin/python" -c 'from importlib.metadata import version; print(version("moto"))')"
