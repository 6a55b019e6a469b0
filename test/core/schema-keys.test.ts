import * as path from 'node:path';
import * as ts from 'typescript';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import * as approval from '../../lib/core/schemas/approval-promotion';
import * as awsPipeline from '../../lib/core/schemas/aws-pipeline';
import * as drift from '../../lib/core/schemas/drift-monitor';
import * as eksPlatform from '../../lib/core/schemas/eks-platform';
import * as awsExperiment from '../../lib/core/schemas/experiment-aws';
import * as k8sExperiment from '../../lib/core/schemas/experiment-k8s';
import * as featureStore from '../../lib/core/schemas/feature-store';
import * as k8sFeatureStore from '../../lib/core/schemas/feature-store-k8s';
import * as serving from '../../lib/core/schemas/gpu-serving';
import * as k8sGpu from '../../lib/core/schemas/k8s-gpu';
import * as k8sPipeline from '../../lib/core/schemas/k8s-pipeline';
import * as k8sServing from '../../lib/core/schemas/k8s-serving';
import * as k8sSlo from '../../lib/core/schemas/k8s-slo';
import * as monitor from '../../lib/core/schemas/model-monitor';
import * as registry from '../../lib/core/schemas/model-registry';
import * as retrainEvents from '../../lib/core/schemas/retrain-events';

/**
 * One validation path (issue 11): every construct validates its props with one zod schema, and a
 * prop the schema does not know is a prop that is never validated. This test reads each props
 * interface with the TypeScript compiler (inherited props included) and compares its keys with the
 * keys of the schema the construct validates with.
 */
const ROOT = path.resolve(__dirname, '../..');

const PAIRS: Array<{ file: string; props: string; schema: () => z.ZodType }> = [
  { file: 'lib/aws/gpu-serving-endpoint.ts', props: 'GpuServingEndpointProps', schema: () => serving.awsGpuServingSchema },
  { file: 'lib/aws/ml-pipeline.ts', props: 'MlPipelineProps', schema: () => awsPipeline.awsPipelineSchema },
  { file: 'lib/aws/approval-promotion.ts', props: 'ApprovalPromotionProps', schema: () => approval.approvalPromotionSchema },
  { file: 'lib/aws/experiment.ts', props: 'ExperimentProps', schema: () => awsExperiment.awsExperimentSchema },
  { file: 'lib/k8s/experiment.ts', props: 'ExperimentProps', schema: () => k8sExperiment.k8sExperimentSchema },
  { file: 'lib/aws/drift-monitor.ts', props: 'DriftMonitorProps', schema: () => drift.driftMonitorSchema },
  { file: 'lib/aws/data-quality-monitor.ts', props: 'DataQualityMonitorProps', schema: () => monitor.dataQualityMonitorSchema },
  { file: 'lib/aws/model-quality-monitor.ts', props: 'ModelQualityMonitorProps', schema: () => monitor.modelQualityMonitorSchema },
  { file: 'lib/aws/feature-store.ts', props: 'FeatureStoreProps', schema: () => featureStore.awsFeatureStoreSchema },
  { file: 'lib/aws/model-registry.ts', props: 'ModelRegistryProps', schema: () => registry.awsModelRegistrySchema },
  { file: 'lib/k8s/gpu-serving-endpoint.ts', props: 'GpuServingEndpointProps', schema: () => k8sServing.k8sGpuServingSchema },
  { file: 'lib/k8s/service-level-objectives.ts', props: 'ServiceLevelObjectivesProps', schema: () => k8sSlo.k8sSloSchema },
  { file: 'lib/k8s/gpu-node-pool.ts', props: 'GpuNodePoolProps', schema: () => k8sGpu.gpuNodePoolSchema },
  { file: 'lib/k8s/ml-pipeline.ts', props: 'MlPipelineProps', schema: () => k8sPipeline.k8sPipelineSchema },
  { file: 'lib/k8s/feature-store.ts', props: 'FeatureStoreProps', schema: () => k8sFeatureStore.k8sFeatureStoreSchema },
  { file: 'lib/k8s/model-registry.ts', props: 'ModelRegistryProps', schema: () => registry.mlflowServerSchema },
  { file: 'lib/k8s/drift-monitor.ts', props: 'DriftMonitorProps', schema: () => k8sDriftSchema() },
  { file: 'lib/platform/eks-ml-platform.ts', props: 'EksMlPlatformProps', schema: () => eksPlatform.eksMlPlatformSchema },
  { file: 'lib/k8s/drift-events.ts', props: 'AlertmanagerEventSourceProps', schema: () => retrainEvents.alertmanagerEventSourceSchema },
];

/** The k8s drift monitor's schema, by whichever name lib/core/schemas/drift-monitor.ts exports it. */
function k8sDriftSchema(): z.ZodType {
  const found = Object.entries(drift).find(([name]) => /k8s/i.test(name) && name.endsWith('Schema'));
  if (!found) throw new Error('lib/core/schemas/drift-monitor.ts exports no Kubernetes drift monitor schema');
  return found[1] as z.ZodType;
}

/** Keys of the object a schema validates (through refinements, pipes and wrappers). */
export function schemaKeys(schema: z.ZodType): string[] {
  let s: any = schema;
  for (let depth = 0; depth < 20; depth++) {
    const def = s._zod.def;
    switch (def.type) {
      case 'object':
        return Object.keys(def.shape).sort();
      case 'pipe':
        s = def.in;
        break;
      case 'optional':
      case 'nullable':
      case 'default':
      case 'prefault':
      case 'readonly':
        s = def.innerType;
        break;
      case 'lazy':
        s = def.getter();
        break;
      case 'intersection':
        return [...new Set([...schemaKeys(def.left), ...schemaKeys(def.right)])].sort();
      default:
        throw new Error(`cannot read the keys of a ${def.type} schema`);
    }
  }
  throw new Error('schema nesting too deep');
}

const program = ts.createProgram(
  [...new Set(PAIRS.map((p) => path.join(ROOT, p.file)))],
  { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.CommonJS, strict: true, skipLibCheck: true, noEmit: true },
);
const checker = program.getTypeChecker();

/** Keys of an exported interface, inherited ones included. */
function propsKeys(file: string, name: string): string[] {
  const source = program.getSourceFile(path.join(ROOT, file));
  if (!source) throw new Error(`${file} not found`);
  const decl = source.statements.find((s): s is ts.InterfaceDeclaration => ts.isInterfaceDeclaration(s) && s.name.text === name);
  if (!decl) throw new Error(`${file} declares no interface ${name}`);
  return checker.getPropertiesOfType(checker.getTypeAtLocation(decl.name)).map((p) => p.name).sort();
}

describe('every props interface and its schema have the same keys', () => {
  it.each(PAIRS.map((p) => [`${p.file} ${p.props}`, p] as const))('%s', (_name, pair) => {
    const props = propsKeys(pair.file, pair.props);
    const keys = schemaKeys(pair.schema());
    expect({ missingFromSchema: props.filter((k) => !keys.includes(k)), unknownToProps: keys.filter((k) => !props.includes(k)) }).toEqual({
      missingFromSchema: [],
      unknownToProps: [],
    });
  });

  it('sees a missing key (the comparison can fail)', () => {
    expect(schemaKeys(serving.modelSourceSchema)).toContain('image');
    expect(propsKeys('lib/aws/gpu-serving-endpoint.ts', 'GpuServingEndpointProps')).toContain('alarmOwnership');
  });
});
