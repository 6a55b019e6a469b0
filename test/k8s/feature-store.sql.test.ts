import { Testing } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { feastAthenaSourceQuery } from '../../lib/core/feast';
import { EntityDefinition, FeatureType } from '../../lib/core/features';
import { FeatureStore, FeatureStoreProps } from '../../lib/k8s/feature-store';
import { one, synthValid } from '../support/k8s';

// Issue 13.12: Feast writes its source's column names unquoted into its Athena SQL and compares the
// event time column with TIMESTAMP literals. Athena (Trino) refuses `30d_spend` unquoted and a text
// event time compared with a timestamp. The real SQL is checked by scripts/feast-sql-check.sh
// (Feast's own SQL generation, Trino's parser, DuckDB); these tests fail on the output before the
// fix (AthenaSource(table=…, timestamp_field="event_time"), no field mapping).

const USER: EntityDefinition = {
  name: 'user',
  recordIdentifier: 'user_id',
  eventTime: 'event_time',
  features: [
    { name: '30d_spend', type: FeatureType.FRACTIONAL },
    { name: 'spend-7d', type: FeatureType.FRACTIONAL },
    { name: 'country', type: FeatureType.STRING },
  ],
};
const MERCHANT: EntityDefinition = {
  name: 'merchant',
  recordIdentifier: 'merchant_id',
  recordIdentifierType: FeatureType.INTEGRAL,
  eventTime: 'ts',
  eventTimeType: FeatureType.FRACTIONAL,
  features: [{ name: 'risk', type: FeatureType.FRACTIONAL }],
};
const BASE: FeatureStoreProps = {
  entities: [USER, MERCHANT],
  image: `registry.example.com/feast@sha256:${'d'.repeat(64)}`,
  redisConnectionSecret: { name: 'redis', key: 'conn' },
  registry: 's3://features/registry.db',
  offlineStore: { region: 'eu-west-1', workGroup: 'features', s3StagingLocation: 's3://features/athena/', tables: { user: 'user_1', merchant: 'merchant_1' } },
};

/** Every name Feast writes into its SQL unquoted: the source's columns (field_mapping keys, the timestamp field). */
const PLAIN_TRINO_IDENTIFIER = /^[a-z_][a-z0-9_]*$/;

function featuresPy(): string {
  const chart = Testing.chart();
  new FeatureStore(chart, 'Feast', BASE);
  return one(synthValid(chart), 'ConfigMap').data['features.py'];
}

describe('FeatureStore (Kubernetes): the SQL Feast writes for Athena', () => {
  const py = featuresPy();

  it('reads each entity through a query over its offline table, not the table itself', () => {
    expect(py).not.toMatch(/AthenaSource\([^)]*\btable=/);
    expect(py).toContain('query="SELECT \\"user_id\\" AS c0_user_id, ');
    expect(py).toContain('FROM \\"AwsDataCatalog\\".\\"sagemaker_featurestore\\".\\"user_1\\""');
  });

  it('quotes every offline column and gives Feast plain names, mapped back to the feature names', () => {
    const user = feastAthenaSourceQuery(USER, 'sagemaker_featurestore', 'user_1');
    expect(user.query).toContain('"30d_spend" AS c2_30d_spend');
    expect(user.query).toContain('"spend-7d" AS c3_spend_7d');
    expect(user.fieldMapping).toEqual({ c0_user_id: 'user_id', c2_30d_spend: '30d_spend', c3_spend_7d: 'spend-7d', c4_country: 'country' });
    for (const column of [...Object.keys(user.fieldMapping), user.timestampField]) {
      expect(column).toMatch(PLAIN_TRINO_IDENTIFIER);
    }
    expect(py).toContain('field_mapping={"c0_user_id": "user_id", "c2_30d_spend": "30d_spend", "c3_spend_7d": "spend-7d", "c4_country": "country"},');
  });

  it('converts the event time to a UTC timestamp as its declared type says', () => {
    expect(feastAthenaSourceQuery(USER, 'db', 't').query).toContain('CAST(from_iso8601_timestamp("event_time") AT TIME ZONE \'UTC\' AS timestamp) AS c1_event_time');
    const merchant = feastAthenaSourceQuery(MERCHANT, 'db', 't');
    expect(merchant.query).toContain('CAST(from_unixtime("ts") AT TIME ZONE \'UTC\' AS timestamp) AS c1_ts');
    expect(merchant.timestampField).toBe('c1_ts');
    // The event time is not a feature: Feast reads it by the query's name, unmapped.
    expect(Object.keys(merchant.fieldMapping)).not.toContain('c1_ts');
    expect(py).toContain('timestamp_field="c1_ts",');
  });

  it('keeps two names apart that differ only in characters a plain identifier cannot hold', () => {
    const e: EntityDefinition = { ...USER, features: [{ name: 'a-b', type: FeatureType.STRING }, { name: 'a_b', type: FeatureType.STRING }] };
    expect(Object.keys(feastAthenaSourceQuery(e, 'db', 't').fieldMapping)).toEqual(['c0_user_id', 'c2_a_b', 'c3_a_b']);
  });
});
