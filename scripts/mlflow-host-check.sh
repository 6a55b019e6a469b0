#!/usr/bin/env bash
# The MLflow server from PyPI, started on loopback exactly as each rendered ModelRegistry runs it
# (scripts/mlflow_host_check.py), must answer the in-cluster Host headers (Service names, the
# readiness probe's, the register step's MLFLOW_TRACKING_URI) and refuse a foreign one with 403.
# Usage: scripts/mlflow-host-check.sh <manifest.yaml>...        (default: cdk.out/k8s/*.yaml)
#        scripts/mlflow-host-check.sh --self-test   (must reject test/fixtures/broken/broken.mlflow-host.k8s.yaml)
# The venv (scripts/requirements-mlflow-check.txt, pinned) is cached by scripts/pinned-venv.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

venv=.tools/mlflow-check-venv
bash scripts/pinned-venv.sh "$venv" scripts/requirements-mlflow-check.txt 3.10 mlflow-host-check

if [ "${1:-}" = "--self-test" ]; then
  broken=test/fixtures/broken/broken.mlflow-host.k8s.yaml
  if out=$("$venv/bin/python" scripts/mlflow_host_check.py "$broken" 2>&1); then
    echo "$out"
    echo "mlflow-host-check: accepted $broken (a Deployment without allowed hosts): it is not really checking" >&2
    exit 1
  fi
  # It must fail for the reason planted (403 on the in-cluster Host), not for another one.
  if ! grep -q 'with Host mlflow.mlflow.svc.cluster.local:5000: 403' <<<"$out"; then
    echo "$out"
    echo "mlflow-host-check: the broken fixture failed, but not with 403 on the in-cluster Host" >&2
    exit 1
  fi
  echo "mlflow-host-check rejects $broken (403 Invalid Host header on the in-cluster name): ok"
  exit 0
fi

if [ "$#" -eq 0 ]; then
  set -- cdk.out/k8s/*.yaml
fi
"$venv/bin/python" scripts/mlflow_host_check.py "$@"
