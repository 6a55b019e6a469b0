#!/usr/bin/env bash
# Run the experiment's bundled Lambda handler (assets/experiment/index.js) against moto's server
# (SageMaker endpoint weights, CloudWatch metrics and alarms, the SSM record) on a free port of
# 127.0.0.1: test/emulator/experiment.emulator.ts (a guardrail breach stops it, a decision ends it,
# an early analysis continues). The server is stopped however the test ends.
# Needs .tools/emulator-venv (bash scripts/install-emulator.sh); a step of `npm run validate`.
#   --self-test   the same scenarios against a broken handler (test/fixtures/broken/experiment-handler.js:
#                 it never moves the weights) must fail
set -euo pipefail
cd "$(dirname "$0")/.."

source scripts/moto-server.sh

if [ "${1:-}" = "--self-test" ]; then
  start_moto_server experiment-emulator-self-test
  # In a subshell: run_against_moto exits on a failure, which is what the self-test expects.
  if (EXPERIMENT_BUNDLE=test/fixtures/broken/experiment-handler.js run_against_moto experiment-emulator-self-test AWS_ENDPOINT_URL_SAGEMAKER AWS_ENDPOINT_URL_CLOUDWATCH AWS_ENDPOINT_URL_SSM -- \
    npx --no-install tsx test/emulator/experiment.emulator.ts) > /dev/null 2>&1; then
    echo "experiment-emulator: self-test FAILED: a handler that never moves the weights passed" >&2
    exit 1
  fi
  echo "experiment-emulator: self-test passed (a handler that never moves the weights is rejected)"
  exit 0
fi

# The test exercises the shipped bundle: rebuild the bundles from the current sources (a few seconds).
# EXPERIMENT_BUNDLE=<file> runs another build of the handler instead (not rebuilt).
[ -n "${EXPERIMENT_BUNDLE:-}" ] || npx --no-install tsx scripts/bundle-runtime.ts --quiet

start_moto_server experiment-emulator
run_against_moto experiment-emulator AWS_ENDPOINT_URL_SAGEMAKER AWS_ENDPOINT_URL_CLOUDWATCH AWS_ENDPOINT_URL_SSM -- npx --no-install tsx test/emulator/experiment.emulator.ts
