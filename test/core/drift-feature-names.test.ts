import * as fs from 'fs';
import * as path from 'path';
import { App as AwsApp, Stack } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Testing } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import * as YAML from 'yaml';
import { DriftMonitor as AwsDriftMonitor } from '../../lib/aws/drift-monitor';
import { PlatformSpec } from '../../lib/core/platform-spec';
import { DriftMonitor as K8sDriftMonitor } from '../../lib/k8s/drift-monitor';
import { MlPlatform } from '../../lib/platform/ml-platform';
import { MlPlatformChart } from '../../lib/platform/ml-platform-chart';
import { ENV, expectValidationError } from '../support/aws';

// Issue 14, "silently watching the wrong thing": a feature list item with a comma ('age,income') was
// taken as one feature (the job then matches CSV columns by position against a list one short), and a
// blank name passed. Each feature is its own list item, on both targets and in the platform spec.

const OWNERSHIP = { owner: 'fraud-oncall', runbookUrl: 'https://runbooks.example.com/drift' };
const SPEC: PlatformSpec = YAML.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'examples', 'platform.yaml'), 'utf-8'));

function k8sMonitor(features: string[]): K8sDriftMonitor {
  return new K8sDriftMonitor(Testing.chart(), 'Drift', {
    endpointName: 'fraud',
    image: `registry.example.com/drift@sha256:${'a'.repeat(64)}`,
    captureUri: 's3://capture/fraud/',
    baselineUri: 's3://baselines/fraud/baseline.json',
    features,
    alarmOwnership: OWNERSHIP,
    pushgatewayUrl: 'http://pushgateway.monitoring:9091',
  });
}

function awsMonitor(features: string[]): AwsDriftMonitor {
  const stack = new Stack(new AwsApp(), 'TestStack', { env: ENV });
  const key = new kms.Key(stack, 'CaptureKey');
  const bucket = new s3.Bucket(stack, 'Capture', { encryptionKey: key });
  return new AwsDriftMonitor(stack, 'Drift', {
    endpointName: 'fraud',
    capture: { bucket, prefix: 'data-capture/fraud', s3Uri: 's3://x/data-capture/fraud', key },
    baselineBucket: s3.Bucket.fromBucketName(stack, 'Baselines', 'baselines'),
    baselineKey: 'fraud/baseline.json',
    features,
    alarmOwnership: OWNERSHIP,
  });
}

const REFUSED: Array<[string, string[], RegExp]> = [
  ['a comma in one item', ['amount', 'age,income'], /without a comma: give each feature as its own list item/],
  ['a trailing comma', ['amount,'], /without a comma/],
  ['a blank name', ['amount', '   '], /must not be blank/],
  ['an empty name', ['amount', ''], /at least 1|>=1|too small/i],
];

describe('drift feature names (both targets, the platform spec)', () => {
  describe.each([
    ['Kubernetes DriftMonitor', k8sMonitor, 'test/Drift'],
    ['AWS DriftMonitor', awsMonitor, 'TestStack/Drift'],
  ] as const)('%s', (_target, make, constructPath) => {
    it.each(REFUSED)('refuses %s, naming the item', (_what, features, allowed) => {
      const e = expectValidationError(() => make(features));
      expect(e.problems).toHaveLength(1);
      expect(e.problems[0]).toMatchObject({ constructPath, property: `features[${features.length - 1}]`, received: JSON.stringify(features[features.length - 1]) });
      expect(e.problems[0].allowed).toMatch(allowed);
    });

    it('refuses a comma in addFeature', () => {
      const m = make(['amount']);
      const e = expectValidationError(() => m.addFeature('age,income'));
      expect(e.problems[0]).toMatchObject({ property: 'feature', received: '"age,income"' });
      expect(e.problems[0].allowed).toMatch(/give each feature as its own list item/);
    });

    it('refuses a feature listed twice', () => {
      const e = expectValidationError(() => make(['amount', 'amount']));
      expect(e.problems.map((p) => p.allowed)).toContain('must not list a feature twice');
    });

    it('accepts names with spaces, dots and dashes (CSV headers)', () => {
      expect(() => make(['monthly spend', 'plan.tier', 'spend-7d', '30d_spend'])).not.toThrow();
    });
  });

  const withFeatures = (features: string[]): PlatformSpec => {
    const spec = structuredClone(SPEC) as any;
    spec.models[0].drift.features = features;
    return spec;
  };

  it('the platform spec on Kubernetes refuses a comma under models[0].drift.features[i]', () => {
    const e = expectValidationError(() => new MlPlatformChart(Testing.app(), 'platform', { spec: withFeatures(['tenure_months', 'plan,support_tickets']) }));
    expect(e.problems).toHaveLength(1);
    expect(e.problems[0]).toMatchObject({ constructPath: 'platform', property: 'models[0].drift.features[1]', received: '"plan,support_tickets"' });
    expect(e.problems[0].allowed).toMatch(/give each feature as its own list item/);
  });

  it('the platform spec on AWS refuses a blank feature under models[0].drift.features[i]', () => {
    const stack = new Stack(new AwsApp(), 'PlatformStack', { env: ENV });
    const e = expectValidationError(() => new MlPlatform(stack, 'Platform', { spec: withFeatures(['tenure_months', ' ']) }));
    // (Reported twice today: the spec's feature rule and the AWS drift rules judged under the spec's keys.)
    expect(new Set(e.problems.map((p) => JSON.stringify(p))).size).toBe(1);
    expect(e.problems[0]).toMatchObject({ property: 'models[0].drift.features[1]', received: '" "' });
    expect(e.problems[0].allowed).toMatch(/must not be blank/);
  });
});
