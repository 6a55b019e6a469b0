import { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EntityDefinition, FeatureType } from '../../lib/core/features';
import { PointInTime, PointInTimeQueryOptions, SqlDialect } from '../../lib/core/point-in-time';
import { expectValidationError } from '../support/aws';
import { seededRandom } from '../support/random';

// All times in the data sets are offsets in milliseconds from this instant (UTC).
const T0 = Date.UTC(2024, 0, 1);

const ENTITIES: EntityDefinition[] = [
  {
    name: 'user',
    recordIdentifier: 'user_id',
    eventTime: 'event_time',
    features: [
      { name: '30d_spend', type: FeatureType.FRACTIONAL },
      { name: 'country', type: FeatureType.STRING },
    ],
  },
  {
    name: 'merchant',
    recordIdentifier: 'merchant_id',
    eventTime: 'event_time',
    eventTimeType: FeatureType.FRACTIONAL,
    features: [{ name: 'risk_score', type: FeatureType.FRACTIONAL }],
  },
];

const REFS = ['user:30d_spend', 'merchant:risk_score', 'user:country'];

function options(extra: Partial<PointInTimeQueryOptions> = {}): PointInTimeQueryOptions {
  return {
    labels: { table: 'labels', timestampColumn: 'label_time', entityColumns: { user: 'user_id', merchant: 'merchant_id' } },
    features: REFS,
    entities: ENTITIES,
    featureTables: { user: 'user_fg', merchant: 'merchant_fg' },
    dialect: SqlDialect.DUCKDB,
    ...extra,
  };
}

// ---- SQL literals for the fixtures ---------------------------------------------------------

/** A naive UTC TIMESTAMP literal (what the label and write_time columns hold). */
function ts(ms: number): string {
  return `TIMESTAMP '${new Date(T0 + ms).toISOString().replace('T', ' ').replace('Z', '')}'`;
}

function str(s: string | null): string {
  return s === null ? 'NULL' : `'${s.replace(/'/g, "''")}'`;
}

function num(n: number | null): string {
  return n === null ? 'NULL' : String(n);
}

/** An ISO-8601 event time as the offline store holds it for String event times. */
function iso(ms: number): string {
  return new Date(T0 + ms).toISOString();
}

/** Fractional Unix seconds, as the offline store holds them for Fractional event times. */
function unix(ms: number): number {
  return (T0 + ms) / 1000;
}

interface UserRow {
  readonly id: string;
  /** Event time as stored: an ISO-8601 string. */
  readonly event: string;
  readonly spend: number | null;
  readonly country: string | null;
  readonly write: number;
  readonly api?: number;
  readonly deleted?: boolean;
}

interface MerchantRow {
  readonly id: string;
  /** Event time offset in ms (stored as Fractional seconds). */
  readonly event: number;
  readonly risk: number | null;
  readonly write: number;
  readonly api?: number;
  readonly deleted?: boolean;
}

interface LabelRow {
  readonly labelId: number;
  readonly user: string | null;
  readonly merchant: string | null;
  readonly time: number;
}

async function load(c: DuckDBConnection, users: UserRow[], merchants: MerchantRow[], labels: LabelRow[]): Promise<void> {
  await c.run('DROP TABLE IF EXISTS user_fg; DROP TABLE IF EXISTS merchant_fg; DROP TABLE IF EXISTS labels');
  // The offline store's shape: key, event time, features, then SageMaker's own columns.
  await c.run(
    'CREATE TABLE user_fg (user_id VARCHAR, event_time VARCHAR, "30d_spend" DOUBLE, country VARCHAR, ' +
    'write_time TIMESTAMP, api_invocation_time TIMESTAMP, is_deleted BOOLEAN)',
  );
  await c.run(
    'CREATE TABLE merchant_fg (merchant_id VARCHAR, event_time DOUBLE, risk_score DOUBLE, ' +
    'write_time TIMESTAMP, api_invocation_time TIMESTAMP, is_deleted BOOLEAN)',
  );
  await c.run('CREATE TABLE labels (label_id INTEGER, user_id VARCHAR, merchant_id VARCHAR, label_time TIMESTAMP, is_fraud BOOLEAN)');
  if (users.length > 0) {
    await c.run(`INSERT INTO user_fg VALUES ${users
      .map((u) => `(${str(u.id)}, ${str(u.event)}, ${num(u.spend)}, ${str(u.country)}, ${ts(u.write)}, ${ts(u.api ?? u.write)}, ${u.deleted === true})`)
      .join(', ')}`);
  }
  if (merchants.length > 0) {
    await c.run(`INSERT INTO merchant_fg VALUES ${merchants
      .map((m) => `(${str(m.id)}, ${unix(m.event)}, ${num(m.risk)}, ${ts(m.write)}, ${ts(m.api ?? m.write)}, ${m.deleted === true})`)
      .join(', ')}`);
  }
  await c.run(`INSERT INTO labels VALUES ${labels
    .map((l) => `(${l.labelId}, ${str(l.user)}, ${str(l.merchant)}, ${ts(l.time)}, ${l.labelId % 2 === 0})`)
    .join(', ')}`);
}

interface OutRow {
  readonly 'label_id': number;
  readonly 'user:30d_spend': number | null;
  readonly 'merchant:risk_score': number | null;
  readonly 'user:country': string | null;
}

async function run(c: DuckDBConnection, sql: string): Promise<Array<Record<string, unknown>>> {
  return (await c.runAndReadAll(sql)).getRowObjects() as Array<Record<string, unknown>>;
}

function byLabel(rows: Array<Record<string, unknown>>): OutRow[] {
  return rows
    .map((r) => ({
      'label_id': r.label_id as number,
      'user:30d_spend': r['user:30d_spend'] as number | null,
      'merchant:risk_score': r['merchant:risk_score'] as number | null,
      'user:country': r['user:country'] as string | null,
    }))
    .sort((a, b) => a.label_id - b.label_id);
}

const s = (n: number) => n * 1000;

let db: DuckDBInstance;
let c: DuckDBConnection;

beforeAll(async () => {
  db = await DuckDBInstance.create(':memory:');
  c = await db.connect();
});

afterAll(() => {
  c?.closeSync();
  db?.closeSync();
});

describe('PointInTime.query on DuckDB, a data set built to tempt leakage', () => {
  const users: UserRow[] = [
    // u1: a row before, one exactly at and one after label 1 (250 s).
    { id: 'u1', event: iso(s(100)), spend: 10, country: 'DE', write: s(100) },
    { id: 'u1', event: iso(s(200)), spend: 20, country: 'DE', write: s(200) },
    { id: 'u1', event: iso(s(300)), spend: 30, country: 'FR', write: s(300) },
    // u2: event time 100 s rewritten with another value at 500 s, after label 3 (300 s).
    { id: 'u2', event: iso(s(100)), spend: 5, country: 'US', write: s(100) },
    { id: 'u2', event: iso(s(100)), spend: 7, country: 'US', write: s(500) },
    // u3: deleted at 150 s (before label 4 at 200 s), then put again at 250 s.
    { id: 'u3', event: iso(s(100)), spend: 50, country: 'IT', write: s(100) },
    { id: 'u3', event: iso(s(150)), spend: null, country: null, write: s(150), deleted: true },
    { id: 'u3', event: iso(s(250)), spend: 60, country: 'IT', write: s(250) },
    // u4: its only row comes after its label.
    { id: 'u4', event: iso(s(400)), spend: 70, country: 'ES', write: s(400) },
    // u6: event times with UTC offsets, around label 9 (1000 s = 00:16:40). 00:30+02:00 is 5400 s
    // before T0, although its clock reading is after the label; 00:10-01:00 is 4200 s after T0,
    // although its clock reading is before the label. Dropping the offsets gets both wrong.
    { id: 'u6', event: '2024-01-01T00:30:00+02:00', spend: 80, country: 'JP', write: s(-5400) },
    { id: 'u6', event: '2024-01-01T00:10:00-01:00', spend: 90, country: 'JP', write: s(4200) },
    // u7: put at 390 s (served online from then), reaching the offline store at 900 s, after
    // label 10 at 400 s: the online store could serve it, so training must see it too.
    { id: 'u7', event: iso(s(390)), spend: 42, country: 'NL', write: s(900), api: s(390) },
  ];
  const merchants: MerchantRow[] = [
    // m1: fractional seconds around label 1 (250 s), one exactly at it.
    { id: 'm1', event: 100250, risk: 0.1, write: 100250 },
    { id: 'm1', event: 249750, risk: 0.2, write: 249750 },
    { id: 'm1', event: 250000, risk: 0.3, write: 250000 },
    { id: 'm1', event: 250500, risk: 0.9, write: 250500 },
    // m2: same event and write time: the later API invocation wins.
    { id: 'm2', event: s(100), risk: 0.4, write: s(100), api: s(100) },
    { id: 'm2', event: s(100), risk: 0.5, write: s(100), api: s(101) },
    // m3: a deletion at the same event time, written later, wins over the put.
    { id: 'm3', event: s(100), risk: 0.6, write: s(100) },
    // This marker carries a value, unlike SageMaker's: values of a deletion are never used.
    { id: 'm3', event: s(100), risk: 0.66, write: s(120), deleted: true },
    // m4: a deletion marker older than the record's latest put (DeleteRecord with an old event
    // time): the put is still the latest row.
    { id: 'm4', event: s(200), risk: 0.7, write: s(200) },
    { id: 'm4', event: s(150), risk: null, write: s(210), deleted: true },
  ];
  const labels: LabelRow[] = [
    { labelId: 1, user: 'u1', merchant: 'm1', time: s(250) },
    { labelId: 2, user: 'u1', merchant: 'm1', time: s(200) },
    { labelId: 3, user: 'u2', merchant: 'm2', time: s(300) },
    { labelId: 4, user: 'u3', merchant: 'm3', time: s(200) },
    { labelId: 5, user: 'u3', merchant: 'm4', time: s(300) },
    { labelId: 6, user: 'u4', merchant: null, time: s(300) },
    { labelId: 7, user: 'u5', merchant: 'm1', time: s(1000) },
    { labelId: 8, user: 'u1', merchant: 'm1', time: s(250) },
    { labelId: 8, user: 'u1', merchant: 'm1', time: s(250) },
    { labelId: 9, user: 'u6', merchant: 'm9', time: s(1000) },
    { labelId: 10, user: 'u7', merchant: null, time: s(400) },
  ];

  const row = (labelId: number, spend: number | null, risk: number | null, country: string | null): OutRow => ({
    'label_id': labelId,
    'user:30d_spend': spend,
    'merchant:risk_score': risk,
    'user:country': country,
  });

  beforeAll(async () => {
    await load(c, users, merchants, labels);
  });

  it('takes the latest row at or before each label, ignoring rewrites made after it', async () => {
    const rows = await run(c, PointInTime.query(options()));
    expect(byLabel(rows)).toEqual([
      row(1, 20, 0.3, 'DE'), // 300 s row is after the label; the 250 s merchant row is exactly at it
      row(2, 20, 0.1, 'DE'), // the 200 s user row is exactly at the label
      row(3, 5, 0.5, 'US'), // the rewrite written at 500 s is ignored; the later API call wins the tie
      row(4, null, null, null), // both records deleted before the label: never the older values
      row(5, 60, 0.7, 'IT'), // put again after the deletion; a stale deletion marker does not win
      row(6, null, null, null), // no user row yet; no merchant id
      row(7, null, 0.9, null), // unknown user
      row(8, 20, 0.3, 'DE'), // duplicate label rows are both kept
      row(8, 20, 0.3, 'DE'),
      row(9, 80, null, 'JP'), // UTC offsets applied: the -01:00 row is after the label
      row(10, 42, null, 'NL'), // received before the label, written to the offline store after it
    ]);
  });

  it('keeps every label column, then one column per reference in the order given', async () => {
    const rows = await run(c, PointInTime.query(options()));
    expect(rows).toHaveLength(labels.length);
    expect(Object.keys(rows[0])).toEqual(['label_id', 'user_id', 'merchant_id', 'label_time', 'is_fraud', ...REFS]);
  });

  it('uses rows written after the label when respectWriteTime is false', async () => {
    const rows = await run(c, PointInTime.query(options({ respectWriteTime: false })));
    expect(byLabel(rows)).toEqual([
      row(1, 20, 0.3, 'DE'),
      row(2, 20, 0.1, 'DE'),
      row(3, 7, 0.5, 'US'), // the later rewrite of the 100 s event now wins on write_time
      row(4, null, null, null),
      row(5, 60, 0.7, 'IT'),
      row(6, null, null, null),
      row(7, null, 0.9, null),
      row(8, 20, 0.3, 'DE'),
      row(8, 20, 0.3, 'DE'),
      row(9, 80, null, 'JP'),
      row(10, 42, null, 'NL'),
    ]);
  });

  it('returns a subset of the features, one entity only', async () => {
    const rows = await run(c, PointInTime.query(options({
      features: ['user:country'],
      labels: { table: 'labels', timestampColumn: 'label_time', entityColumns: { user: 'user_id' } },
      featureTables: { user: 'user_fg' },
    })));
    expect(Object.keys(rows[0])).toEqual(['label_id', 'user_id', 'merchant_id', 'label_time', 'is_fraud', 'user:country']);
    expect(rows.map((r) => [r.label_id, r['user:country']]).sort((a, b) => Number(a[0]) - Number(b[0]))).toEqual([
      [1, 'DE'], [2, 'DE'], [3, 'US'], [4, null], [5, 'IT'], [6, null], [7, null], [8, 'DE'], [8, 'DE'], [9, 'JP'], [10, 'NL'],
    ]);
  });
});

// ---- Property-style check against a brute-force computation ----------------------------


interface GenRow {
  readonly idx: number;
  readonly entity: 'user' | 'merchant';
  readonly id: string;
  readonly event: number;
  readonly write: number;
  readonly api: number;
  readonly deleted: boolean;
}

function generate(seed: number) {
  const rand = seededRandom(seed);
  const int = (n: number) => Math.floor(rand() * n);
  // Half-second steps in a narrow window, so equal event times, writes at the label time and
  // labels exactly at an event time all occur often.
  const time = () => int(100) * 500;
  const rows: GenRow[] = [];
  for (let idx = 0; idx < 200; idx++) {
    const event = time();
    const write = rand() < 0.4 ? event : event + int(40) * 500;
    rows.push({
      idx,
      entity: rand() < 0.5 ? 'user' : 'merchant',
      id: String(int(5)),
      event,
      write,
      // Distinct per row, so that the full ordering (event, write, api) has no ties.
      api: write + idx,
      deleted: rand() < 0.1,
    });
  }
  const labels: LabelRow[] = [];
  for (let labelId = 0; labelId < 50; labelId++) {
    if (labelId > 0 && rand() < 0.1) {
      labels.push({ ...labels[int(labels.length)] });
      continue;
    }
    // Id 5 has no feature rows; null ids happen in real label tables.
    const id = () => (rand() < 0.05 ? null : String(int(6)));
    labels.push({ labelId, user: id(), merchant: id(), time: time() });
  }
  return { rows, labels };
}

/**
 * The semantics, spelled out: latest eligible row by (event, write, api); eligible means event time
 * (and, with respectWriteTime, PutRecord time) at or before the label; deleted means absent.
 */
function expected(rows: GenRow[], entity: string, id: string | null, time: number, respectWriteTime: boolean): GenRow | undefined {
  let best: GenRow | undefined;
  for (const r of rows) {
    if (r.entity !== entity || r.id !== id || r.event > time || (respectWriteTime && r.api > time)) {
      continue;
    }
    const later = best === undefined
      || r.event > best.event
      || (r.event === best.event && (r.write > best.write || (r.write === best.write && r.api > best.api)));
    if (later) {
      best = r;
    }
  }
  return best === undefined || best.deleted ? undefined : best;
}

describe('PointInTime.query agrees with a brute-force computation', () => {
  it.each([
    [1, true],
    [1, false],
    [42, true],
    [42, false],
    [20260101, true],
  ])('seed %i, respectWriteTime %s', async (seed, respectWriteTime) => {
    const { rows, labels } = generate(seed);
    // Feature values encode the source row, so every output value can be traced back to it.
    // Deletion markers carry values too, so that using one shows.
    const users: UserRow[] = rows.filter((r) => r.entity === 'user').map((r) => ({
      id: `u${r.id}`,
      event: iso(r.event),
      spend: r.idx,
      country: `c${r.idx}`,
      write: r.write,
      api: r.api,
      deleted: r.deleted,
    }));
    const merchants: MerchantRow[] = rows.filter((r) => r.entity === 'merchant').map((r) => ({
      id: `m${r.id}`,
      event: r.event,
      risk: r.idx + 0.5,
      write: r.write,
      api: r.api,
      deleted: r.deleted,
    }));
    const labelRows = labels.map((l) => ({ ...l, user: l.user === null ? null : `u${l.user}`, merchant: l.merchant === null ? null : `m${l.merchant}` }));
    await load(c, users, merchants, labelRows);

    const out = byLabel(await run(c, PointInTime.query(options({ respectWriteTime }))));
    expect(out).toHaveLength(labels.length);

    const want = labels
      .map((l) => {
        const u = expected(rows, 'user', l.user, l.time, respectWriteTime);
        const m = expected(rows, 'merchant', l.merchant, l.time, respectWriteTime);
        return {
          'label_id': l.labelId,
          'user:30d_spend': u === undefined ? null : u.idx,
          'merchant:risk_score': m === undefined ? null : m.idx + 0.5,
          'user:country': u === undefined ? null : `c${u.idx}`,
        };
      })
      .sort((a, b) => a.label_id - b.label_id);
    expect(out).toEqual(want);

    // The data set must exercise both outcomes, or the comparison above proves little.
    const values = out.flatMap((r) => [r['user:30d_spend'], r['merchant:risk_score']]);
    expect(values.filter((v) => v !== null).length).toBeGreaterThan(10);
    expect(values.filter((v) => v === null).length).toBeGreaterThan(5);

    // No value comes from after its label, whatever the brute force says.
    const labelTime = new Map(labels.map((l) => [l.labelId, l.time]));
    for (const r of out) {
      const t = labelTime.get(r.label_id)!;
      for (const v of [r['user:30d_spend'], r['merchant:risk_score'] === null ? null : r['merchant:risk_score'] - 0.5]) {
        if (v !== null) {
          const source = rows[v];
          expect(source.event).toBeLessThanOrEqual(t);
          expect(source.deleted).toBe(false);
          if (respectWriteTime) {
            expect(source.write).toBeLessThanOrEqual(t);
          }
        }
      }
    }
  });
});

describe('PointInTime.query SQL', () => {
  it('defaults to Athena, converting event times to UTC timestamps', () => {
    const sql = PointInTime.query(options({ dialect: undefined }));
    expect(sql).toContain('CAST(from_iso8601_timestamp("pit_f"."event_time") AT TIME ZONE \'UTC\' AS timestamp)');
    expect(sql).toContain('CAST(from_unixtime("pit_f"."event_time") AT TIME ZONE \'UTC\' AS timestamp)');
    expect(sql).not.toContain('to_timestamp');
    expect(sql).not.toContain('TIMESTAMPTZ');
  });

  it('quotes every identifier it renders', () => {
    const sql = PointInTime.query(options({ dialect: SqlDialect.ATHENA }));
    expect(sql).toContain('"pit_f"."30d_spend"');
    expect(sql).toContain('AS "user:30d_spend"');
    expect(sql).toContain('"pit_l"."user_id"');
    expect(sql).toContain('"pit_l"."label_time"');
    expect(sql).toContain('"pit_f"."write_time"');
    expect(sql).toContain('"pit_f"."api_invocation_time"');
    expect(sql).toContain('"pit_f"."is_deleted"');
    // Tables are rendered as given.
    expect(sql).toContain('FROM labels AS "pit_l"');
    expect(sql).toContain('JOIN user_fg AS "pit_f"');
    // With quoted identifiers and string literals taken out, no identifier is left.
    const bare = sql.replace(/"(?:[^"]|"")*"/g, '""').replace(/'[^']*'/g, "''");
    for (const name of ['30d_spend', 'country', 'risk_score', 'user_id', 'merchant_id', 'event_time', 'label_time', 'write_time', 'api_invocation_time', 'is_deleted']) {
      expect(bare).not.toContain(name);
    }
  });

  it('doubles quotes inside identifiers', () => {
    const sql = PointInTime.query(options({
      labels: { table: 'labels', timestampColumn: 'label"time', entityColumns: { user: 'user_id', merchant: 'merchant_id' } },
    }));
    expect(sql).toContain('"label""time"');
  });

  it('bounds the PutRecord time (api_invocation_time, not the later write_time) by default, and not when respectWriteTime is false', () => {
    expect(PointInTime.query(options())).toContain('"pit_f"."api_invocation_time" <= "pit_k"."pit_time"');
    expect(PointInTime.query(options())).not.toContain('"pit_f"."write_time" <=');
    expect(PointInTime.query(options({ respectWriteTime: false }))).not.toContain('"pit_f"."api_invocation_time" <=');
  });

  it('is deterministic', () => {
    expect(PointInTime.query(options())).toBe(PointInTime.query(options()));
  });
});

const problemsOf = (fn: () => unknown) => expectValidationError(fn).problems;

describe('PointInTime.query rejects', () => {
  const labelsWithout = (entity: string) => ({
    table: 'labels',
    timestampColumn: 'label_time',
    entityColumns: Object.fromEntries(Object.entries({ user: 'user_id', merchant: 'merchant_id' }).filter(([k]) => k !== entity)),
  });

  it.each<[string, Partial<PointInTimeQueryOptions>, string, string, string]>([
    ['an unknown entity', { features: ['shop:30d_spend'] }, 'features[0]', '"shop:30d_spend"', 'must name a defined entity (user, merchant)'],
    ['an unknown feature', { features: ['user:7d_spend'] }, 'features[0]', '"user:7d_spend"', 'must name a feature of entity user (30d_spend, country)'],
    ['the record identifier as a feature', { features: ['user:user_id'] }, 'features[0]', '"user:user_id"', 'must name a feature of entity user'],
    ['a differently cased entity', { features: ['User:30d_spend'] }, 'features[0]', '"User:30d_spend"', 'must name a defined entity'],
    ['a reference without a colon', { features: ['user30d_spend'] }, 'features[0]', '"user30d_spend"', 'must be written entity:feature'],
    ['a reference with two colons', { features: ['user:30d:spend'] }, 'features[0]', '"user:30d:spend"', 'must be written entity:feature'],
    ['a reference with a space', { features: ['user: country'] }, 'features[0]', '"user: country"', 'must be written entity:feature'],
    ['an empty reference', { features: [''] }, 'features[0]', '""', 'must be written entity:feature'],
    ['a duplicate reference', { features: ['user:country', 'merchant:risk_score', 'user:country'] }, 'features[2]', '"user:country"', 'must be unique'],
    ['no references', { features: [] }, 'features', '[]', 'must reference at least one feature'],
    ['a missing entityColumns entry', { labels: labelsWithout('merchant') }, 'labels.entityColumns.merchant', 'undefined', 'must name the label column holding the merchant record identifier'],
    ['an empty entityColumns entry', { labels: { ...labelsWithout('x'), entityColumns: { user: '', merchant: 'merchant_id' } } }, 'labels.entityColumns.user', '""', 'must name the label column'],
    ['a missing featureTables entry', { featureTables: { user: 'user_fg' } }, 'featureTables.merchant', 'undefined', 'must name the offline store table of entity merchant'],
    ['an inherited featureTables entry', { featureTables: Object.create({ merchant: 'x' }, { user: { value: 'user_fg', enumerable: true } }) }, 'featureTables.merchant', 'undefined', 'must name the offline store table'],
    ['an empty label table', { labels: { ...labelsWithout('x'), table: ' ' } }, 'labels.table', '" "', 'must be a table name'],
    ['a missing timestamp column', { labels: { ...labelsWithout('x'), timestampColumn: '' } }, 'labels.timestampColumn', '""', 'must name the label time column'],
    ['an unknown dialect', { dialect: 'SPARK' as SqlDialect }, 'dialect', '"SPARK"', 'must be one of ATHENA, DUCKDB'],
    ['an invalid entity definition', { entities: [{ ...ENTITIES[0], features: [...ENTITIES[0].features, { name: 'is_deleted', type: FeatureType.STRING }] }, ENTITIES[1]] }, 'entities[0].features[2].name', '"is_deleted"', 'must not be a reserved name'],
    ['duplicate entities', { entities: [...ENTITIES, ENTITIES[0]] }, 'entities[2].name', '"user"', 'must be unique'],
  ])('%s', (_name, extra, property, received, allowed) => {
    const problems = problemsOf(() => PointInTime.query(options(extra)));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ constructPath: 'PointInTime.query', property, received });
    expect(problems[0].allowed).toContain(allowed);
  });

  it('reports every problem at once', () => {
    const problems = problemsOf(() => PointInTime.query(options({
      features: ['user:nope', 'bad', 'merchant:risk_score'],
      featureTables: { user: 'user_fg' },
      dialect: 'SPARK' as SqlDialect,
    })));
    expect(problems.map((p) => p.property)).toEqual(['dialect', 'features[0]', 'features[1]', 'featureTables.merchant']);
  });

  it('ignores entries for entities that are not referenced', () => {
    expect(() => PointInTime.query(options({
      features: ['user:country'],
      labels: labelsWithout('merchant'),
      featureTables: { user: 'user_fg', shop: 'shop_fg' },
    }))).not.toThrow();
  });
});
