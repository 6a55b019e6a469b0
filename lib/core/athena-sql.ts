import { FeatureType } from './features';

/**
 * SQL pieces for Amazon Athena engine v3, whose dialect is Trino's. Pure text.
 *
 * Source: trinodb/trino, core/trino-grammar SqlBase.g4: an unquoted identifier is a letter or `_`
 * followed by letters, digits and `_` (`30d_spend` is lexed as a DIGIT_IDENTIFIER and refused:
 * "identifiers must not start with a digit; surround the identifier with double quotes"); a
 * quoted identifier is `"…"` with `""` for a double quote inside. SageMaker feature names
 * (letters, digits, `-`, `_`) are therefore always quoted. Checked by scripts/feast-sql-check.sh
 * with Trino's own parser.
 */

/** A double-quoted identifier: feature names may start with a digit or hold `-`. */
export function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/**
 * An offline store event time column (ISO-8601 text or fractional Unix seconds, as SageMaker
 * stores it) as a UTC `timestamp` without time zone, comparable with `TIMESTAMP '…'` literals and
 * other UTC timestamps whatever the session time zone is. Athena refuses to compare the text
 * column itself with a timestamp ("Cannot check if varchar is BETWEEN timestamp").
 * `from_iso8601_timestamp` and `from_unixtime` return a timestamp with time zone, which Athena's
 * Parquet writers (CTAS, UNLOAD) do not store: converted to UTC, then to a plain timestamp.
 * @param column the column, already quoted
 */
export function athenaUtcTimestamp(column: string, type: FeatureType): string {
  return type === FeatureType.FRACTIONAL
    ? `CAST(from_unixtime(${column}) AT TIME ZONE 'UTC' AS timestamp)`
    : `CAST(from_iso8601_timestamp(${column}) AT TIME ZONE 'UTC' AS timestamp)`;
}
