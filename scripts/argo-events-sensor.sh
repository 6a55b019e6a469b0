#!/usr/bin/env bash
# Run Argo Events' own sensor code (scripts/argo-events-sensor: github.com/argoproj/argo-events
# v1.9.11, its dependency filter and k8s trigger) on Alertmanager webhook payloads against the
# rendered Sensors, Roles and RoleBindings. Called by scripts/retrain-events.ts.
# Usage: scripts/argo-events-sensor.sh -cases <cases.json> <manifest.yaml>...
# The binary is built once per machine from the pinned go.mod/go.sum and cached under
# CDK_MLOPS_CACHE (default ~/.cache/cdk-mlops), keyed by the module files and sources; Go modules
# come through the Go module proxy into the same cache.
set -euo pipefail
cd "$(dirname "$0")/.."

cache=${CDK_MLOPS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/cdk-mlops}
export GOMODCACHE=${GOMODCACHE:-$cache/go/mod} GOCACHE=${GOCACHE:-$cache/go/build} GOTOOLCHAIN=local GOFLAGS=-mod=readonly
go=${GO:-$(command -v go || echo /usr/local/go/bin/go)}
[ -x "$go" ] || { echo "argo-events-sensor: Go is required (go.mod: $(grep '^go ' scripts/argo-events-sensor/go.mod))" >&2; exit 2; }

src=scripts/argo-events-sensor
key=$( (cat "$src/go.mod" "$src/go.sum" "$src"/*.go; "$go" version) | sha256sum | cut -c1-16)
bin="$cache/bin/argo-events-sensor-$key"
if [ ! -x "$bin" ]; then
  echo "argo-events-sensor: building $bin" >&2
  mkdir -p "$cache/bin"
  (cd "$src" && "$go" build -o "$bin.tmp" .)
  mv "$bin.tmp" "$bin"
fi
exec "$bin" "$@"
