import * as path from 'node:path';
import { Duration, Stack } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Duration as K8sDuration, Testing } from 'cdk8s';
import * as ts from 'typescript';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { DriftMonitor } from '../../lib/aws/drift-monitor';
import { GpuServingEndpoint } from '../../lib/aws/gpu-serving-endpoint';
import { ModelQualityMonitor, ModelQualityProblemType } from '../../lib/aws/model-quality-monitor';
import { ModelRegistry } from '../../lib/aws/model-registry';
import { ModelSource } from '../../lib/aws/model-source';
import { GpuModel } from '../../lib/core/gpu-catalog';
import { RolloutPolicy } from '../../lib/core/rollout';
import * as approval from '../../lib/core/schemas/approval-promotion';
import * as awsPipeline from '../../lib/core/schemas/aws-pipeline';
import * as drift from '../../lib/core/schemas/drift-monitor';
import { durationUnitAt, renderDuration } from '../../lib/core/schemas/duration-value';
import * as featureStore from '../../lib/core/schemas/feature-store';
import * as k8sFeatureStore from '../../lib/core/schemas/feature-store-k8s';
import * as serving from '../../lib/core/schemas/gpu-serving';
import * as k8sGpu from '../../lib/core/schemas/k8s-gpu';
import * as k8sPipeline from '../../lib/core/schemas/k8s-pipeline';
import * as k8sServing from '../../lib/core/schemas/k8s-serving';
import * as monitor from '../../lib/core/schemas/model-monitor';
import * as registry from '../../lib/core/schemas/model-registry';
import { GpuNodePool } from '../../lib/k8s/gpu-node-pool';
import { expectValidationError, newStack } from '../support/aws';

/**
 * Messages in the user's terms (issue 14). Every construct's schema sees a `Duration` prop as a
 * number of seconds (days for S3 expirations) under the prop's own name; a message must name the
 * prop and show the value as the duration the user gave, not the converted number
 * (`window must be a whole number of minutes; got 90` for `Duration.minutes(1.5)`).
 *
 * 1. Generic, over every construct: each `Duration` prop path of its props interface (read with the
 *    TypeScript compiler, through nested interfaces and lists) is a registered duration node of its
 *    schema, so a problem there is shown as a duration; and every key path the schema can report
 *    (its object shape, walked) is a path of the props interface.
 * 2. Examples on both targets.
 */
const ROOT = path.resolve(__dirname, '../..');

const PAIRS: Array<{ file: string; props: string; schema: () => z.ZodType }> = [
  { file: 'lib/aws/gpu-serving-endpoint.ts', props: 'GpuServingEndpointProps', schema: () => serving.awsGpuServingSchema },
  { file: 'lib/aws/ml-pipeline.ts', props: 'MlPipelineProps', schema: () => awsPipeline.awsPipelineSchema },
  { file: 'lib/aws/approval-promotion.ts', props: 'ApprovalPromotionProps', schema: () => approval.approvalPromotionSchema },
  { file: 'lib/aws/drift-monitor.ts', props: 'DriftMonitorProps', schema: () => drift.driftMonitorSchema },
  { file: 'lib/aws/data-quality-monitor.ts', props: 'DataQualityMonitorProps', schema: () => monitor.dataQualityMonitorSchema },
  { file: 'lib/aws/model-quality-monitor.ts', props: 'ModelQualityMonitorProps', schema: () => monitor.modelQualityMonitorSchema },
  { file: 'lib/aws/feature-store.ts', props: 'FeatureStoreProps', schema: () => featureStore.awsFeatureStoreSchema },
  { file: 'lib/aws/model-registry.ts', props: 'ModelRegistryProps', schema: () => registry.awsModelRegistrySchema },
  { file: 'lib/k8s/gpu-serving-endpoint.ts', props: 'GpuServingEndpointProps', schema: () => k8sServing.k8sGpuServingSchema },
  { file: 'lib/k8s/gpu-node-pool.ts', props: 'GpuNodePoolProps', schema: () => k8sGpu.gpuNodePoolSchema },
  { file: 'lib/k8s/ml-pipeline.ts', props: 'MlPipelineProps', schema: () => k8sPipeline.k8sPipelineSchema },
  { file: 'lib/k8s/feature-store.ts', props: 'FeatureStoreProps', schema: () => k8sFeatureStore.k8sFeatureStoreSchema },
  { file: 'lib/k8s/model-registry.ts', props: 'ModelRegistryProps', schema: () => registry.mlflowServerSchema },
  { file: 'lib/k8s/drift-monitor.ts', props: 'DriftMonitorProps', schema: () => drift.k8sDriftMonitorSchema },
];

const program = ts.createProgram(
  [...new Set(PAIRS.map((p) => path.join(ROOT, p.file)))],
  { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.CommonJS, strict: true, skipLibCheck: true, noEmit: true },
);
const checker = program.getTypeChecker();

function propsType(file: string, name: string): ts.Type {
  const source = program.getSourceFile(path.join(ROOT, file))!;
  const decl = source.statements.find((s): s is ts.InterfaceDeclaration => ts.isInterfaceDeclaration(s) && s.name.text === name)!;
  return checker.getTypeAtLocation(decl.name);
}

const isDuration = (t: ts.Type) => ['Duration', 'IDuration'].includes(t.getSymbol()?.getName() ?? '');
/** Whether a flag set has a flag (TypeScript's flags are bit sets). */
// eslint-disable-next-line no-bitwise
const has = (flags: number, flag: number) => (flags & flag) !== 0;
/** Classes, constructs and other references the schema takes as a whole (`z.any()` or a class's `_spec`). */
const isOpaque = (t: ts.Type) =>
  has(t.flags, ts.TypeFlags.Any) || has(t.flags, ts.TypeFlags.Unknown) ||
  has(t.getSymbol()?.flags ?? 0, ts.SymbolFlags.Class) ||
  /^I[A-Z]/.test(t.getSymbol()?.getName() ?? '') ||
  (t.getSymbol()?.getName() ?? '') === 'SubnetSelection';

function elementOf(t: ts.Type): ts.Type | undefined {
  return checker.isArrayType(t) ? checker.getTypeArguments(t as ts.TypeReference)[0] : undefined;
}

/** Every path of a props type ending in a `Duration` (`spec.steps[].maxRuntime`). */
function durationPaths(t: ts.Type, at: Array<string | number>, depth = 0): Array<Array<string | number>> {
  t = checker.getNonNullableType(t);
  if (depth > 6) return [];
  if (isDuration(t)) return [at];
  const element = elementOf(t);
  if (element) return durationPaths(element, [...at, 0], depth + 1);
  if (isOpaque(t) || !has(t.flags, ts.TypeFlags.Object)) return [];
  return checker.getPropertiesOfType(t).flatMap((p) => durationPaths(checker.getTypeOfSymbol(p), [...at, p.name], depth + 1));
}

/** Whether `keys` (numbers for list items, '*' for map keys) is a path of the props type. */
function isPropsPath(t: ts.Type, keys: ReadonlyArray<string | number>): boolean {
  t = checker.getNonNullableType(t);
  if (keys.length === 0 || isOpaque(t) || isDuration(t)) return true;
  const [key, ...rest] = keys;
  if (typeof key === 'number') {
    const element = elementOf(t);
    return element !== undefined && isPropsPath(element, rest);
  }
  const prop = t.getProperty(key);
  if (prop) return isPropsPath(checker.getTypeOfSymbol(prop), rest);
  const index = checker.getIndexTypeOfType(t, ts.IndexKind.String);
  return index !== undefined && isPropsPath(index, rest);
}

/** Every key path the schema's object shape has (list items as 0, map keys as '*'). */
function schemaPaths(schema: z.ZodType, at: Array<string | number> = [], depth = 0): Array<Array<string | number>> {
  const def: any = (schema as any)._zod.def;
  if (depth > 30) return [];
  switch (def.type) {
    case 'optional':
    case 'nullable':
    case 'default':
    case 'prefault':
    case 'readonly':
      return schemaPaths(def.innerType, at, depth + 1);
    case 'pipe':
      return schemaPaths(def.in, at, depth + 1);
    case 'lazy':
      return schemaPaths(def.getter(), at, depth + 1);
    case 'union':
      return def.options.flatMap((o: z.ZodType) => schemaPaths(o, at, depth + 1));
    case 'intersection':
      return [...schemaPaths(def.left, at, depth + 1), ...schemaPaths(def.right, at, depth + 1)];
    case 'array':
      return [at, ...schemaPaths(def.element, [...at, 0], depth + 1)];
    case 'record':
      return [at, ...schemaPaths(def.valueType, [...at, '*'], depth + 1)];
    case 'object':
      return [at, ...Object.entries<z.ZodType>(def.shape).flatMap(([k, v]) => schemaPaths(v, [...at, k], depth + 1))];
    default:
      return [at];
  }
}

const show = (keys: ReadonlyArray<string | number>) => keys.map((k) => (typeof k === 'number' ? '[]' : `.${k}`)).join('').replace(/^\./, '');

describe('every construct: messages name the user\'s props, in the user\'s terms', () => {
  it.each(PAIRS.map((p) => [`${p.file} ${p.props}`, p] as const))('%s: each Duration prop is shown as a duration', (_name, pair) => {
    const paths = durationPaths(propsType(pair.file, pair.props), []);
    const untagged = paths.filter((p) => durationUnitAt(pair.schema(), p) === undefined).map(show);
    expect(untagged).toEqual([]);
  });

  it.each(PAIRS.map((p) => [`${p.file} ${p.props}`, p] as const))('%s: every key path of the schema is a props path', (_name, pair) => {
    const props = propsType(pair.file, pair.props);
    const foreign = schemaPaths(pair.schema()).filter((p) => !isPropsPath(props, p)).map(show);
    expect([...new Set(foreign)]).toEqual([]);
  });

  it('finds the Duration props (the check can fail)', () => {
    expect(durationPaths(propsType('lib/aws/drift-monitor.ts', 'DriftMonitorProps'), []).map(show)).toEqual(['batchSource.delay', 'window', 'referenceSpan']);
    expect(durationPaths(propsType('lib/aws/ml-pipeline.ts', 'MlPipelineProps'), []).map(show)).toEqual(expect.arrayContaining(['spec.steps[].maxRuntime', 'cacheExpireAfter']));
    expect(isPropsPath(propsType('lib/aws/drift-monitor.ts', 'DriftMonitorProps'), ['windowMinutes'])).toBe(false);
  });
});

describe('renderDuration', () => {
  it.each([
    ['90', 'seconds', 'Duration 1 minute 30 seconds'],
    ['1.5', 'seconds', 'Duration 1.5 seconds'],
    ['5400', 'seconds', 'Duration 1 hour 30 minutes'],
    ['86400', 'seconds', 'Duration 1 day'],
    ['0', 'seconds', 'Duration 0 seconds'],
    ['0.5', 'days', 'Duration 12 hours'],
    ['null', 'seconds', 'null'],
    ['"1 hour (not a Duration)"', 'seconds', '"1 hour (not a Duration)"'],
  ] as const)('%s %s → %s', (received, unit, shown) => {
    expect(renderDuration(received, unit)).toBe(shown);
  });
});

const OWNERSHIP = { owner: 'fraud-oncall', runbookUrl: 'https://runbooks.example.com/fraud' };
const IMAGE = `123456789012.dkr.ecr.eu-west-1.amazonaws.com/fraud/server@sha256:${'a'.repeat(64)}`;

function driftMonitor(stack: Stack, props: { window?: Duration; referenceSpan?: Duration }) {
  return new DriftMonitor(stack, 'Drift', {
    endpointName: 'fraud',
    capture: { bucket: new s3.Bucket(stack, 'Capture'), prefix: 'capture/fraud', s3Uri: 's3://capture/capture/fraud' },
    baselineBucket: s3.Bucket.fromBucketName(stack, 'Baselines', 'baselines'),
    baselineKey: 'fraud/baseline.json',
    features: ['amount'],
    alarmOwnership: OWNERSHIP,
    ...props,
  });
}

describe('examples: the property as the user named it, the value as the user gave it', () => {
  it.each<[string, () => unknown, string, string]>([
    ['DriftMonitor window of 1.5 minutes', () => driftMonitor(newStack(), { window: Duration.minutes(1.5) }), 'window', 'Duration 1 minute 30 seconds'],
    ['DriftMonitor window shorter than the schedule', () => driftMonitor(newStack(), { window: Duration.minutes(30) }), 'window', 'Duration 30 minutes'],
    [
      'GpuServingEndpoint terminationWait of 1.5 hours',
      () => new GpuServingEndpoint(newStack(), 'Endpoint', {
        model: ModelSource.fromImage({ image: IMAGE, modelDataUrl: 's3://models/fraud/model.tar.gz' }),
        instanceType: 'ml.g5.xlarge',
        alarmOwnership: OWNERSHIP,
        terminationWait: Duration.hours(1.5),
      }),
      'terminationWait',
      'Duration 1 hour 30 minutes',
    ],
    [
      'GpuServingEndpoint rollout bake of 1.5 seconds (a RolloutPolicy)',
      () => new GpuServingEndpoint(newStack(), 'Endpoint', {
        model: ModelSource.fromImage({ image: IMAGE, modelDataUrl: 's3://models/fraud/model.tar.gz' }),
        instanceType: 'ml.g5.xlarge',
        alarmOwnership: OWNERSHIP,
        rollout: RolloutPolicy.canary({ percent: 50, bake: Duration.millis(1500) }),
      }),
      'rollout.bake',
      'Duration 1.5 seconds',
    ],
    ['ModelRegistry noncurrentVersionExpiration of 36 hours', () => new ModelRegistry(newStack(), 'Registry', { noncurrentVersionExpiration: Duration.hours(36) }), 'noncurrentVersionExpiration', 'Duration 1 day 12 hours'],
    [
      'ModelQualityMonitor groundTruthDelay of 90 minutes',
      () => {
        const stack = newStack();
        return new ModelQualityMonitor(stack, 'ModelQuality', {
          endpoint: GpuServingEndpoint.fromGpuServingEndpointAttributes(stack, 'Endpoint', { endpointName: 'fraud' }),
          capture: { bucket: new s3.Bucket(stack, 'Capture'), prefix: 'capture/fraud', s3Uri: 's3://capture/capture/fraud' },
          reportBucket: s3.Bucket.fromBucketName(stack, 'Reports', 'reports'),
          problemType: ModelQualityProblemType.BINARY_CLASSIFICATION,
          inferenceAttribute: '0',
          groundTruthBucket: s3.Bucket.fromBucketName(stack, 'Labels', 'labels'),
          groundTruthPrefix: 'ground-truth/fraud',
          groundTruthDelay: Duration.minutes(90),
        });
      },
      'groundTruthDelay',
      'Duration 1 hour 30 minutes',
    ],
    [
      'k8s GpuNodePool consolidateAfter of 8 days',
      () => new GpuNodePool(Testing.chart(), 'Pool', { name: 'a10g', gpu: GpuModel.A10G, clusterName: 'ml', nodeRole: 'KarpenterNodeRole-ml', consolidateAfter: K8sDuration.days(8) }),
      'consolidateAfter',
      'Duration 8 days',
    ],
  ])('%s', (_case, create, property, received) => {
    const e = expectValidationError(create);
    const p = e.problems.find((x) => x.property === property);
    expect(p, e.message).toBeDefined();
    expect(p!.received).toBe(received);
    expect(e.message).toContain(`; got ${received}`);
  });
});
