#!/usr/bin/env bash
# A real kube-apiserver (v1.34, built from k8s.io/kubernetes through the Go module proxy) with etcd
# (Debian's etcd-server), both on free ports of 127.0.0.1, judging the synthesized manifests:
# scripts/kube-dryrun.ts installs the CRDs of schemas/crds, creates the namespaces (enforcing the
# restricted Pod Security Standard) and service accounts, then sends every other object and the Pod
# each workload would create with dryRun=All&fieldValidation=Strict (OpenAPI and structural
# schemas, the CRDs' CEL rules, defaulting, admission with Pod Security). Any rejection fails.
# Then its self-test: every object of test/fixtures/broken/broken.apiserver.k8s.yaml must be rejected.
#
# Usage: scripts/kube-apiserver.sh <manifest files…>       (a step of `npm run validate`)
#        scripts/kube-apiserver.sh --build                 (build or reuse the binary only)
#        scripts/kube-apiserver.sh --exec <command…>       (start the servers, run the command against them)
#
# The binary is built once per machine (about 15 minutes on 2 cores) from scripts/kube-apiserver
# (go.mod / go.sum pin every module; recipe: ../shared/recipes/kube-apiserver) and kept at
# $CDK_MLOPS_CACHE/bin/kube-apiserver-<go.sum hash> (default ~/.cache/cdk-mlops), with Go's module
# and build caches beside it, so CI on the same machine reuses it. etcd is installed with apt-get
# when missing. Both servers are stopped by PID however the script ends.
set -euo pipefail
cd "$(dirname "$0")/.."

cache=${CDK_MLOPS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/cdk-mlops}
src=scripts/kube-apiserver
key=$(sha256sum "$src/go.sum" | cut -c1-16)
apiserver="$cache/bin/kube-apiserver-$key"

build_apiserver() {
  [ -x "$apiserver" ] && return 0
  local go
  go=$(command -v go || echo /usr/local/go/bin/go)
  [ -x "$go" ] || { echo "kube-apiserver: Go is required to build kube-apiserver (go.mod: $(grep '^go ' "$src/go.mod"))" >&2; exit 2; }
  echo "kube-apiserver: building $apiserver from $src (k8s.io/kubernetes $(grep -o 'k8s.io/kubernetes v[0-9.]*' "$src/go.mod" | head -1 | cut -d' ' -f2); about 15 minutes once)"
  mkdir -p "$cache/bin"
  local start=$SECONDS
  # -mod=readonly: the build uses go.mod / go.sum exactly as committed.
  (cd "$src" && GOMODCACHE="$cache/go/mod" GOCACHE="$cache/go/build" GOFLAGS=-mod=readonly GOTOOLCHAIN=local \
    "$go" build -trimpath -o "$apiserver.tmp.$$" ./cmd/kube-apiserver)
  mv "$apiserver.tmp.$$" "$apiserver"
  echo "kube-apiserver: built in $((SECONDS - start)) s"
}

install_etcd() {
  command -v etcd > /dev/null && return 0
  echo "kube-apiserver: installing etcd (Debian etcd-server)"
  local sudo=()
  [ "$(id -u)" = 0 ] || sudo=(sudo)
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq etcd-server > /dev/null \
    || { "${sudo[@]}" apt-get update -qq && "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq etcd-server > /dev/null; }
  command -v etcd > /dev/null || { echo "kube-apiserver: etcd is still missing after apt-get install etcd-server" >&2; exit 2; }
}

build_apiserver
[ "${1:-}" = "--build" ] && exit 0
[ $# -gt 0 ] || { echo "usage: scripts/kube-apiserver.sh <manifest files…> | --build" >&2; exit 2; }
install_etcd

work=$(mktemp -d "${TMPDIR:-/tmp}/kube-apiserver.XXXXXX")
etcd_pid= apiserver_pid=
stop_servers() {
  local p
  for p in $apiserver_pid $etcd_pid; do
    kill "$p" 2> /dev/null || true
    wait "$p" 2> /dev/null || true
  done
  rm -rf "$work"
}
trap stop_servers EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Three free ports of 127.0.0.1 (bound, read and released together, so they differ).
read -r p_client p_peer p_api < <(node -e '
  const net = require("node:net");
  const servers = [0, 1, 2].map(() => net.createServer());
  Promise.all(servers.map((s) => new Promise((ok) => s.listen(0, "127.0.0.1", () => ok(s.address().port)))))
    .then((ports) => { console.log(ports.join(" ")); servers.forEach((s) => s.close()); });')

etcd --name dryrun --data-dir "$work/etcd" \
  --listen-client-urls "http://127.0.0.1:$p_client" --advertise-client-urls "http://127.0.0.1:$p_client" \
  --listen-peer-urls "http://127.0.0.1:$p_peer" --initial-advertise-peer-urls "http://127.0.0.1:$p_peer" \
  --initial-cluster "dryrun=http://127.0.0.1:$p_peer" > "$work/etcd.log" 2>&1 &
etcd_pid=$!

# The service-account signing key pair and an admin token (system:masters), for this run only.
node -e '
  const { generateKeyPairSync, randomBytes } = require("node:crypto");
  const fs = require("node:fs");
  const dir = process.argv[1];
  const { publicKey, privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  fs.writeFileSync(dir + "/sa.pub", publicKey.export({ type: "spki", format: "pem" }));
  fs.writeFileSync(dir + "/sa.key", privateKey.export({ type: "pkcs8", format: "pem" }), { mode: 0o600 });
  const token = randomBytes(24).toString("hex");
  fs.writeFileSync(dir + "/tokens.csv", `${token},admin,admin,system:masters\n`, { mode: 0o600 });
  fs.writeFileSync(dir + "/token", token, { mode: 0o600 });' "$work"

"$apiserver" --etcd-servers="http://127.0.0.1:$p_client" --bind-address=127.0.0.1 --secure-port="$p_api" \
  --advertise-address=127.0.0.1 --endpoint-reconciler-type=none --cert-dir="$work/certs" \
  --token-auth-file="$work/tokens.csv" --authorization-mode=RBAC \
  --service-account-issuer=https://kubernetes.default.svc \
  --service-account-key-file="$work/sa.pub" --service-account-signing-key-file="$work/sa.key" \
  --service-cluster-ip-range=10.96.0.0/16 --enable-priority-and-fairness=false > "$work/apiserver.log" 2>&1 &
apiserver_pid=$!

export APISERVER_URL="https://127.0.0.1:$p_api" APISERVER_TOKEN_FILE="$work/token" APISERVER_CA_FILE="$work/certs/apiserver.crt"
export APISERVER_PIDS="$etcd_pid $apiserver_pid" APISERVER_LOG="$work/apiserver.log"
echo "kube-apiserver: k8s.io/kubernetes $(grep -o 'k8s.io/kubernetes v[0-9.]*' "$src/go.mod" | head -1 | cut -d' ' -f2) on $APISERVER_URL, etcd $(etcd --version | head -1 | awk '{print $3}') on 127.0.0.1:$p_client"
if [ "${1:-}" = "--exec" ]; then
  # Another check on this server (scripts/k8s-promotion-check.sh): the command reads the APISERVER_* variables.
  shift
  "$@"
  exit
fi
npx --no-install tsx scripts/kube-dryrun.ts --crds schemas/crds "$@"
npx --no-install tsx scripts/kube-dryrun.ts --expect-rejected test/fixtures/broken/broken.apiserver.k8s.yaml
