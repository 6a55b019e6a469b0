#!/usr/bin/env bash
# Judge the rendered Argo Rollouts with Argo Rollouts' own Go code (scripts/argo-analysis: the
# controller's validation of each Rollout and the objects it names, then its analysis controller run
# on a simulated clock against a fake Prometheus: healthy, failing, empty and NaN results).
# Step analyses' Job metrics (k8s.Experiment's decision) run through the Job provider: a Job that
# completes must make the run Successful, one that fails must make it Failed.
# Usage: scripts/argo-analysis.sh <manifest.yaml>...
#        scripts/argo-analysis.sh --self-test   (each test/fixtures/broken/broken.argo-*.yaml must be
#                                                rejected for its own reason)
# The binary is built once per machine from the pinned go.mod/go.sum and cached under
# CDK_MLOPS_CACHE (default ~/.cache/cdk-mlops), keyed by the module files and sources; Go modules
# come through the Go module proxy into the same cache.
set -euo pipefail
cd "$(dirname "$0")/.."

cache=${CDK_MLOPS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/cdk-mlops}
export GOMODCACHE=${GOMODCACHE:-$cache/go/mod} GOCACHE=${GOCACHE:-$cache/go/build} GOTOOLCHAIN=local GOFLAGS=-mod=readonly
go=${GO:-$(command -v go || echo /usr/local/go/bin/go)}
[ -x "$go" ] || { echo "argo-analysis: Go is required (go.mod: $(grep '^go ' scripts/argo-analysis/go.mod))" >&2; exit 2; }

src=scripts/argo-analysis
key=$( (cat "$src/go.mod" "$src/go.sum" "$src"/*.go; "$go" version) | sha256sum | cut -c1-16)
bin="$cache/bin/argo-analysis-$key"
if [ ! -x "$bin" ]; then
  echo "argo-analysis: building $bin"
  mkdir -p "$cache/bin"
  (cd "$src" && "$go" build -o "$bin.tmp" .)
  mv "$bin.tmp" "$bin"
fi

if [ "${1:-}" = --self-test ]; then
  expect() { # <fixture> <text the report must contain>
    local out
    if out=$("$bin" "$1" 2>&1); then
      echo "argo-analysis: accepted $1: it is not really checking" >&2
      exit 1
    fi
    grep -qF -- "$2" <<<"$out" || { echo "argo-analysis: rejected $1, but not for \"$2\":" >&2; echo "$out" >&2; exit 1; }
    echo "argo-analysis rejects $1 ($2): ok"
  }
  expect test/fixtures/broken/broken.argo-no-initial-delay.yaml "is Inconclusive"
  expect test/fixtures/broken/broken.argo-no-canary-service.yaml "canaryService"
  expect test/fixtures/broken/broken.argo-experiment-indefinite-step.yaml "which runs indefinitely"
  expect test/fixtures/broken/broken.argo-experiment-failure-limit.yaml "job fails → Successful, expected Failed"
  exit 0
fi
exec "$bin" "$@"
