import { Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { describe, expect, it } from 'vitest';
import { DataQualityMonitor } from '../../lib/aws/data-quality-monitor';
import { DriftMonitor } from '../../lib/aws/drift-monitor';
import { DataCaptureLocation, GpuServingEndpoint, GpuServingEndpointProps } from '../../lib/aws/gpu-serving-endpoint';
import { ModelQualityMonitor, ModelQualityProblemType } from '../../lib/aws/model-quality-monitor';
import { ModelSource } from '../../lib/aws/model-source';
import { expectValidationError, newStack } from '../support/aws';

/**
 * A monitor given the capture location of an endpoint whose data capture is off (issue 14):
 * `GpuServingEndpoint.dataCaptureLocation` is undefined then, and the monitors failed with
 * `TypeError: Cannot read properties of undefined (reading 'bucket')`. They refuse it with the
 * library's error naming their `capture` prop and saying to turn capture on at the endpoint.
 */
const DIGEST = `sha256:${'a'.repeat(64)}`;
const OWNERSHIP = { owner: 'fraud-oncall', runbookUrl: 'https://runbooks.example.com/fraud' };
const ENDPOINT: GpuServingEndpointProps = {
  model: ModelSource.fromImage({ image: `123456789012.dkr.ecr.eu-west-1.amazonaws.com/fraud/server@${DIGEST}`, modelDataUrl: 's3://models/fraud/model.tar.gz' }),
  instanceType: 'ml.g5.xlarge',
  alarmOwnership: OWNERSHIP,
  endpointName: 'fraud',
};

function endpointWithoutCapture(): { stack: Stack; endpoint: GpuServingEndpoint; capture: DataCaptureLocation } {
  const stack = newStack();
  const endpoint = new GpuServingEndpoint(stack, 'Endpoint', { ...ENDPOINT, dataCapture: { enabled: false } });
  expect(endpoint.dataCaptureLocation).toBeUndefined();
  // What a TypeScript user writes (`!`), and what Python passes (None) without one.
  return { stack, endpoint, capture: endpoint.dataCaptureLocation! };
}

const MONITORS: Array<[string, (stack: Stack, endpoint: GpuServingEndpoint, capture: DataCaptureLocation) => unknown, string]> = [
  ['DriftMonitor', (stack, endpoint, capture) => new DriftMonitor(stack, 'Drift', {
    endpointName: endpoint.endpointName,
    capture,
    baselineBucket: s3.Bucket.fromBucketName(stack, 'Baselines', 'baselines'),
    baselineKey: 'fraud/baseline.json',
    features: ['amount'],
    alarmOwnership: OWNERSHIP,
  }), 'TestStack/Drift'],
  ['DataQualityMonitor', (stack, endpoint, capture) => {
    const baselines = s3.Bucket.fromBucketName(stack, 'Baselines', 'baselines');
    return new DataQualityMonitor(stack, 'DataQuality', {
      endpoint,
      capture,
      reportBucket: s3.Bucket.fromBucketName(stack, 'Reports', 'reports'),
      baselineStatistics: { bucket: baselines, key: 'fraud/statistics.json' },
      baselineConstraints: { bucket: baselines, key: 'fraud/constraints.json' },
    });
  }, 'TestStack/DataQuality'],
  ['ModelQualityMonitor', (stack, endpoint, capture) => new ModelQualityMonitor(stack, 'ModelQuality', {
    endpoint,
    capture,
    reportBucket: s3.Bucket.fromBucketName(stack, 'Reports', 'reports'),
    problemType: ModelQualityProblemType.BINARY_CLASSIFICATION,
    inferenceAttribute: '0',
    groundTruthBucket: s3.Bucket.fromBucketName(stack, 'Labels', 'labels'),
    groundTruthPrefix: 'ground-truth/fraud',
    groundTruthDelay: Duration.days(1),
  }), 'TestStack/ModelQuality'],
];

describe('a monitor on an endpoint whose data capture is off', () => {
  it.each(MONITORS)('%s refuses it, naming capture', (_name, create, constructPath) => {
    const { stack, endpoint, capture } = endpointWithoutCapture();
    const e = expectValidationError(() => create(stack, endpoint, capture));
    expect(e.problems).toEqual([{
      constructPath,
      property: 'capture',
      received: 'undefined',
      allowed: expect.stringMatching(/^must be the data capture location of an endpoint whose data capture is on .*turn data capture on at the endpoint$/),
    }]);
  });

  it.each(MONITORS)('%s: a null capture (Python None) is refused the same way', (_name, create, constructPath) => {
    const { stack, endpoint } = endpointWithoutCapture();
    const e = expectValidationError(() => create(stack, endpoint, null as unknown as DataCaptureLocation));
    expect(e.problems.map((p) => [p.constructPath, p.property, p.received])).toEqual([[constructPath, 'capture', 'null']]);
  });

  it.each(MONITORS)('%s accepts the capture of an endpoint with capture on (the default)', (_name, create) => {
    const stack = newStack();
    const endpoint = new GpuServingEndpoint(stack, 'Endpoint', ENDPOINT);
    create(stack, endpoint, endpoint.dataCaptureLocation!);
    expect(() => Template.fromStack(stack)).not.toThrow();
  });
});
