#!/usr/bin/env bash
# The Kubernetes promotion on approval against real servers (scripts/k8s-promotion-check.ts): the
# MLflow server from PyPI (the pinned venv of scripts/requirements-mlflow-check.txt, cached by
# scripts/pinned-venv.sh) and the real kube-apiserver with RBAC (scripts/kube-apiserver.sh --exec,
# binary cached in ~/.cache/cdk-mlops), both on loopback, and the bundled promoter
# (assets/k8s-promotion/index.js) with the synthesized CronJob's environment and a token of its
# ServiceAccount. Its self-test, on the same servers: test/fixtures/broken/broken.k8s-promotion.yaml
# (a Role not limited to one object) must fail the RBAC check.
# Usage: scripts/k8s-promotion-check.sh [manifest.yaml…]        (default: cdk.out/k8s/*.yaml)
set -euo pipefail
cd "$(dirname "$0")/.."

venv=.tools/mlflow-check-venv
bash scripts/pinned-venv.sh "$venv" scripts/requirements-mlflow-check.txt 3.10 mlflow-host-check
[ -f assets/k8s-promotion/index.js ] || npx --no-install tsx scripts/bundle-runtime.ts --quiet

if [ "$#" -eq 0 ]; then
  set -- cdk.out/k8s/*.yaml
fi
bash scripts/kube-apiserver.sh --exec npx --no-install tsx scripts/k8s-promotion-check.ts \
  --mlflow "$venv/bin/mlflow" --broken test/fixtures/broken/broken.k8s-promotion.yaml "$@"
