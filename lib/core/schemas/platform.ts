import { z } from 'zod';
import { SHARED_MODEL_TAG_VALUE } from '../cost-allocation';
import { DriftReference, MAX_REFERENCE_MINUTES } from '../drift-reference';
import { GpuCatalog, GpuModel } from '../gpu-catalog';
import { checkImage } from '../image';
import { platformPipelineSpecSchema } from '../pipeline';
import { KubernetesServingRenderer, KubernetesTrafficRouter, Weekday } from '../platform-spec';
import { cpuQuantity, iamRoleArn, k8sLabelName, k8sSubdomainName, memoryQuantity, port, s3Uri, versionLabel } from '../primitives';
import { ownershipSchema } from '../rollback';
import { awsPipelineSchema, awsStepProblems } from './aws-pipeline';
import { batchScoringSpecShape, checkBatchScoringSpec } from './batch';
import { userTagsSchema } from './cost-allocation';
import { driftMonitorSchema, featureName } from './drift-monitor';
import { checkExperimentSpec, experimentSpecShape } from './experiment';
import { cloudWatchNamespace } from './experiment-aws';
import { kmsKeyReference } from './k8s-batch-scoring';
import { gpuNodePoolSchema, gpuSharingSchema } from './k8s-gpu';
import { checkTrafficRouter, ingressHost } from './k8s-traffic';
import { mlflowServerSchema, secretKeyRefSchema } from './model-registry';
import { checkSloSpec, sloSpecShape } from './slo';
import { DEFAULT_SERVING_REPLICAS } from '../policy';
import { RolloutType } from '../rollout';
import { deploymentWaits, sagemakerInstanceType } from '../sagemaker-limits';
import { DEFAULT_TERMINATION_WAIT_SECONDS, MAX_WAIT_INTERVAL_SECONDS, instanceShare } from '../sagemaker-routing';
import { ServingMetrics } from '../serving-metrics';
import { unlessToken } from '../validation';

const shortName = (what: string) => z.string().regex(/^[a-z][a-z0-9-]{0,18}[a-z0-9]$|^[a-z]$/, `must be a ${what}: lowercase letters, digits and "-", 1-20 characters, starting with a letter`);
const percent = (min: number, max: number) => z.number().min(min, `must be from ${min} to ${max}`).max(max, `must be from ${min} to ${max}`);

/** An image pinned by digest: what runs in production is reproducible. */
const byDigest = (what: string) =>
  z.string().superRefine(unlessToken((ref, ctx) => {
    const problem = checkImage(ref, { allowPinnedTag: false, allowMutableTag: false });
    if (problem) {
      ctx.addIssue({ code: 'custom', message: `${problem} (${what})` });
    }
  }));
const httpUrl = z.string().regex(/^https?:\/\/\S+$/, 'must be an http(s) URL');
const s3Prefix = z.string().regex(/^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]\/\S+$/, 'must be s3://bucket/prefix');
const poolFields = gpuNodePoolSchema.shape;

/** A GPU node pool of the spec: the fields of `k8s.GpuNodePool`, its rules reported under the spec's keys. */
const nodePoolSchema = z
  .strictObject({
    name: k8sLabelName,
    gpu: z.enum(GpuModel),
    instanceFamilies: poolFields.instanceFamilies,
    gpuCounts: poolFields.gpuCounts,
    allowSpot: z.boolean().optional(),
    timeSlicingReplicas: gpuSharingSchema.shape.replicas,
    migProfile: z.string().min(1).optional(),
    maxGpus: poolFields.maxGpus,
    modelWeightsGiB: poolFields.modelWeightsGiB,
    amiVersion: poolFields.amiVersion,
    // Minutes here; `k8s.GpuNodePool` takes it as the Duration `consolidateAfter` (at most 7 days).
    consolidateAfterMinutes: z.number().int().min(0).max(10080).optional(),
  })
  .superRefine(unlessToken((p, ctx) => {
    if (p.timeSlicingReplicas !== undefined && p.migProfile !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['migProfile'], message: 'must not be set with timeSlicingReplicas (a pool\'s GPUs are either time-sliced or partitioned)' });
      return;
    }
    const sharing = p.migProfile !== undefined ? { mode: 'MIG', migProfile: p.migProfile }
      : p.timeSlicingReplicas !== undefined ? { mode: 'TIME_SLICING', replicas: p.timeSlicingReplicas } : undefined;
    // The construct's own cross-field rules (families of the GPU, MIG-capable GPU and profile, NVIDIA-only sharing).
    const checked = gpuNodePoolSchema.safeParse({
      gpu: p.gpu, clusterName: 'cluster', nodeRole: 'role', instanceFamilies: p.instanceFamilies, gpuCounts: p.gpuCounts, maxGpus: p.maxGpus, sharing,
    });
    for (const issue of checked.error?.issues ?? []) {
      if (issue.code !== 'custom') continue;
      const path = issue.path[0] === 'sharing' ? [p.migProfile !== undefined ? 'migProfile' : 'timeSlicingReplicas'] : issue.path;
      ctx.addIssue({ code: 'custom', path: path as Array<string | number>, message: issue.message.replace('GpuSharing.timeSlicing()', 'timeSlicingReplicas') });
    }
  }));

/** @internal The platform on Kubernetes. */
export const platformKubernetesSchema = z
  .strictObject({
    clusterName: poolFields.clusterName,
    nodeRole: poolFields.nodeRole,
    namespacePrefix: shortName('namespace prefix').optional(),
    nodePools: z.array(nodePoolSchema).min(1, 'must declare at least one GPU node pool'),
    mlflow: z.strictObject({
      image: mlflowServerSchema.shape.image,
      backendStoreUriSecret: k8sSubdomainName,
      backendStoreUriSecretKey: secretKeyRefSchema.shape.key.optional(),
      // Optional here: MlPlatformChart requires it (platform-kubernetes.ts), EksMlPlatform fills it.
      artifactRoot: s3Uri.optional(),
      roleArn: iamRoleArn.optional(),
      replicas: mlflowServerSchema.shape.replicas,
    }),
    registerImage: byDigest('what registers a model is part of its lineage'),
    registerCommand: z.array(z.string()).min(1).optional(),
    pipelineArtifactRoot: s3Prefix.optional(),
    driftImage: byDigest('the drift job'),
    pushgatewayUrl: httpUrl,
    prometheusAddress: httpUrl.optional(),
    prometheusRuleLabels: z.record(z.string().regex(/^([a-z0-9.-]+\/)?[A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?$/, 'must be a Kubernetes label key'), z.string().max(63)).optional(),
    monitoringNamespace: k8sLabelName.optional(),
  })
  .superRefine(unlessToken((k, ctx) => {
    const seen = new Map<string, number>();
    k.nodePools.forEach((p, i) => {
      if (seen.has(p.name)) {
        ctx.addIssue({ code: 'custom', path: ['nodePools', i, 'name'], message: `must be unique (nodePools[${seen.get(p.name)}] has it too)` });
      }
      seen.set(p.name, i);
    });
  }));

const resourcesOf = { cpu: cpuQuantity, memory: memoryQuantity };

/** @internal The platform spec, as written in TypeScript, YAML or JSON (every key checked, unknown keys rejected). */
export const platformSpecSchema = z
  .strictObject({
    name: shortName('platform name'),
    ownership: ownershipSchema,
    models: z
      .array(
        z.strictObject({
          name: shortName('model name').refine((n) => n !== SHARED_MODEL_TAG_VALUE, `must not be "${SHARED_MODEL_TAG_VALUE}" (the cost allocation tag of what the models share)`),
          ownership: ownershipSchema.optional(),
          tags: userTagsSchema,
          pipeline: platformPipelineSpecSchema,
          training: z.strictObject({
            codeCommit: z.string().regex(/^[0-9a-f]{40}$/, 'must be a full 40-character git commit SHA'),
            // What both pipelines take (an Argo workflow parameter, SageMaker lineage metadata).
            dataVersion: versionLabel,
            featureSetVersion: versionLabel,
            inputDataUri: z.string().regex(/^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]\/(\S+\/)?$/, 'must be s3://bucket/prefix/ (ending in "/")'),
            weeklyOn: z.enum(Weekday).optional(),
            hourUtc: z.number().int().min(0).max(23).optional(),
            kubernetes: z
              .strictObject({
                nodePool: k8sLabelName.optional(),
                cpu: resourcesOf.cpu.optional(),
                memory: resourcesOf.memory.optional(),
                roleArn: iamRoleArn.optional(),
              })
              .superRefine(unlessToken((k, ctx) => {
                if ((k.cpu === undefined) !== (k.memory === undefined)) {
                  const [missing, given] = k.cpu === undefined ? ['cpu', 'memory'] : ['memory', 'cpu'];
                  ctx.addIssue({ code: 'custom', path: [missing], message: `must be set with ${given} (a step's resources are given whole or left to their defaults)` });
                }
              }))
              .optional(),
          }),
          serving: z
            .strictObject({
              instanceType: sagemakerInstanceType.superRefine(unlessToken((t, ctx) => {
                // The endpoint's rule, under the spec's key (not the nested endpoint's prop).
                if (!GpuCatalog.forInstanceType(t)) {
                  ctx.addIssue({ code: 'custom', message: 'must be a GPU or Inferentia/Trainium instance type from the GPU catalog (e.g. ml.g5.xlarge, ml.g6e.2xlarge)' });
                }
              })),
              initialModelVersion: z.number().int('must be a whole version number').min(1),
              instanceCount: z.number().int().min(1).max(100).optional(),
              maxInstanceCount: z.number().int().min(1).max(100).optional(),
              targetInvocationsPerInstance: z.number().int().min(1).optional(),
              canaryPercent: percent(1, 50).optional(),
              acceptCoarseCanary: z.boolean().optional(),
              autoscalingRegistered: z.boolean().optional(),
              bakeMinutes: z.number().int().min(1, 'must be at least 1 minute: the rollback alarms act only while a step bakes').max(120).optional(),
              maxErrorRatePercent: percent(0.01, 50).optional(),
              maxP99LatencyMillis: z.number().int().min(1).optional(),
              captureSamplingPercent: z.number().int().min(1).max(100).optional(),
              modelSizeGiB: z.number().gt(0).max(1000).optional(),
              kubernetes: z.strictObject({
                nodePool: k8sLabelName,
                modelUri: z.string().regex(/^[a-z][a-z0-9+.-]*:\/\/\S+$/, 'must be a URI such as s3://bucket/prefix/'),
                ...resourcesOf,
                image: byDigest('a reproducible model server').optional(),
                gpusPerReplica: z.number().int().min(1).max(16).optional(),
                renderer: z.enum(KubernetesServingRenderer).optional(),
                trafficRouter: z.enum(KubernetesTrafficRouter).optional(),
                ingressHost: ingressHost.optional(),
                port: port.optional(),
                command: z.array(z.string()).min(1).optional(),
                args: z.array(z.string()).optional(),
                roleArn: iamRoleArn.optional(),
                allowedClientNamespaces: z.array(k8sLabelName).optional(),
                metricsPreset: z.enum(ServingMetrics).optional(),
              }).superRefine(unlessToken((k, ctx) => checkTrafficRouter(k, ctx))).optional(),
            })
            .superRefine(unlessToken((s, ctx) => {
              if (s.maxInstanceCount !== undefined && s.maxInstanceCount < (s.instanceCount ?? DEFAULT_SERVING_REPLICAS)) {
                ctx.addIssue({ code: 'custom', path: ['maxInstanceCount'], message: `must be at least instanceCount (${s.instanceCount ?? DEFAULT_SERVING_REPLICAS})` });
              }
              if (s.targetInvocationsPerInstance !== undefined && s.maxInstanceCount === undefined) {
                ctx.addIssue({ code: 'custom', path: ['targetInvocationsPerInstance'], message: 'applies only with maxInstanceCount (autoscaling)' });
              }
              if (s.autoscalingRegistered !== undefined && s.maxInstanceCount === undefined) {
                ctx.addIssue({ code: 'custom', path: ['autoscalingRegistered'], message: 'applies only with maxInstanceCount (autoscaling)' });
              }
            })),
          drift: z
            .strictObject({
              features: z.array(featureName).min(1, 'must list the model\'s input columns')
                .refine((f) => new Set(f).size === f.length, 'must not list a feature twice'),
              baselineUri: z.string().regex(/^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]\/\S+\.json$/, 'must be s3://bucket/key.json'),
              reference: z.enum(DriftReference).optional(),
              referenceSpanMinutes: z.number().int().min(60).max(MAX_REFERENCE_MINUTES).optional(),
              kubernetes: z.strictObject({
                captureUri: s3Prefix.optional(),
                roleArn: iamRoleArn.optional(),
                captureRoleArn: iamRoleArn.optional(),
              }).optional(),
            })
            .superRefine(unlessToken((d, ctx) => {
              if (d.referenceSpanMinutes !== undefined && (d.reference ?? DriftReference.TRAINING) === DriftReference.TRAINING) {
                ctx.addIssue({ code: 'custom', path: ['referenceSpanMinutes'], message: 'applies only to a ROLLING_WINDOW or SAME_PERIOD_LAST_YEAR reference' });
              }
            })),
          experiment: z
            .strictObject({
              ...experimentSpecShape,
              challengerVersion: z.number().int().min(1, 'must be a model version (1 or more)'),
              metricsNamespace: cloudWatchNamespace.optional(),
              kubernetes: z.strictObject({
                challengerModelUri: z.string().regex(/^[a-z][a-z0-9+.-]*:\/\/\S+$/, 'must be a URI such as s3://bucket/prefix/'),
              }).optional(),
            })
            .superRefine(unlessToken((e, ctx) => checkExperimentSpec(e, ctx)))
            .optional(),
          slo: z.strictObject(sloSpecShape).superRefine(unlessToken((s, ctx) => checkSloSpec(s, ctx))).optional(),
          batch: z
            .strictObject({
              inputUri: batchScoringSpecShape.inputUri,
              outputUri: batchScoringSpecShape.outputUri,
              hourUtc: batchScoringSpecShape.hourUtc,
              contentType: batchScoringSpecShape.contentType,
              minRecords: batchScoringSpecShape.minRecords,
              maxConcurrency: batchScoringSpecShape.maxConcurrency,
              instanceType: sagemakerInstanceType.optional(),
              instanceCount: z.number().int().min(1).max(100).optional(),
              watchDrift: z.boolean().optional(),
              kubernetes: z.strictObject({
                nodePool: k8sLabelName,
                image: byDigest('batch scores are part of the lineage'),
                command: z.array(z.string()).min(1).optional(),
                args: z.array(z.string()).optional(),
                cpu: resourcesOf.cpu.optional(),
                memory: resourcesOf.memory.optional(),
                roleArn: iamRoleArn.optional(),
                driftRoleArn: iamRoleArn.optional(),
                kmsKeyId: kmsKeyReference.optional(),
              }).superRefine(unlessToken((k, ctx) => {
                if ((k.cpu === undefined) !== (k.memory === undefined)) {
                  const [missing, given] = k.cpu === undefined ? ['cpu', 'memory'] : ['memory', 'cpu'];
                  ctx.addIssue({ code: 'custom', path: [missing], message: `must be set with ${given} (a step's resources are given whole or left to their defaults)` });
                }
              })).optional(),
            })
            .superRefine(unlessToken((b, ctx) => checkBatchScoringSpec(b, ctx)))
            .optional(),
          budget: z.strictObject({
            monthlyUsd: z.number().positive('must be more than 0 (US dollars a month)').max(1e9, 'must be at most 1,000,000,000 (US dollars a month)'),
            failOnEstimateOver: z.boolean().optional(),
          }).optional(),
        })
          .superRefine(unlessToken((m, ctx) => {
            if (m.experiment !== undefined && m.experiment.challengerVersion === m.serving.initialModelVersion) {
              ctx.addIssue({ code: 'custom', path: ['experiment', 'challengerVersion'], message: `must differ from serving.initialModelVersion (${m.serving.initialModelVersion}): the challenger is another version` });
            }
          })),
      )
      .min(1, 'must declare at least one model'),
    kubernetes: platformKubernetesSchema.optional(),
    tags: userTagsSchema,
  })
  .superRefine(unlessToken((p, ctx) => {
    const seen = new Map<string, number>();
    p.models.forEach((m, i) => {
      if (seen.has(m.name)) {
        ctx.addIssue({ code: 'custom', path: ['models', i, 'name'], message: `must be unique (models[${seen.get(m.name)}] has it too)` });
      }
      seen.set(m.name, i);
    });
    nodePoolReferences(p, ctx);
  }));

/** The node pools the models name exist and offer what the models ask of them. */
function nodePoolReferences(p: { models: unknown[]; kubernetes?: z.infer<typeof platformKubernetesSchema> }, ctx: z.RefinementCtx): void {
  const pools = p.kubernetes?.nodePools ?? [];
  const declared = pools.length > 0 ? `(${pools.map((x) => x.name).join(', ')})` : '(none declared: add them under kubernetes.nodePools)';
  p.models.forEach((m: any, i: number) => {
    const serving = m.serving?.kubernetes;
    if (serving) {
      const pool = pools.find((x) => x.name === serving.nodePool);
      if (!pool) {
        ctx.addIssue({ code: 'custom', path: ['models', i, 'serving', 'kubernetes', 'nodePool'], message: `must be a node pool of kubernetes.nodePools ${declared}` });
      } else if ((serving.gpusPerReplica ?? 1) > 1 && (pool.timeSlicingReplicas !== undefined || pool.migProfile !== undefined)) {
        ctx.addIssue({
          code: 'custom',
          path: ['models', i, 'serving', 'kubernetes', 'gpusPerReplica'],
          message: `must be 1 on node pool "${pool.name}", whose GPUs are ${pool.migProfile !== undefined ? 'MIG-partitioned' : 'time-sliced'} (a second share adds no capacity; the device plugin refuses it)`,
        });
      }
    }
    const batchPool = m.batch?.kubernetes?.nodePool;
    if (batchPool !== undefined && !pools.some((x) => x.name === batchPool)) {
      ctx.addIssue({ code: 'custom', path: ['models', i, 'batch', 'kubernetes', 'nodePool'], message: `must be a node pool of kubernetes.nodePools ${declared}` });
    }
    const trainingPool = m.training?.kubernetes?.nodePool;
    if (trainingPool === undefined) {
      return;
    }
    const pool = pools.find((x) => x.name === trainingPool);
    const path = ['models', i, 'training', 'kubernetes', 'nodePool'];
    if (!pool) {
      ctx.addIssue({ code: 'custom', path, message: `must be a node pool of kubernetes.nodePools ${declared}` });
      return;
    }
    const gpuSteps = ((m.pipeline?.steps ?? []) as Array<{ name: string; gpu?: GpuModel }>).filter((s) => s.gpu !== undefined);
    const other = gpuSteps.find((s) => s.gpu !== pool.gpu);
    if (other) {
      ctx.addIssue({ code: 'custom', path, message: `must offer the ${other.gpu} GPUs of pipeline step "${other.name}" (node pool "${pool.name}" has ${pool.gpu} GPUs)` });
    }
  });
}


/** What a deploy-time value (an unresolved token) is checked as where a value must be concrete. */
export const DEPLOY_TIME_VALUE = '<deploy-time value>';

const concrete = (what: string) =>
  z.string().refine((v) => v !== DEPLOY_TIME_VALUE, {
    message: `must be concrete (give the stack an env): the served version is a stack parameter whose default names the ${what}`,
  });

/**
 * The stack an `MlPlatform` renders into, as `{ 'stack region', 'stack account' }` with
 * `DEPLOY_TIME_VALUE` for a token: an environment-agnostic stack is refused.
 */
export const platformStackSchema = z.strictObject({
  'stack region': concrete('region'),
  'stack account': concrete('account'),
});

/**
 * What only the AWS rendering of a platform spec adds (`MlPlatform`): a model's canary must be
 * within `MAX_CANARY_SHARE_FACTOR` of its real share on SageMaker, which shifts whole instances (10 %
 * of 2 instances is one: 50 %). Named by the spec's key, not the endpoint's prop it becomes.
 */
export const platformAwsSpecSchema = z
  .object({
    models: z.array(z.object({
      serving: z.object({
        canaryPercent: z.number().optional(),
        instanceCount: z.number().optional(),
        acceptCoarseCanary: z.boolean().optional(),
        bakeMinutes: z.number().optional(),
      }).optional(),
      pipeline: z.any().optional(), // the spec schema judges its shape
      training: z.any().optional(), // the spec schema judges its shape
      drift: z.any().optional(), // the spec schema judges its shape
    })),
  })
  .superRefine(unlessToken((spec, ctx) => {
    spec.models.forEach((m, i) => {
      awsModelRules(m, i, ctx);
      awsConstructRules(m, i, ctx);
      const asked = m.serving?.canaryPercent;
      const instanceCount = m.serving?.instanceCount ?? DEFAULT_SERVING_REPLICAS;
      if (asked === undefined || asked <= 0 || asked >= 100 || instanceCount < 1 || m.serving?.acceptCoarseCanary) {
        return; // the spec schema judges the numbers themselves
      }
      const s = instanceShare(asked, instanceCount);
      if (s.tooCoarse) {
        const share = s.sharePercent;
        ctx.addIssue({
          code: 'custom',
          path: ['models', i, 'serving', 'canaryPercent'],
          message: `must not be under half its real share on AWS: a ${asked}% canary on ${instanceCount} instances is ${s.instances} ` +
            `instance${s.instances === 1 ? '' : 's'}, ${Math.round(share)}% of the traffic (SageMaker shifts whole instances); ` +
            `ask for ${Math.round(share)}, an instanceCount of at least ${Math.ceil(100 / asked)}, or set acceptCoarseCanary`,
        });
      }
    });
  }));

/**
 * SageMaker's limits on what a model of the spec renders on AWS, named by the spec's keys: the bake
 * is a WaitIntervalInSeconds (at most an hour, and not 0 with no termination wait: the endpoint's
 * rule, `deploymentWaits`), each pipeline step a processing or training job (`awsStepProblems`:
 * `maxRuntimeSeconds`, `environment`).
 */
function awsModelRules(m: { serving?: { bakeMinutes?: number; instanceCount?: number }; pipeline?: any }, i: number, ctx: z.RefinementCtx): void {
  const bake = m.serving?.bakeMinutes;
  if (typeof bake === 'number' && Number.isInteger(bake) && bake >= 0) {
    const path = ['models', i, 'serving', 'bakeMinutes'];
    if (bake * 60 > MAX_WAIT_INTERVAL_SECONDS) {
      ctx.addIssue({ code: 'custom', path, message: `must be at most ${MAX_WAIT_INTERVAL_SECONDS / 60} on AWS (SageMaker WaitIntervalInSeconds ≤ ${MAX_WAIT_INTERVAL_SECONDS})` });
    }
    // The platform's canary on AWS keeps the old fleet DEFAULT_TERMINATION_WAIT_SECONDS (the spec does not set it).
    const spec = { type: RolloutType.CANARY, percent: 50, bake: bake * 60 };
    const waits = deploymentWaits(spec, Math.max(2, m.serving?.instanceCount ?? DEFAULT_SERVING_REPLICAS), 'REJECT', DEFAULT_TERMINATION_WAIT_SECONDS, undefined);
    for (const [, message] of waits.problems) {
      ctx.addIssue({ code: 'custom', path, message });
    }
  }
  const steps: unknown = m.pipeline?.steps;
  if (Array.isArray(steps)) {
    steps.forEach((step, j) => {
      for (const [below, message] of awsStepProblems(step, 'maxRuntimeSeconds')) {
        ctx.addIssue({ code: 'custom', path: ['models', i, 'pipeline', 'steps', j, ...below], message });
      }
    });
  }
}

/**
 * The rules of the AWS constructs a model becomes (`MlPipeline`, `DriftMonitor`) on the values the
 * spec passes them unchanged, run by their own schemas and named by the spec's keys: a rule-started
 * run's dataset version (`<dataVersion>@<event time>`) within its limit, features whose alarm names
 * differ. Only these issues: the spec schema judges the rest. (Found by the spec fuzz test: the
 * constructs refused such specs under their own paths and props, not the file's keys.)
 */
function awsConstructRules(m: { pipeline?: any; training?: any; drift?: any }, i: number, ctx: z.RefinementCtx): void {
  const t = m.training;
  const steps: unknown = m.pipeline?.steps;
  if (t !== null && typeof t === 'object' && Array.isArray(steps) && steps.every((s) => s !== null && typeof s === 'object')) {
    const pipeline = awsPipelineSchema.safeParse({
      // The construct's plain shape: the document's maxRuntimeSeconds is its maxRuntime, in seconds.
      spec: { ...m.pipeline, steps: steps.map(({ maxRuntimeSeconds, ...step }) => ({ ...step, maxRuntime: maxRuntimeSeconds })) },
      registry: { artifactBucket: {} },
      codeCommit: t.codeCommit,
      defaultDataVersion: t.dataVersion,
      defaultFeatureSetVersion: t.featureSetVersion,
      defaultInputDataUri: t.inputDataUri,
    });
    const keys: Record<string, string> = { defaultDataVersion: 'dataVersion', defaultFeatureSetVersion: 'featureSetVersion' };
    for (const issue of pipeline.error?.issues ?? []) {
      const key = keys[String(issue.path[0])];
      if (issue.code === 'custom' && key !== undefined) {
        ctx.addIssue({ code: 'custom', path: ['models', i, 'training', key], message: issue.message.replace('<defaultDataVersion>', '<dataVersion>') });
      }
    }
  }
  const features: unknown = m.drift?.features;
  if (Array.isArray(features)) {
    const drift = driftMonitorSchema.safeParse({
      endpointName: 'endpoint',
      features,
      alarmOwnership: { owner: 'owner', runbookUrl: 'https://runbook' },
      capture: {},
      baselineBucket: {},
      baselineKey: 'baseline.json',
    });
    for (const issue of drift.error?.issues ?? []) {
      if (issue.code === 'custom' && issue.path[0] === 'features' && issue.path.length === 2) {
        ctx.addIssue({ code: 'custom', path: ['models', i, 'drift', ...issue.path], message: issue.message });
      }
    }
  }
}
