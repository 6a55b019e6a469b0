#!/usr/bin/env bash
# amtool (and alertmanager) from Debian's `prometheus-alertmanager` package, installed once (skipped
# when present), then amtool run with the given arguments. Usage: scripts/amtool.sh <amtool args>
# (e.g. check-config f.yaml). Debian bookworm ships Alertmanager 0.25; AMTOOL=/path/to/amtool uses
# another build instead. `scripts/amtool.sh --install` only installs.
set -euo pipefail
amtool=${AMTOOL:-}
if [ -z "$amtool" ]; then
  if ! command -v amtool > /dev/null 2>&1 || ! command -v prometheus-alertmanager > /dev/null 2>&1; then
    echo "amtool: installing Debian package prometheus-alertmanager" >&2
    export DEBIAN_FRONTEND=noninteractive
    sudo_=""; [ "$(id -u)" = 0 ] || sudo_=sudo
    # policy-rc.d 101: the package's service is not started (only the binaries are wanted); a file
    # already there (container images ship one) is left as it is.
    made_policy=""
    if [ ! -e /usr/sbin/policy-rc.d ]; then
      $sudo_ sh -c 'printf "#!/bin/sh\nexit 101\n" > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d'
      made_policy=1
    fi
    $sudo_ apt-get install -y --no-install-recommends prometheus-alertmanager > /dev/null 2>&1 \
      || { $sudo_ apt-get update > /dev/null && $sudo_ apt-get install -y --no-install-recommends prometheus-alertmanager > /dev/null; }
    [ -z "$made_policy" ] || $sudo_ rm -f /usr/sbin/policy-rc.d
  fi
  amtool=$(command -v amtool)
fi
[ "${1:-}" != --install ] || exit 0
exec "$amtool" "$@"
