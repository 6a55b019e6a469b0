#!/usr/bin/env bash
# Run the promotion's bundled Lambda handler (assets/promotion/index.js) against moto's server
# (SageMaker model packages, CloudFormation stacks) on a free port of 127.0.0.1:
# test/emulator/promotion.emulator.ts (duplicate approvals after a rollback, racing approvals, a
# stack busy longer than the deployment limit). The server is stopped however the test ends.
# Needs .tools/emulator-venv (bash scripts/install-emulator.sh); a step of `npm run validate`.
set -euo pipefail
cd "$(dirname "$0")/.."

venv=.tools/emulator-venv
[ -x "$venv/bin/moto_server" ] || { echo "promotion-emulator: moto_server missing; run bash scripts/install-emulator.sh" >&2; exit 2; }

# The test exercises the shipped bundles: rebuild them from the current sources (a few seconds).
# PROMOTION_BUNDLE=<file> runs another build of the handler instead (not rebuilt).
[ -n "${PROMOTION_BUNDLE:-}" ] || npx --no-install tsx scripts/bundle-runtime.ts --quiet

log=$(mktemp "${TMPDIR:-/tmp}/moto-server.XXXXXX")
pid=
cleanup() {
  if [ -n "$pid" ]; then
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  fi
  rm -f "$log"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# A free port: bind port 0, read what the kernel chose, release it for moto_server.
port=$("$venv/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
url="http://127.0.0.1:$port"
"$venv/bin/moto_server" --host 127.0.0.1 --port "$port" > "$log" 2>&1 &
pid=$!

# Wait (up to 30 s) until the server answers HTTP.
ready=
for _ in $(seq 1 150); do
  if ! kill -0 "$pid" 2>/dev/null; then
    echo "promotion-emulator: moto_server exited before answering:" >&2
    cat "$log" >&2
    exit 1
  fi
  if "$venv/bin/python" -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1] + "/moto-api/", timeout=1)' "$url" 2>/dev/null; then
    ready=1
    break
  fi
  sleep 0.2
done
[ -n "$ready" ] || { echo "promotion-emulator: moto_server did not answer on $url within 30 s" >&2; cat "$log" >&2; exit 1; }
echo "promotion-emulator: moto_server $("$venv/bin/python" -c 'from importlib.metadata import version; print(version("moto"))') on $url"

# Only the emulator: dummy credentials, no profile, shared config or service-specific endpoint that
# could send a request to real AWS.
if ! env -u AWS_PROFILE -u AWS_DEFAULT_PROFILE -u AWS_SESSION_TOKEN -u AWS_ENDPOINT_URL_SAGEMAKER -u AWS_ENDPOINT_URL_CLOUDFORMATION \
  -u AWS_ENDPOINT_URL_LAMBDA -u AWS_LAMBDA_FUNCTION_NAME \
  -u AWS_IGNORE_CONFIGURED_ENDPOINT_URLS -u AWS_CONTAINER_CREDENTIALS_FULL_URI -u AWS_CONTAINER_CREDENTIALS_RELATIVE_URI \
  -u AWS_WEB_IDENTITY_TOKEN_FILE -u AWS_ROLE_ARN \
  AWS_ENDPOINT_URL="$url" AWS_ACCESS_KEY_ID=emulator AWS_SECRET_ACCESS_KEY=emulator \
  AWS_REGION=eu-west-1 AWS_DEFAULT_REGION=eu-west-1 AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null \
  AWS_EC2_METADATA_DISABLED=true \
  npx --no-install tsx test/emulator/promotion.emulator.ts; then
  echo "promotion-emulator: failed; last lines of the moto_server log:" >&2
  tail -n 20 "$log" >&2
  exit 1
fi
