#!/usr/bin/env bash
# Build the drift job's container image for the Kubernetes DriftMonitor (docker/drift-job/Dockerfile).
# Usage: NODE_IMAGE=<node 20+ image>@sha256:<digest> scripts/build-drift-image.sh <registry>/cdk-mlops/drift-job:<version>
# Needs Docker (or a compatible builder: DOCKER=podman). Prints the built image's id; push it and
# give the DriftMonitor the pushed digest (`<repository>@sha256:…`), never the tag.
set -euo pipefail
cd "$(dirname "$0")/.."

tag=${1:-}
[ -n "$tag" ] || { echo "usage: NODE_IMAGE=<image>@sha256:<digest> $0 <repository>:<version>" >&2; exit 2; }
if [[ ! "${NODE_IMAGE:-}" =~ @sha256:[0-9a-f]{64}$ ]]; then
  echo "build-drift-image: NODE_IMAGE must be a base image pinned by digest (…@sha256:<64 hex>); got '${NODE_IMAGE:-}'" >&2
  exit 2
fi
npm run bundle
"${DOCKER:-docker}" build -f docker/drift-job/Dockerfile --build-arg "NODE_IMAGE=$NODE_IMAGE" -t "$tag" .
