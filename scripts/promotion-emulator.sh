#!/usr/bin/env bash
# Run the promotion's bundled Lambda handler (assets/promotion/index.js) against moto's server
# (SageMaker model packages, CloudFormation stacks) on a free port of 127.0.0.1:
# test/emulator/promotion.emulator.ts (duplicate approvals after a rollback, racing approvals, a
# stack busy longer than the deployment limit, an endpoint rollback CloudFormation missed). The
# server is stopped however the test ends.
# Needs .tools/emulator-venv (bash scripts/install-emulator.sh); a step of `npm run validate`.
set -euo pipefail
cd "$(dirname "$0")/.."

source scripts/moto-server.sh

# The test exercises the shipped bundles: rebuild them from the current sources (a few seconds).
# PROMOTION_BUNDLE=<file> runs another build of the handler instead (not rebuilt).
[ -n "${PROMOTION_BUNDLE:-}" ] || npx --no-install tsx scripts/bundle-runtime.ts --quiet

start_moto_server promotion-emulator
run_against_moto promotion-emulator AWS_ENDPOINT_URL_SAGEMAKER AWS_ENDPOINT_URL_CLOUDFORMATION AWS_ENDPOINT_URL_LAMBDA AWS_LAMBDA_FUNCTION_NAME -- npx --no-install tsx test/emulator/promotion.emulator.ts
