# Sourced by the emulator steps (drift-emulator.sh, promotion-emulator.sh): moto's server on a free
# port of 127.0.0.1, stopped however the caller ends, and a command run against it alone.
#   start_moto_server <name>             sets url (and log, pid); <name> prefixes messages
#   run_against_moto <name> <var…> -- <command…>
#                                        runs the command with dummy credentials and every AWS
#                                        setting that could reach real AWS unset (plus <var…>)
venv=.tools/emulator-venv

start_moto_server() {
  local name=$1
  [ -x "$venv/bin/moto_server" ] || { echo "$name: moto_server missing; run bash scripts/install-emulator.sh" >&2; exit 2; }
  log=$(mktemp "${TMPDIR:-/tmp}/moto-server.XXXXXX")
  pid=
  trap _stop_moto_server EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  # A free port: bind port 0, read what the kernel chose, release it for moto_server.
  local port
  port=$("$venv/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
  url="http://127.0.0.1:$port"
  "$venv/bin/moto_server" --host 127.0.0.1 --port "$port" > "$log" 2>&1 &
  pid=$!
  # Wait (up to 30 s) until the server answers HTTP.
  local _
  for _ in $(seq 1 150); do
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "$name: moto_server exited before answering:" >&2
      cat "$log" >&2
      exit 1
    fi
    if "$venv/bin/python" -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1] + "/moto-api/", timeout=1)' "$url" 2>/dev/null; then
      echo "$name: moto_server $("$venv/bin/python" -c 'from importlib.metadata import version; print(version("moto"))') on $url"
      return 0
    fi
    sleep 0.2
  done
  echo "$name: moto_server did not answer on $url within 30 s" >&2
  cat "$log" >&2
  exit 1
}

_stop_moto_server() {
  if [ -n "${pid:-}" ]; then
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  fi
  rm -f "${log:-}"
}

run_against_moto() {
  local name=$1
  shift
  local unset=()
  while [ "$1" != "--" ]; do unset+=(-u "$1"); shift; done
  shift
  # Only the emulator: dummy credentials, no profile, shared config or service-specific endpoint that
  # could send a request to real AWS.
  if ! env -u AWS_PROFILE -u AWS_DEFAULT_PROFILE -u AWS_SESSION_TOKEN "${unset[@]}" \
    -u AWS_IGNORE_CONFIGURED_ENDPOINT_URLS -u AWS_CONTAINER_CREDENTIALS_FULL_URI -u AWS_CONTAINER_CREDENTIALS_RELATIVE_URI \
    -u AWS_WEB_IDENTITY_TOKEN_FILE -u AWS_ROLE_ARN \
    AWS_ENDPOINT_URL="$url" AWS_ACCESS_KEY_ID=emulator AWS_SECRET_ACCESS_KEY=emulator \
    AWS_REGION=eu-west-1 AWS_DEFAULT_REGION=eu-west-1 AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null \
    AWS_EC2_METADATA_DISABLED=true \
    "$@"; then
    echo "$name: failed; last lines of the moto_server log:" >&2
    tail -n 20 "$log" >&2
    exit 1
  fi
}
