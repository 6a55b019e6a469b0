#!/usr/bin/env bash
# Feast's own Athena SQL for every rendered FeatureStore (scripts/feast_sql_check.py: Feast from
# PyPI builds the materialization, pull-all and source-column statements; DuckDB runs the
# materialization over tables with the offline store's columns), then every statement through
# Trino's own parser (io.trino:trino-parser from Maven Central, scripts/feast-sql-check/; Athena
# engine v3's dialect is Trino's). Loopback only: nothing is sent to AWS.
# Usage: scripts/feast-sql-check.sh <manifest.yaml>...     (default: cdk.out/k8s/*.yaml)
#        scripts/feast-sql-check.sh --self-test  (must reject test/fixtures/broken/broken.feast-sql.k8s.yaml
#                                                 in both the parser and DuckDB)
# Caches: the venv (scripts/pinned-venv.sh) and the parser's jars (a Maven repository under
# CDK_MLOPS_CACHE, default ~/.cache/cdk-mlops/m2, with the resolved classpath keyed by the pom's hash).
set -euo pipefail
cd "$(dirname "$0")/.."

venv=.tools/feast-check-venv
bash scripts/pinned-venv.sh "$venv" scripts/requirements-feast-check.txt 3.10 feast-sql-check

cache=${CDK_MLOPS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/cdk-mlops}
pom=scripts/feast-sql-check/pom.xml
classpath="$cache/trino-parser/$(sha256sum "$pom" | cut -c1-16).classpath"
if [ ! -s "$classpath" ]; then
  echo "feast-sql-check: resolving the Trino parser ($pom)"
  mkdir -p "$(dirname "$classpath")"
  mvn -q -B -f "$pom" -Dmaven.repo.local="$cache/m2" dependency:build-classpath -Dmdep.outputFile="$classpath.tmp" > /dev/null
  mv "$classpath.tmp" "$classpath"
fi

run() {
  local sql
  sql=$(mktemp -d)
  local rc=0
  "$venv/bin/python" -W ignore scripts/feast_sql_check.py --sql-dir "$sql" "$@" || rc=1
  # trino-parser 431 runs on Java 17 (source-file mode: no build step).
  java -cp "$(cat "$classpath")" scripts/feast-sql-check/TrinoParse.java "$sql"/*.sql || rc=1
  rm -rf "$sql"
  return $rc
}

if [ "${1:-}" = "--self-test" ]; then
  broken=test/fixtures/broken/broken.feast-sql.k8s.yaml
  if out=$(run "$broken" 2>&1); then
    echo "$out"
    echo "feast-sql-check: accepted $broken: it is not really checking" >&2
    exit 1
  fi
  # Both planted faults must be found, each by its own authority.
  for expected in 'REJECTED by the Trino parser: .*user-materialize.sql: .*identifiers must not start with a digit' \
    'user materialize: DuckDB rejected it: .*VARCHAR and TIMESTAMP'; do
    if ! grep -Eq "$expected" <<<"$out"; then
      echo "$out"
      echo "feast-sql-check: the broken fixture failed, but not with: $expected" >&2
      exit 1
    fi
  done
  echo "feast-sql-check rejects $broken (Trino: 30d_spend unquoted; DuckDB: text event time BETWEEN timestamps): ok"
  exit 0
fi

if [ "$#" -eq 0 ]; then
  set -- cdk.out/k8s/*.yaml
fi
run "$@"
