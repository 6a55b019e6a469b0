#!/usr/bin/env bash
# Run k8s.BatchScoring's shipped CLI (assets/batch-k8s/index.js, /opt/cdk-mlops/batch.js in the
# runtime image) against moto's S3 on a free port of 127.0.0.1, each step's command line as the
# rendered WorkflowTemplate gives it: test/emulator/batch-k8s.emulator.ts. The server is stopped
# however the test ends. Needs .tools/emulator-venv (bash scripts/install-emulator.sh). championAlias
# resolves against the MLflow server from PyPI (the pinned venv of scripts/k8s-promotion-check.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

source scripts/moto-server.sh

mlflow_venv=.tools/mlflow-check-venv
bash scripts/pinned-venv.sh "$mlflow_venv" scripts/requirements-mlflow-check.txt 3.10 mlflow-host-check

# The test exercises the shipped bundle: rebuild the bundles from the current sources (a few seconds).
npx --no-install tsx scripts/bundle-runtime.ts --quiet

start_moto_server batch-k8s-emulator
MLFLOW_BIN=$PWD/$mlflow_venv/bin/mlflow run_against_moto batch-k8s-emulator AWS_ENDPOINT_URL_S3 -- npx --no-install tsx test/emulator/batch-k8s.emulator.ts
