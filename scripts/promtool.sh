#!/usr/bin/env bash
# promtool from Debian's `prometheus` package, installed once (skipped when present), then run with
# the given arguments. Usage: scripts/promtool.sh <promtool args>  (e.g. check rules f.yaml)
# Debian bookworm ships Prometheus 2.42; PROMTOOL=/path/to/promtool uses another build instead.
set -euo pipefail
promtool=${PROMTOOL:-}
if [ -z "$promtool" ]; then
  if ! command -v promtool > /dev/null 2>&1; then
    echo "promtool: installing Debian package prometheus" >&2
    export DEBIAN_FRONTEND=noninteractive
    sudo_=""; [ "$(id -u)" = 0 ] || sudo_=sudo
    # policy-rc.d 101: the package's service is not started (only promtool is wanted); a file
    # already there (container images ship one) is left as it is.
    made_policy=""
    if [ ! -e /usr/sbin/policy-rc.d ]; then
      $sudo_ sh -c 'printf "#!/bin/sh\nexit 101\n" > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d'
      made_policy=1
    fi
    $sudo_ apt-get install -y --no-install-recommends prometheus > /dev/null 2>&1 \
      || { $sudo_ apt-get update > /dev/null && $sudo_ apt-get install -y --no-install-recommends prometheus > /dev/null; }
    [ -z "$made_policy" ] || $sudo_ rm -f /usr/sbin/policy-rc.d
  fi
  promtool=$(command -v promtool)
fi
exec "$promtool" "$@"
