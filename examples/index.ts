/**
 * Every example of the library, built into one CDK app and one cdk8s app. Used by `cdk synth`
 * (examples/main.ts) and by the tests (cdk-nag, schema validation, determinism).
 */
import { App, Stack, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { App as K8sApp, Chart, YamlOutputType } from 'cdk8s';
import { addFeatureStoreExamples } from './feature-store';
import { addGpuServingExamples } from './gpu-serving';
import { addGpuServingK8sExamples } from './gpu-serving-k8s';
import { addMlPipelineExamples } from './ml-pipeline';
import { addMlPipelineK8sExamples } from './ml-pipeline-k8s';
import { addModelRegistryExamples } from './model-registry';
import { PlatformExampleStack, addPlatformExamples } from './platform';
import { addPlatformEksExamples } from './platform-eks';
import { addPlatformK8sExamples } from './platform-k8s';
import { platform as mlplatform } from '../lib';

export interface Examples {
  readonly awsApp: App;
  readonly k8sApp: K8sApp;
  readonly stacks: Stack[];
  readonly charts: Chart[];
  /** The MlPlatform example (its runbook is written next to the templates). */
  readonly platform: PlatformExampleStack;
  /** The same platform on Kubernetes (its runbook too). */
  readonly platformChart: mlplatform.MlPlatformChart;
}

export interface BuildOptions {
  /** Where CloudFormation goes (the CDK CLI sets CDK_OUTDIR). */
  readonly outdir?: string;
  /** Where the Kubernetes YAML goes. */
  readonly k8sOutdir?: string;
  /** Attach cdk-nag's AwsSolutions pack to every stack. */
  readonly nag?: boolean;
}

/**
 * Feature flags of the example app, set in code (not only in cdk.json) so that `cdk synth`, the
 * tests and the benchmarks synthesize exactly the same templates.
 */
export const EXAMPLE_FEATURE_FLAGS: Record<string, unknown> = {
  '@aws-cdk/aws-iam:minimizePolicies': true,
  '@aws-cdk/core:checkSecretUsage': true,
  '@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy': true,
  '@aws-cdk/aws-kms:aliasNameRef': true,
  '@aws-cdk/aws-events:eventsTargetQueueSameAccount': true,
  // Strong references (Fn::ImportValue) as before, stated so the CLI does not warn on every synth.
  '@aws-cdk/core:defaultCrossStackReferences': 'strong',
};

export function buildExamples(options: BuildOptions = {}): Examples {
  const awsApp = new App({ outdir: options.outdir, context: EXAMPLE_FEATURE_FLAGS });
  const k8sApp = new K8sApp({ outdir: options.k8sOutdir, yamlOutputType: YamlOutputType.FILE_PER_CHART });
  const gpu = addGpuServingK8sExamples(k8sApp);
  const serving = addGpuServingExamples(awsApp);
  const parts = [
    addModelRegistryExamples(awsApp, k8sApp),
    { stacks: [serving], charts: gpu.charts },
    addFeatureStoreExamples(awsApp, k8sApp),
    // Sustained drift of the served fraud model starts the fraud training pipeline.
    { stacks: addMlPipelineExamples(awsApp, serving.drift), charts: addMlPipelineK8sExamples(k8sApp, gpu.pools.training) },
  ];
  const platform = addPlatformExamples(awsApp);
  const { platform: platformChart, applications } = addPlatformK8sExamples(k8sApp);
  // The same platform on EKS from this app: its roles, buckets and charts (delivered with addCdk8sChart).
  const platformEks = addPlatformEksExamples(awsApp);
  const stacks = [...parts.flatMap((p) => p.stacks), platform, platformEks];
  const charts = [...parts.flatMap((p) => p.charts), ...platformChart.charts, applications];
  if (options.nag ?? true) {
    Validations.of(awsApp).addPlugins(new AwsSolutionsChecks(awsApp, { verbose: true }));
  }
  return { awsApp, k8sApp, stacks, charts, platform, platformChart };
}
