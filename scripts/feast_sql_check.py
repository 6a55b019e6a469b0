"""Feast's own Athena SQL for every rendered FeatureStore, through Trino's parser and run in DuckDB.

Usage: python feast_sql_check.py --sql-dir DIR <manifest.yaml>...
(run with the venv of scripts/requirements-feast-check.txt; scripts/feast-sql-check.sh does, then
parses every DIR/*.sql with io.trino:trino-parser: Athena engine v3's dialect is Trino's.)

For each ConfigMap holding `feature_store.yaml` and `features.py` (the Feast repository the chart
renders): the repository is loaded by Feast itself (RepoConfig from the YAML, the definitions by
executing features.py), and for every FeatureView the SQL is taken from Feast's Athena offline store
code, with the AWS clients mocked so nothing is sent:
  - materialization (`pull_latest_from_table_or_query`, with the columns Feast's materialization
    computes: feast.utils._get_column_names), and `pull_all_from_table_or_query`;
  - the source's column probe (`SELECT * FROM (<query>) LIMIT 1`, `feast apply` / validation).
Each statement is written to DIR for the parser. Then the materialization query is run in DuckDB
against a table with the columns and types SageMaker's offline store has for the declared entity
(feature types; the event time as text or double as `eventTimeType` says; write_time,
api_invocation_time, is_deleted), with DuckDB macros for the two Trino functions used
(from_iso8601_timestamp, from_unixtime): DuckDB, like Athena, refuses to compare text or a double
with a timestamp. Its result, field-mapped by Feast, must be the newest row of each key within the
window, converted by Feast's materialization (`_convert_arrow_to_proto`) without error.
"""

import argparse
import datetime as dt
import os
import runpy
import sys
import tempfile
from unittest import mock

import duckdb
import yaml

from feast import Entity, FeatureView
from feast import utils as feast_utils
from feast.infra.offline_stores.contrib.athena_offline_store import athena as athena_store
from feast.repo_config import load_repo_config

START = dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc)
END = dt.datetime(2024, 1, 2, tzinfo=dt.timezone.utc)

# DuckDB types of SageMaker offline store columns by feature type (Integral → bigint,
# Fractional → double, String → string; SageMaker developer guide, offline store data format).
DUCKDB_TYPES = {"Int64": "BIGINT", "Float64": "DOUBLE", "String": "VARCHAR"}


def repositories(paths):
    for p in paths:
        with open(p) as f:
            for d in yaml.safe_load_all(f):
                data = (d or {}).get("data") or {}
                if d and d.get("kind") == "ConfigMap" and "features.py" in data and "feature_store.yaml" in data:
                    yield f"{os.path.basename(p)}:{d['metadata'].get('namespace', '')}/{d['metadata']['name']}", data


def load_repo(data, work):
    """The repository as Feast loads it: its config and the objects features.py defines."""
    with open(os.path.join(work, "feature_store.yaml"), "w") as f:
        f.write(data["feature_store.yaml"])
    with open(os.path.join(work, "features.py"), "w") as f:
        f.write(data["features.py"])
    config = load_repo_config(work, os.path.join(work, "feature_store.yaml"))
    defined = runpy.run_path(os.path.join(work, "features.py"))
    views = [v for v in defined.values() if isinstance(v, FeatureView)]
    entities = [v for v in defined.values() if isinstance(v, Entity)]
    return config, views, entities


class Sent(Exception):
    """Raised by the mocked Athena calls: the statement was captured, nothing is sent."""


def captured_statements(config, view, entities):
    """The statements Feast's Athena offline store builds for the view: (label, sql)."""
    source = view.batch_source
    join_keys, features, ts, created = feast_utils._get_column_names(view, [e for e in entities if e.name in view.entities])
    out = []
    sent = []

    def capture(*args, **kwargs):
        sent.extend(a for a in list(args) + list(kwargs.values()) if isinstance(a, str) and "SELECT" in a.upper())
        raise Sent()

    patches = [mock.patch.object(athena_store.aws_utils, "get_athena_data_client", return_value=mock.MagicMock()),
               mock.patch.object(athena_store.aws_utils, "get_s3_resource", return_value=mock.MagicMock())]
    for name in ("execute_athena_query", "execute_athena_query_async", "unload_athena_query_to_pa", "unload_athena_query_to_df"):
        if hasattr(athena_store.aws_utils, name):
            patches.append(mock.patch.object(athena_store.aws_utils, name, side_effect=capture))
    for p in patches:
        p.start()
    try:
        latest = athena_store.AthenaOfflineStore.pull_latest_from_table_or_query(
            config=config, data_source=source, join_key_columns=join_keys, feature_name_columns=features,
            timestamp_field=ts, created_timestamp_column=created, start_date=START, end_date=END)
        with latest._query_generator() as q:
            out.append(("materialize", q))
        everything = athena_store.AthenaOfflineStore.pull_all_from_table_or_query(
            config=config, data_source=source, join_key_columns=join_keys, feature_name_columns=features,
            timestamp_field=ts, start_date=START, end_date=END)
        with everything._query_generator() as q:
            out.append(("pull-all", q))
        if source.query:  # a table source asks Glue for its columns (no SQL)
            try:
                source.get_table_column_names_and_types(config)
            except Sent:
                pass
        out.extend(("source-columns", s) for s in sent)
    finally:
        for p in patches:
            p.stop()
    return out, (join_keys, features, ts)


def duckdb_run(view, entity_types, columns, sql):
    """Run the materialization query in DuckDB over the offline table; return problems."""
    join_keys, features, ts = columns
    source = view.batch_source
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.execute("""ATTACH ':memory:' AS "AwsDataCatalog" """)
    # Trino's functions, as DuckDB expressions of the same result for SageMaker's formats.
    con.execute("CREATE MACRO from_iso8601_timestamp(s) AS CAST(s AS TIMESTAMPTZ)")
    con.execute("CREATE MACRO from_unixtime(x) AS to_timestamp(x)")
    database = source.database
    con.execute(f'CREATE SCHEMA "AwsDataCatalog"."{database}"')
    table_cols, rows = offline_table(view, entity_types)
    table = entity_types["table"]
    con.execute(f'CREATE TABLE "AwsDataCatalog"."{database}"."{table}" ({", ".join(f"{q(n)} {t}" for n, t in table_cols)})')
    con.executemany(f'INSERT INTO "AwsDataCatalog"."{database}"."{table}" VALUES ({", ".join("?" for _ in table_cols)})', rows)
    try:
        result = con.sql(sql).to_arrow_table()
    except duckdb.Error as e:
        return [f"DuckDB rejected it: {str(e).splitlines()[0]}"]
    mapped = feast_utils._run_pyarrow_field_mapping(result, source.field_mapping)
    problems = []
    expected = sorted([entity_types["key"]] + [f.name for f in view.features] + [source.timestamp_field])
    if sorted(mapped.column_names) != expected:
        problems.append(f"columns after Feast's field mapping {sorted(mapped.column_names)}, expected {expected}")
        return problems
    got = mapped.to_pylist()
    if len(got) != 1:
        return [f"{len(got)} rows, expected the newest row of the one key in the window"]
    row = got[0]
    newest = START + dt.timedelta(hours=2)
    event = row[source.timestamp_field]
    if event.replace(tzinfo=dt.timezone.utc) != newest:
        problems.append(f"event time {event}, expected {newest} (the newest row in the window, in UTC)")
    for f in view.features:
        want = sample(f.dtype, 2)
        if row[f.name] != want:
            problems.append(f"{f.name} = {row[f.name]!r}, expected {want!r} (the newest row's value)")
    try:
        feast_utils._convert_arrow_to_proto(mapped, view, {entity_types["key"]: entity_types["key_type"]})
    except Exception as e:  # noqa: BLE001 - any failure of Feast's conversion is the finding
        problems.append(f"Feast's materialization could not convert the result: {e}")
    return problems


def q(name):
    return '"' + name.replace('"', '""') + '"'


def sample(dtype, version):
    name = str(dtype)
    if name == "Int64":
        return 100 + version
    if name == "Float64":
        return 1.5 + version
    return f"v{version}"


def offline_table(view, t):
    """Columns and rows of the offline table: one key, versions 1 and 2 in the window, 3 after it."""
    cols = [(t["key"], "BIGINT" if t["key_type"].name == "INT64" else "VARCHAR"),
            (t["event_time"], "DOUBLE" if t["event_time_fractional"] else "VARCHAR")]
    # The source's columns are what the generated query reads: the features by their names.
    cols += [(f.name, DUCKDB_TYPES[str(f.dtype)]) for f in view.features]
    cols += [("write_time", "TIMESTAMP"), ("api_invocation_time", "TIMESTAMP"), ("is_deleted", "BOOLEAN")]
    rows = []
    for version, at in ((1, START + dt.timedelta(hours=1)), (2, START + dt.timedelta(hours=2)), (3, END + dt.timedelta(hours=1))):
        key = 7 if t["key_type"].name == "INT64" else "k7"
        event = at.timestamp() if t["event_time_fractional"] else at.strftime("%Y-%m-%dT%H:%M:%SZ")
        naive = at.replace(tzinfo=None)
        rows.append([key, event] + [sample(f.dtype, version) for f in view.features] + [naive, naive, False])
    return cols, rows


def entity_table(view, entities):
    """The table, key and event time column names and types the offline table has for the view."""
    entity = next(e for e in entities if e.name in view.entities)
    source = view.batch_source
    query = source.query or ""
    table = source.table or query.rsplit(".", 1)[-1].strip().strip('"')
    # The event time column of the offline table: the one the query converts, else the timestamp field.
    event_time = source.timestamp_field
    fractional = "from_unixtime(" in query
    for fn in ("from_iso8601_timestamp(", "from_unixtime("):
        if fn in query:
            event_time = query.split(fn, 1)[1].split(")", 1)[0].strip().strip('"')
    # A plain table source (as rendered before issue 13.12) reads the event time column as it is:
    # SageMaker's default type, ISO-8601 text, is assumed for it.
    return {"table": table, "key": entity.join_key, "key_type": entity.value_type, "event_time": event_time,
            "event_time_fractional": fractional}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sql-dir", required=True)
    ap.add_argument("manifests", nargs="+")
    args = ap.parse_args()
    problems = []
    count = 0
    found = list(repositories(args.manifests))
    if not found:
        raise SystemExit(f"no Feast repository ConfigMap in {', '.join(args.manifests)}")
    for label, data in found:
        with tempfile.TemporaryDirectory(prefix="feast-sql-check-") as work:
            config, views, entities = load_repo(data, work)
            for view in views:
                statements, columns = captured_statements(config, view, entities)
                for kind, sql in statements:
                    count += 1
                    name = f"{count:03d}-{view.name}-{kind}.sql"
                    with open(os.path.join(args.sql_dir, name), "w") as f:
                        f.write(f"-- {label} {view.name} {kind}\n{sql}")
                materialize = next(sql for kind, sql in statements if kind == "materialize")
                types = entity_table(view, entities)
                for p in duckdb_run(view, types, columns, materialize):
                    problems.append(f"{label} {view.name} materialize: {p}")
                print(f"{label} {view.name}: {len(statements)} statements from Feast's Athena store; run in DuckDB")
    for p in problems:
        print("FAIL " + p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
