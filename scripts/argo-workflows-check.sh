#!/usr/bin/env bash
# Judge rendered Argo Workflows objects with Argo Workflows' own Go code (scripts/argo-workflows-check,
# argo-workflows v4 pinned in go.mod): validate.ValidateWorkflowTemplate / ValidateCronWorkflow, the
# `argo submit --from workflowtemplate/…` of each template, and a CronWorkflow's logical-date
# expression evaluated by the controller's own substitution (template.Replace, expr + Sprig) against
# test/fixtures/batch/logical-dates.json and every hour of 2024–2026 (k8s.BatchScoring).
# Usage: scripts/argo-workflows-check.sh <manifest.yaml>...
#        scripts/argo-workflows-check.sh --batch       (renders a k8s.BatchScoring on a GPU pool and judges it)
#        scripts/argo-workflows-check.sh --self-test   (each test/fixtures/broken/broken.argo-batch-*.yaml must
#                                                       be rejected for its own reason)
# The binary is built once per machine from the pinned go.mod/go.sum and cached under
# CDK_MLOPS_CACHE (default ~/.cache/cdk-mlops), keyed by the module files and sources; Go modules
# come through the Go module proxy into the same cache.
set -euo pipefail
cd "$(dirname "$0")/.."

cache=${CDK_MLOPS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/cdk-mlops}
export GOMODCACHE=${GOMODCACHE:-$cache/go/mod} GOCACHE=${GOCACHE:-$cache/go/build} GOTOOLCHAIN=local GOFLAGS=-mod=readonly
go=${GO:-$(command -v go || echo /usr/local/go/bin/go)}
[ -x "$go" ] || { echo "argo-workflows-check: Go is required (go.mod: $(grep '^go ' scripts/argo-workflows-check/go.mod))" >&2; exit 2; }

src=scripts/argo-workflows-check
key=$( (cat "$src/go.mod" "$src/go.sum" "$src"/*.go; "$go" version) | sha256sum | cut -c1-16)
bin="$cache/bin/argo-workflows-check-$key"
if [ ! -x "$bin" ]; then
  echo "argo-workflows-check: building $bin"
  mkdir -p "$cache/bin"
  (cd "$src" && "$go" build -o "$bin.tmp" .)
  mv "$bin.tmp" "$bin"
fi

fixture=test/fixtures/batch/logical-dates.json
if [ "${1:-}" = --self-test ]; then
  expect() { # <fixture> <text the report must contain>
    local out
    if out=$("$bin" --logical-dates "$fixture" "$1" 2>&1); then
      echo "argo-workflows-check: accepted $1: it is not really checking" >&2
      exit 1
    fi
    grep -qF -- "$2" <<<"$out" || { echo "argo-workflows-check: rejected $1, but not for \"$2\":" >&2; echo "$out" >&2; exit 1; }
    echo "argo-workflows-check rejects $1 ($2): ok"
  }
  expect test/fixtures/broken/broken.argo-batch-today.yaml 'logical-date "2026-11-27", want "2026-11-26"'
  expect test/fixtures/broken/broken.argo-batch-backfill-ref.yaml "template reference fraud-daily.score-all not found"
  exit 0
fi
if [ "${1:-}" = --batch ]; then
  out=$(mktemp --suffix=.yaml)
  trap 'rm -f "$out"' EXIT
  npx --no-install tsx "$src/render-batch.ts" "$out"
  "$bin" --logical-dates "$fixture" "$out"
  exit
fi
exec "$bin" --logical-dates "$fixture" "$@"
