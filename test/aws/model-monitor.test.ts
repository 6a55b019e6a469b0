import { App, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { describe, expect, it } from 'vitest';
import { DataQualityMonitor } from '../../lib/aws/data-quality-monitor';
import { DataCaptureLocation, GpuServingEndpoint, IGpuServingEndpoint } from '../../lib/aws/gpu-serving-endpoint';
import { ModelMonitorOptions } from '../../lib/aws/model-monitor';
import { ModelQualityMonitor, ModelQualityProblemType } from '../../lib/aws/model-quality-monitor';
import { ModelSource } from '../../lib/aws/model-source';
import { ENV } from '../support/aws';

const IMAGE = `123456789012.dkr.ecr.eu-west-1.amazonaws.com/fraud/server@sha256:${'a'.repeat(64)}`;
const OWNERSHIP = { owner: 'fraud-oncall', runbookUrl: 'https://runbooks.example.com/fraud' };
const JOB_DEFINITIONS = ['AWS::SageMaker::DataQualityJobDefinition', 'AWS::SageMaker::ModelQualityJobDefinition'];

/** Logical ids a resource names by Ref, Fn::GetAtt or Fn::Sub anywhere in it. */
function references(node: unknown): string[] {
  if (Array.isArray(node)) {
    return node.flatMap(references);
  }
  if (node === null || typeof node !== 'object') {
    return [];
  }
  return Object.entries(node).flatMap(([key, value]) => {
    if (key === 'Ref' && typeof value === 'string') {
      return [value];
    }
    if (key === 'Fn::GetAtt') {
      return [Array.isArray(value) ? String(value[0]) : String(value).split('.')[0]];
    }
    if (key === 'Fn::Sub') {
      const text = Array.isArray(value) ? String(value[0]) : String(value);
      return [...[...text.matchAll(/\$\{([^!}][^}]*)\}/g)].map((m) => m[1].split('.')[0]), ...references(value)];
    }
    return references(value);
  });
}

/**
 * Whether CloudFormation creates `to` before `from`: a path of DependsOn, Ref, Fn::GetAtt or
 * Fn::Sub leads from one to the other (CloudFormation creates resources in parallel otherwise).
 */
function createdAfter(t: Template, from: string, to: string): boolean {
  const resources = t.toJSON().Resources as Record<string, any>;
  const seen = new Set<string>();
  const walk = (id: string): boolean => {
    if (id === to) {
      return true;
    }
    if (seen.has(id) || !resources[id]) {
      return false;
    }
    seen.add(id);
    const r = resources[id];
    const next = [...[r.DependsOn ?? []].flat(), ...references(r.Properties ?? {})];
    return next.some(walk);
  };
  return walk(from);
}

function onlyId(t: Template, type: string): string {
  const ids = Object.keys(t.findResources(type));
  expect(ids).toHaveLength(1);
  return ids[0];
}

/** A GPU endpoint capturing its traffic, in `stack`. */
function fraudEndpoint(stack: Stack): GpuServingEndpoint {
  return new GpuServingEndpoint(stack, 'Fraud', {
    model: ModelSource.fromImage({ image: IMAGE, modelDataUrl: 's3://models/fraud/model.tar.gz' }),
    instanceType: 'ml.g5.xlarge',
    alarmOwnership: OWNERSHIP,
    endpointName: 'fraud',
    dataCapture: {},
  });
}

/** Both monitors of `endpoint` in `stack`, reading `capture` (default: the endpoint's). */
function monitors(stack: Stack, endpoint: IGpuServingEndpoint, capture?: DataCaptureLocation): void {
  const baselines = s3.Bucket.fromBucketName(stack, 'Baselines', 'baselines');
  const common: ModelMonitorOptions = {
    endpoint,
    capture: capture ?? (endpoint as GpuServingEndpoint).dataCaptureLocation!,
    reportBucket: s3.Bucket.fromBucketName(stack, 'Reports', 'reports'),
  };
  new DataQualityMonitor(stack, 'DataQuality', {
    ...common,
    baselineStatistics: { bucket: baselines, key: 'fraud/statistics.json' },
    baselineConstraints: { bucket: baselines, key: 'fraud/constraints.json' },
  });
  new ModelQualityMonitor(stack, 'ModelQuality', {
    ...common,
    problemType: ModelQualityProblemType.REGRESSION,
    inferenceAttribute: '0',
    groundTruthBucket: s3.Bucket.fromBucketName(stack, 'Labels', 'labels'),
    groundTruthPrefix: 'ground-truth/fraud',
    groundTruthDelay: Duration.days(1),
  });
}

describe('Model Monitor job definitions and their endpoint', () => {
  // SageMaker checks that a monitoring input's endpoint exists when the job definition is created
  // (aws/sagemaker-python-sdk#4873): CloudFormation must create the endpoint first.
  it('are created after an endpoint of the same stack', () => {
    const stack = new Stack(new App(), 'Serving', { env: ENV });
    monitors(stack, fraudEndpoint(stack));
    const t = Template.fromStack(stack);
    const endpoint = onlyId(t, 'AWS::SageMaker::Endpoint');
    for (const type of JOB_DEFINITIONS) {
      const definition = onlyId(t, type);
      expect(createdAfter(t, definition, endpoint), `${type} ${definition} → ${endpoint}`).toBe(true);
      expect(t.toJSON().Resources[definition].DependsOn).toContain(endpoint);
    }
  });

  it('make their stack depend on the stack of the endpoint', () => {
    // GIVEN the endpoint in another stack, its capture bucket imported by name (no other reference)
    const app = new App();
    const serving = new Stack(app, 'Serving', { env: ENV });
    const monitoring = new Stack(app, 'Monitoring', { env: ENV });
    const bucket = s3.Bucket.fromBucketName(monitoring, 'Capture', 'capture');
    monitors(monitoring, fraudEndpoint(serving), { bucket, prefix: 'data-capture/fraud', s3Uri: 's3://capture/data-capture/fraud' });
    // WHEN synthesized
    const assembly = app.synth();
    // THEN the monitoring stack is deployed after the serving stack
    expect(assembly.getStackByName('Monitoring').dependencies.map((d) => d.id)).toContain('Serving');
  });

  it('add nothing for an imported endpoint: its name stays literal, nothing to wait for', () => {
    const stack = new Stack(new App(), 'Monitoring', { env: ENV });
    const bucket = s3.Bucket.fromBucketName(stack, 'Capture', 'capture');
    const endpoint = GpuServingEndpoint.fromGpuServingEndpointAttributes(stack, 'Fraud', { endpointName: 'fraud' });
    monitors(stack, endpoint, { bucket, prefix: 'data-capture/fraud', s3Uri: 's3://capture/data-capture/fraud' });
    const t = Template.fromStack(stack);
    for (const type of JOB_DEFINITIONS) {
      const definition = t.toJSON().Resources[onlyId(t, type)];
      expect(JSON.stringify(definition.Properties)).toContain('"EndpointName":"fraud"');
      expect(definition.DependsOn).toEqual([expect.stringMatching(/^(Data|Model)QualityRoleDefaultPolicy/)]);
    }
  });
});
