#!/usr/bin/env bash
# Capture → drift end to end (issue 16), on the manifests given: the capture service and proxy bundles
# (assets/capture) write into moto's S3 what KServe's logger and the proxy send, and the drift CronJob's
# bundle (assets/drift-job) reads it with the rendered DriftMonitor config and computes PSI
# (test/emulator/capture.emulator.ts). A step of `npm run validate`; needs .tools/emulator-venv
# (bash scripts/install-emulator.sh).
#   bash scripts/capture-emulator.sh <manifest.yaml>…
#   bash scripts/capture-emulator.sh --self-test   must fail on test/fixtures/broken/broken.capture.k8s.yaml
#                                                  (a capture service writing under another prefix than
#                                                  its DriftMonitor reads: the drift job finds no record)
set -euo pipefail
cd "$(dirname "$0")/.."

source scripts/moto-server.sh

# The shipped bundles, from the current sources (a few seconds).
npx --no-install tsx scripts/bundle-runtime.ts --quiet

if [ "${1:-}" = "--self-test" ]; then
  start_moto_server capture-emulator
  out=$(mktemp)
  # A subshell: run_against_moto exits on failure, which is what is expected here.
  if (run_against_moto capture-emulator AWS_ENDPOINT_URL_S3 -- npx --no-install tsx test/emulator/capture.emulator.ts \
    test/fixtures/broken/broken.capture.k8s.yaml) > "$out" 2>&1; then
    cat "$out" >&2
    echo "capture-emulator: the broken fixture passed: the end-to-end check is not really checking" >&2
    exit 1
  fi
  # Failing for another reason (no moto, a crash) would prove nothing: the drift job must have read nothing.
  if ! grep -q 'capture-e2e FAILED: .*the drift job read 0 records' "$out"; then
    cat "$out" >&2
    echo "capture-emulator: the broken fixture failed, but not because the drift job missed the capture" >&2
    exit 1
  fi
  rm -f "$out"
  echo "capture-emulator rejects the broken fixture (capture prefix not the drift job's): ok"
  exit 0
fi

[ "$#" -gt 0 ] || { echo "usage: scripts/capture-emulator.sh <manifest.yaml>… | --self-test" >&2; exit 2; }
start_moto_server capture-emulator
run_against_moto capture-emulator AWS_ENDPOINT_URL_S3 -- npx --no-install tsx test/emulator/capture.emulator.ts "$@"
