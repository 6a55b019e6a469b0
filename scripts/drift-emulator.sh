#!/usr/bin/env bash
# Run the drift job's bundles (assets/drift-job: the Lambda handler, and the same file run as the
# CronJob's CLI) against moto's server, an S3 + CloudWatch API emulator, on a free port of
# 127.0.0.1: test/emulator/drift-job.emulator.ts. The server is stopped however the test ends.
# Needs .tools/emulator-venv (bash scripts/install-emulator.sh); a step of `npm run validate`.
set -euo pipefail
cd "$(dirname "$0")/.."

source scripts/moto-server.sh

# The test exercises the shipped bundles: rebuild them from the current sources (a few seconds).
npx --no-install tsx scripts/bundle-runtime.ts

start_moto_server drift-emulator
run_against_moto drift-emulator AWS_ENDPOINT_URL_S3 AWS_ENDPOINT_URL_CLOUDWATCH -- npx --no-install tsx test/emulator/drift-job.emulator.ts
