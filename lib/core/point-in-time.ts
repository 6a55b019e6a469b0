import { z } from 'zod';
import { athenaUtcTimestamp, quoteIdentifier as quote } from './athena-sql';
import { EntityDefinition, FeatureReference, FeatureType, Features, entitiesSchema } from './features';
import { unlessToken, validateOrThrow } from './validation';

/** SQL dialect of a generated query. */
export enum SqlDialect {
  /** Amazon Athena (Trino), over the SageMaker Feature Store offline store in the Glue catalog. */
  ATHENA = 'ATHENA',
  /** DuckDB, e.g. over Parquet files copied from the offline store, or in tests. */
  DUCKDB = 'DUCKDB',
}

/** The table of labelled events a training set is built for. */
export interface LabelTable {
  /**
   * The table, rendered into the SQL as given (e.g. `training.labels`): quote its parts yourself
   * when they need it.
   */
  readonly table: string;
  /** Column holding each label's event time (a `TIMESTAMP` in UTC, without time zone). */
  readonly timestampColumn: string;
  /**
   * For every entity whose features are referenced, the label column holding its record
   * identifier, e.g. `{ user: 'user_id' }`.
   */
  readonly entityColumns: Record<string, string>;
}

/** Options of `PointInTime.query`. */
export interface PointInTimeQueryOptions {
  /** The labels: every label row appears once in the output, with or without features. */
  readonly labels: LabelTable;
  /**
   * The features to join, written `entity:feature` (e.g. `user:30d_spend`). Each becomes an
   * output column named exactly like the reference, in this order.
   */
  readonly features: string[];
  /** The entity definitions the references are resolved against. */
  readonly entities: EntityDefinition[];
  /** For every referenced entity, its offline store table, rendered into the SQL as given. */
  readonly featureTables: Record<string, string>;
  /**
   * SQL dialect.
   * @default SqlDialect.ATHENA
   */
  readonly dialect?: SqlDialect;
  /**
   * Also require a feature row to have been received (`api_invocation_time`, when SageMaker got
   * the PutRecord) at or before the label time, so rewrites and backfills made after the label are
   * ignored: the training set sees what the online store could have served at that moment.
   * (`write_time` is when the row reached the offline store, up to ~15 minutes later: filtering on
   * it would make training staler than serving.)
   * @default true
   */
  readonly respectWriteTime?: boolean;
}

const WHERE = 'PointInTime.query';

// Columns SageMaker adds to every offline store table. Source: SageMaker developer guide,
// "Feature Store offline store data format".
const WRITE_TIME = 'write_time';
const API_INVOCATION_TIME = 'api_invocation_time';
const IS_DELETED = 'is_deleted';

/** One referenced entity and the features read from its table, in reference order. */
interface EntityJoin {
  readonly entity: EntityDefinition;
  readonly keyColumn: string;
  readonly table: string;
  readonly features: string[];
}

/** Point-in-time ("as-of") joins that build training sets without leaking later values. */
export class PointInTime {
  /**
   * The SQL that joins features to labels as of each label's time.
   *
   * For every label row and every referenced entity it takes the entity's feature row with the
   * label's record identifier whose event time is the latest at or before the label time (and,
   * with `respectWriteTime`, that was written at or before it), ties broken by the latest
   * `write_time`, then the latest `api_invocation_time`. When that row is a deletion marker the
   * features are NULL, as they are when no row qualifies. Label rows are never dropped or
   * duplicated: the output has every label column, then one column per reference.
   *
   * @param options labels, references, definitions and tables
   * @throws MlopsValidationError naming every problem in the options
   */
  public static query(options: PointInTimeQueryOptions): string {
    const joins = resolve(options);
    const dialect = options.dialect ?? SqlDialect.ATHENA;
    const respectWriteTime = options.respectWriteTime ?? true;
    const labels = options.labels;
    const labelTime = quote(labels.timestampColumn);

    const ctes: string[] = [];
    const joinClauses: string[] = [];
    joins.forEach((j, i) => {
      ctes.push(...asOfCtes(j, i, labels, dialect, respectWriteTime));
      const alias = quote(`pit_a${i}`);
      joinClauses.push(
        `LEFT JOIN ${quote(`pit_asof_${i}`)} AS ${alias}\n` +
        `  ON ${alias}."pit_key" = "pit_l".${quote(j.keyColumn)} AND ${alias}."pit_time" = "pit_l".${labelTime}`,
      );
    });

    // Columns follow the order of the references, whichever entity they belong to.
    const order = options.features.map((ref) => {
      const r = Features.parseReference(ref);
      const i = joins.findIndex((j) => j.entity.name === r.entity);
      return `${quote(`pit_a${i}`)}.${quote(`pit_v${joins[i].features.indexOf(r.feature)}`)} AS ${quote(ref)}`;
    });

    return (
      `WITH\n${ctes.join(',\n')}\n` +
      `SELECT "pit_l".*,\n  ${order.join(',\n  ')}\n` +
      `FROM ${labels.table} AS "pit_l"\n` +
      `${joinClauses.join('\n')}\n`
    );
  }

  private constructor() {}
}

/**
 * The three CTEs of one entity's as-of lookup: the distinct (record id, label time) keys, the
 * feature rows ranked per key, and the latest row per key that is not a deletion marker.
 */
function asOfCtes(j: EntityJoin, i: number, labels: LabelTable, dialect: SqlDialect, respectWriteTime: boolean): string[] {
  const ctes: string[] = [];
  const labelTime = quote(labels.timestampColumn);
  const keys = quote(`pit_keys_${i}`);
  const ranked = quote(`pit_ranked_${i}`);
  const asOf = quote(`pit_asof_${i}`);
  const eventTime = toTimestamp(`"pit_f".${quote(j.entity.eventTime)}`, j.entity.eventTimeType ?? FeatureType.STRING, dialect);
  const featureColumns = j.features.map((f, n) => `"pit_f".${quote(f)} AS ${quote(`pit_v${n}`)}`);
  const valueColumns = j.features.map((_f, n) => quote(`pit_v${n}`));
  // Each distinct (record id, label time) pair is looked up once, then joined back to the
  // labels by value. A synthetic label row id (ROW_NUMBER() OVER ()) would not do: Trino
  // inlines CTEs, so a table read twice may be numbered differently each time, and the id
  // would also have to be dropped from `SELECT *`, which Athena cannot do.
  ctes.push(
    `${keys} AS (\n` +
    `  SELECT DISTINCT ${quote(j.keyColumn)} AS "pit_key", ${labelTime} AS "pit_time"\n` +
    `  FROM ${labels.table}\n` +
    ')',
  );
  const conditions = [
    `"pit_f".${quote(j.entity.recordIdentifier)} = "pit_k"."pit_key"`,
    // Never a row from after the label: that is the leak this query exists to prevent.
    `${eventTime} <= "pit_k"."pit_time"`,
  ];
  if (respectWriteTime) {
    // A value rewritten after the label (a correction or backfill of an old event time) was
    // not known when the label happened.
    conditions.push(`"pit_f".${quote(API_INVOCATION_TIME)} <= "pit_k"."pit_time"`);
  }
  ctes.push(
    `${ranked} AS (\n` +
    '  SELECT "pit_k"."pit_key", "pit_k"."pit_time",\n' +
    `    "pit_f".${quote(IS_DELETED)} AS "pit_deleted",\n` +
    featureColumns.map((c) => `    ${c},\n`).join('') +
    '    ROW_NUMBER() OVER (\n' +
    '      PARTITION BY "pit_k"."pit_key", "pit_k"."pit_time"\n' +
    // NULLS LAST spelled out: the dialects' defaults are not the same everywhere.
    `      ORDER BY ${eventTime} DESC NULLS LAST, "pit_f".${quote(WRITE_TIME)} DESC NULLS LAST, "pit_f".${quote(API_INVOCATION_TIME)} DESC NULLS LAST\n` +
    '    ) AS "pit_rn"\n' +
    `  FROM ${keys} AS "pit_k"\n` +
    `  JOIN ${j.table} AS "pit_f"\n` +
    `    ON ${conditions.join('\n    AND ')}\n` +
    ')',
  );
  // The deletion filter comes after the ranking: a deleted record is absent as of the label,
  // so an older value must not resurface from behind its deletion marker.
  ctes.push(
    `${asOf} AS (\n` +
    `  SELECT "pit_key", "pit_time", ${valueColumns.join(', ')}\n` +
    `  FROM ${ranked}\n` +
    '  WHERE "pit_rn" = 1 AND NOT COALESCE("pit_deleted", false)\n' +
    ')',
  );
  return ctes;
}

/**
 * The event time column as a UTC timestamp without time zone, comparable with the label time
 * and `write_time` whatever the session time zone is.
 */
function toTimestamp(column: string, type: string, dialect: SqlDialect): string {
  if (dialect === SqlDialect.DUCKDB) {
    // Through TIMESTAMPTZ rather than a direct CAST(... AS TIMESTAMP), which drops a UTC offset
    // such as "+02:00" instead of applying it.
    return type === FeatureType.FRACTIONAL
      ? `(to_timestamp(${column}) AT TIME ZONE 'UTC')`
      : `(CAST(${column} AS TIMESTAMPTZ) AT TIME ZONE 'UTC')`;
  }
  // from_iso8601_timestamp and from_unixtime return a timestamp with time zone; comparing it with
  // a timestamp would read the latter in the session time zone, so convert explicitly to UTC.
  return athenaUtcTimestamp(column, type as FeatureType);
}

function isNonEmptyString(x: unknown): x is string {
  return typeof x === 'string' && x.trim() !== '';
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return x !== null && typeof x === 'object' && !Array.isArray(x);
}

function own(record: unknown, key: string): unknown {
  return isRecord(record) && Object.hasOwn(record, key) ? record[key] : undefined;
}

const text = (allowed: string) => z.string({ error: allowed }).refine((v) => v.trim() !== '', { message: allowed });

/**
 * `PointInTimeQueryOptions` as a schema: the shape of each option, then (in one refinement that
 * runs even when the shape has problems, so every problem is reported at once) the references
 * against the entities, and the label column and table each referenced entity needs.
 */
const pointInTimeOptionsSchema = z
  .object(
    {
      labels: z.object(
        {
          table: text('must be a table name, e.g. training.labels'),
          timestampColumn: text('must name the label time column'),
          entityColumns: z.record(z.string(), z.unknown(), { error: 'must map each referenced entity to its record identifier column' }),
        },
        { error: 'must be an object with table, timestampColumn and entityColumns' },
      ),
      features: z.array(z.unknown(), { error: 'must reference at least one feature (entity:feature)' })
        .min(1, 'must reference at least one feature (entity:feature)'),
      entities: entitiesSchema,
      featureTables: z.record(z.string(), z.unknown(), { error: 'must map each referenced entity to its offline store table' }),
      dialect: z.enum(SqlDialect, { error: `must be one of ${Object.values(SqlDialect).join(', ')}` }).optional(),
      respectWriteTime: z.boolean().optional(),
    },
    { error: 'must be an object with labels, features, entities and featureTables' },
  )
  .superRefine(unlessToken((options, ctx) => referenceIssues(options as unknown).forEach((i) => ctx.addIssue({ code: 'custom', ...i }))), { when: () => true });

/** The references against the entities (defensive: the shape may be wrong). */
function referenceIssues(options: unknown): Array<{ path: Array<string | number>; message: string }> {
  const issues: Array<{ path: Array<string | number>; message: string }> = [];
  if (!isRecord(options) || !Array.isArray(options.features)) {
    return issues;
  }
  const entities = entityMap(options.entities);
  const labels = options.labels;
  const checked = new Set<string>();
  const seen = new Set<string>();
  options.features.forEach((ref, i): void => {
    const problem = (message: string): void => {
      issues.push({ path: ['features', i], message });
    };
    const parsed = typeof ref === 'string' ? tryParse(ref) : undefined;
    if (parsed === undefined) return problem('must be written entity:feature, e.g. user:30d_spend');
    if (seen.has(ref as string)) return problem('must be unique (each reference becomes one output column)');
    seen.add(ref as string);
    const entity = entities.get(parsed.entity);
    if (entity === undefined) return problem(`must name a defined entity (${[...entities.keys()].join(', ') || 'none defined'})`);
    const names = entity.features.map((f) => f?.name);
    if (!names.includes(parsed.feature)) return problem(`must name a feature of entity ${entity.name} (${names.join(', ')})`);
    if (checked.has(entity.name)) return;
    // Checked once per entity, at its first reference.
    checked.add(entity.name);
    const entityColumns = isRecord(labels) ? labels.entityColumns : undefined;
    if (isRecord(entityColumns) && !isNonEmptyString(own(entityColumns, entity.name))) {
      issues.push({ path: ['labels', 'entityColumns', entity.name], message: `must name the label column holding the ${entity.name} record identifier (${ref} is referenced)` });
    }
    if (isRecord(options.featureTables) && !isNonEmptyString(own(options.featureTables, entity.name))) {
      issues.push({ path: ['featureTables', entity.name], message: `must name the offline store table of entity ${entity.name} (${ref} is referenced)` });
    }
  });
  return issues;
}

function tryParse(ref: string): FeatureReference | undefined {
  try {
    return Features.parseReference(ref);
  } catch {
    return undefined;
  }
}

/** The well-formed entity definitions by name (the first of a duplicated name). */
function entityMap(entities: unknown): Map<string, EntityDefinition> {
  const out = new Map<string, EntityDefinition>();
  for (const e of Array.isArray(entities) ? entities : []) {
    if (isRecord(e) && typeof e.name === 'string' && Array.isArray(e.features) && !out.has(e.name)) {
      out.set(e.name, e as unknown as EntityDefinition);
    }
  }
  return out;
}

/** Validate the options (every problem at once, one schema) and group the references by entity. */
function resolve(options: PointInTimeQueryOptions): EntityJoin[] {
  validateOrThrow(WHERE, pointInTimeOptionsSchema, options);
  const entities = entityMap(options.entities);
  const joins = new Map<string, EntityJoin>();
  for (const ref of options.features) {
    const parsed = Features.parseReference(ref);
    const entity = entities.get(parsed.entity)!;
    let join = joins.get(entity.name);
    if (join === undefined) {
      const keyColumn = String(own(options.labels.entityColumns, entity.name));
      join = { entity, keyColumn, table: String(own(options.featureTables, entity.name)), features: [] };
      joins.set(entity.name, join);
    }
    join.features.push(parsed.feature);
  }
  return [...joins.values()];
}
