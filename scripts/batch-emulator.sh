#!/usr/bin/env bash
# Run aws.BatchScoring's bundled Lambda handler (assets/batch/index.js) against moto's server (S3, KMS,
# SageMaker's model registry) on a free port of 127.0.0.1: test/emulator/batch.emulator.ts (a run commits
# a partition with its manifest and lineage, a re-run replaces it, a run with too few records or a short
# output changes nothing). The server is stopped however the test ends.
# Needs .tools/emulator-venv (bash scripts/install-emulator.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

source scripts/moto-server.sh

# The test exercises the shipped bundle: rebuild the bundles from the current sources (a few seconds).
# BATCH_BUNDLE=<file> runs another build of the handler instead (not rebuilt).
[ -n "${BATCH_BUNDLE:-}" ] || npx --no-install tsx scripts/bundle-runtime.ts --quiet

start_moto_server batch-emulator
run_against_moto batch-emulator AWS_ENDPOINT_URL_S3 AWS_ENDPOINT_URL_SAGEMAKER -- npx --no-install tsx test/emulator/batch.emulator.ts
