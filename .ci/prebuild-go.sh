#!/usr/bin/env bash
# Build the Go checks of `npm run validate` ahead of it: .ci/run starts this in the background, niced,
# when CI starts, and waits for it before validate. On a machine with nothing cached the builds take
# about 30 minutes of the two cores (kube-apiserver ~15, Argo Workflows' validation ~12, the others a
# few); run during the sections before validate, they use what those leave idle (downloads, npm ci,
# packing, the single-threaded parts of the tests) instead of adding their whole time to CI's.
# Each script builds its binary once and caches it in ~/.cache/cdk-mlops (keyed by its pinned
# go.mod / go.sum and sources), so on a machine that has them this takes seconds. Each runs its own
# self-test here, which needs nothing but the binary and the fixtures; validate runs them again.
set -euo pipefail
cd "$(dirname "$0")/.."

start=$SECONDS
log=$(mktemp)
trap 'rm -f "$log"' EXIT
run() { # the command's output (Go's module downloads, the self-test's lines) only when it fails
  local s=$SECONDS
  "$@" > "$log" 2>&1 || { cat "$log" >&2; echo "prebuild: failed: $*" >&2; exit 1; }
  echo "prebuild: $((SECONDS - s)) s  $*"
}
run bash scripts/kube-apiserver.sh --build
run bash scripts/argo-workflows-check.sh --self-test
run bash scripts/argo-analysis.sh --self-test
run bash scripts/knative-validate/run.sh -expect-reject test/fixtures/broken/broken.knative-isvc.yaml
run bash scripts/tz-check.sh --self-test
echo "prebuild: the Go checks built in $((SECONDS - start)) s"
