#!/usr/bin/env bash
# Run aws.BatchScoring's bundled Lambda handler (assets/batch/index.js) against moto's server (S3, KMS,
# SageMaker's model registry) on a free port of 127.0.0.1: test/emulator/batch.emulator.ts (a run commits
# a partition with its manifest and lineage, a re-run replaces it, a run with too few records or a short
# output changes nothing). The server is stopped however the test ends.
# Needs .tools/emulator-venv (bash scripts/install-emulator.sh).
#   --self-test   the same scenarios against a broken build of the handler (the shipped bundle with the
#                 commit's record-count check removed) must fail
set -euo pipefail
cd "$(dirname "$0")/.."

source scripts/moto-server.sh

if [ "${1:-}" = "--self-test" ]; then
  [ -f assets/batch/index.js ] || npx --no-install tsx scripts/bundle-runtime.ts --quiet
  broken=$(mktemp -d "${TMPDIR:-/tmp}/batch-broken.XXXXXX")
  # `outputRecords !== options.input.records` (lib/runtime/batch/partition.ts) as the minifier writes it.
  sed -E 's/[A-Za-z_$][A-Za-z0-9_$]*!==[A-Za-z_$][A-Za-z0-9_$]*\.input\.records/false/' assets/batch/index.js > "$broken/index.js"
  if cmp -s assets/batch/index.js "$broken/index.js"; then
    echo "batch-emulator: self-test cannot find the record-count check in assets/batch/index.js; update the sed pattern" >&2
    exit 1
  fi
  start_moto_server batch-emulator-self-test
  # In a subshell: run_against_moto exits on a failure, which is what the self-test expects.
  if (BATCH_BUNDLE="$broken/index.js" run_against_moto batch-emulator-self-test AWS_ENDPOINT_URL_S3 AWS_ENDPOINT_URL_SAGEMAKER -- \
    npx --no-install tsx test/emulator/batch.emulator.ts) > /dev/null 2>&1; then
    echo "batch-emulator: self-test FAILED: a handler that commits a short output passed" >&2
    exit 1
  fi
  rm -rf "$broken"
  echo "batch-emulator: self-test passed (a handler that commits a short output is rejected)"
  exit 0
fi

# The test exercises the shipped bundle: rebuild the bundles from the current sources (a few seconds).
# BATCH_BUNDLE=<file> runs another build of the handler instead (not rebuilt).
[ -n "${BATCH_BUNDLE:-}" ] || npx --no-install tsx scripts/bundle-runtime.ts --quiet

start_moto_server batch-emulator
run_against_moto batch-emulator AWS_ENDPOINT_URL_S3 AWS_ENDPOINT_URL_SAGEMAKER -- npx --no-install tsx test/emulator/batch.emulator.ts
