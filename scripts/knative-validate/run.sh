#!/usr/bin/env bash
# KServe InferenceServices in Knative mode, checked by Knative Serving's own validation code.
# Usage: scripts/knative-validate/run.sh [-expect-reject] <manifest.yaml>...
#
# Builds main.go (pinned go.mod/go.sum: knative.dev/serving v0.48.1 = Knative 1.21.1, the
# version KServe 0.20 requires and installs) once per machine: the binary is cached under
# $CDK_MLOPS_CACHE/bin (default ~/.cache/cdk-mlops), keyed by go.mod, go.sum, main.go and the Go
# version; modules and build cache under $CDK_MLOPS_CACHE/go. Then runs it with the feature flags
# of config-features.yaml, the ConfigMap the README asks the user to apply.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cache=${CDK_MLOPS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/cdk-mlops}
go=${GO:-$(command -v go || echo /usr/local/go/bin/go)}
[ -x "$go" ] || { echo "knative-validate: Go is required (1.25 or newer; set GO=/path/to/go)" >&2; exit 2; }
export GOMODCACHE="$cache/go/mod" GOCACHE="$cache/go/build" GOTOOLCHAIN=local GOFLAGS=-mod=readonly GOWORK=off

key=$( (cat "$here/go.mod" "$here/go.sum" "$here/main.go"; "$go" env GOVERSION GOOS GOARCH) | sha256sum | cut -c1-16)
bin="$cache/bin/knative-validate-$key"
if [ ! -x "$bin" ]; then
  echo "knative-validate: building $bin (once per machine)"
  mkdir -p "$cache/bin"
  (cd "$here" && "$go" build -trimpath -o "$bin.tmp.$$" .)
  mv -f "$bin.tmp.$$" "$bin"
fi
exec "$bin" -features "$here/config-features.yaml" "$@"
