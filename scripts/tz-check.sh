#!/usr/bin/env bash
# Judge the library's time zone rule (lib/core/time-zone.ts) with what Argo Workflows' controller runs
# on a CronWorkflow's timezone: Go's time.LoadLocation on its embedded tz database and robfig/cron
# v3.0.1 with CRON_TZ= (scripts/tz-check/main.go). The accepted names must be exactly the Go
# toolchain's lib/time/zoneinfo.zip (what time/tzdata embeds), each loading; the refused ones must not load.
# Usage: scripts/tz-check.sh               (the rule as the library has it)
#        scripts/tz-check.sh --self-test   (test/fixtures/broken/broken.tz-names.json must be rejected)
# The binary is built once per machine from the pinned go.mod/go.sum and cached under
# CDK_MLOPS_CACHE (default ~/.cache/cdk-mlops), keyed by the module files, sources and Go version.
set -euo pipefail
cd "$(dirname "$0")/.."

cache=${CDK_MLOPS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/cdk-mlops}
export GOMODCACHE=${GOMODCACHE:-$cache/go/mod} GOCACHE=${GOCACHE:-$cache/go/build} GOTOOLCHAIN=local GOFLAGS=-mod=readonly
go=${GO:-$(command -v go || echo /usr/local/go/bin/go)}
[ -x "$go" ] || { echo "tz-check: Go is required (go.mod: $(grep '^go ' scripts/tz-check/go.mod))" >&2; exit 2; }

src=scripts/tz-check
key=$( (cat "$src/go.mod" "$src/go.sum" "$src"/*.go; "$go" version) | sha256sum | cut -c1-16)
bin="$cache/bin/tz-check-$key"
if [ ! -x "$bin" ]; then
  echo "tz-check: building $bin"
  mkdir -p "$cache/bin"
  (cd "$src" && "$go" build -o "$bin.tmp" .)
  mv "$bin.tmp" "$bin"
fi
zoneinfo="$("$go" env GOROOT)/lib/time/zoneinfo.zip"

if [ "${1:-}" = --self-test ]; then
  fixture=test/fixtures/broken/broken.tz-names.json
  if out=$("$bin" "$zoneinfo" "$fixture" 2>&1); then
    echo "tz-check: accepted $fixture: it is not really checking" >&2
    exit 1
  fi
  for reason in '"Europe/Pariss" is accepted but the controller refuses it' '"Etc/UTC" is refused but the controller loads it' '"Europe/Berlin" is in the tz database but refused'; do
    grep -qF -- "$reason" <<<"$out" || { echo "tz-check: rejected $fixture, but not for: $reason" >&2; echo "$out" >&2; exit 1; }
  done
  echo "tz-check rejects $fixture (a misspelt zone accepted, an alias refused, the database incomplete): ok"
  exit 0
fi

names=$(mktemp --suffix=.json)
trap 'rm -f "$names"' EXIT
npx --no-install tsx "$src/names.ts" "$names"
"$bin" "$zoneinfo" "$names"
