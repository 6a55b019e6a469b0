#!/usr/bin/env bash
# Drift on batch inputs (issue 18 item 7) against moto's S3 + CloudWatch server: batch scoring's run
# steps commit a partition (a shifted feature) beside a run that never committed; the drift job's
# bundle (assets/drift-job: the Lambda handler and the CronJob's CLI) reads it through the manifest:
# test/emulator/drift-batch.emulator.ts. Needs .tools/emulator-venv (bash scripts/install-emulator.sh);
# a step of `npm run validate`.
set -euo pipefail
cd "$(dirname "$0")/.."

source scripts/moto-server.sh

# The shipped bundles, from the current sources (a few seconds).
npx --no-install tsx scripts/bundle-runtime.ts --quiet

start_moto_server drift-batch-emulator
run_against_moto drift-batch-emulator AWS_ENDPOINT_URL_S3 AWS_ENDPOINT_URL_CLOUDWATCH -- npx --no-install tsx test/emulator/drift-batch.emulator.ts
