import { Annotations, CfnParameter, Duration, Stack, StackProps, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { ApprovalPromotion } from '../aws/approval-promotion';
import { BatchScoring } from '../aws/batch-scoring';
import { DriftMonitor } from '../aws/drift-monitor';
import { Experiment } from '../aws/experiment';
import { GpuServingEndpoint } from '../aws/gpu-serving-endpoint';
import { MlPipeline } from '../aws/ml-pipeline';
import { ModelBudget } from '../aws/model-budget';
import { ModelRegistry } from '../aws/model-registry';
import { ModelSource } from '../aws/model-source';
import { ServiceLevelObjectives } from '../aws/service-level-objectives';
import { batchRunbook, batchSpecOf } from './private/batch';
import { budgetRunbookInfo, costRunbook, raiseBudgetProblem } from './private/cost';
import { CHALLENGER_VARIANT, experimentRunbook, experimentSpecOf } from './private/experiment';
import { awsLoop } from './private/loop-aws';
import { pipelineSpecOf } from './private/pipeline-spec';
import { rollbackTriggersOf, rolloutOf } from './private/serving-policy';
import { grantImagePull } from '../aws/private/ecr';
import { CostEstimate, estimateModelCostAws } from '../core/cost/estimate';
import { DEFAULT_CHALLENGER_PERCENT } from '../core/experiment/types';
import { LoopStage } from '../core/lifecycle-loop';
import { PlatformModelSpec } from '../core/platform-spec';
import { DEFAULT_CAPTURE_PERCENT, DEFAULT_SERVING_REPLICAS, DEFAULT_TARGET_INVOCATIONS_PER_INSTANCE, DEFAULT_TRAINING_HOUR_UTC } from '../core/policy';
import { AlarmOwnership } from '../core/rollback';
import { sloRunbook } from './private/slo';
import { RecordedAssets, recordAssets } from './private/stamped-model';

/** Properties of a `PlatformModel`. */
export interface PlatformModelProps extends StackProps {
  /** The platform's name (prefix of the model's resource names). */
  readonly platformName: string;
  /** The model, already validated by `MlPlatform`. */
  readonly spec: PlatformModelSpec;
  /** Who owns the model's alarms (the model's own, or the platform's). */
  readonly ownership: AlarmOwnership;
  /** Topic every alarm of the model notifies. */
  readonly alarmTopic: sns.ITopic;
  /**
   * Where the model's data buckets log their access. The bucket's policy must admit S3 server access
   * logging from this account's buckets (`MlPlatform`'s own does): the model's stack does not add to it.
   */
  readonly serverAccessLogsBucket: s3.IBucket;
}

/**
 * One model of an `MlPlatform`, wired through its lifecycle: a `ModelRegistry`, the training
 * `MlPipeline` registering into it (weekly if asked, and on sustained drift), the
 * `GpuServingEndpoint` serving the approved version through a canary with automatic rollback, the
 * `ApprovalPromotion` deploying each newly approved version, and the `DriftMonitor` reading the
 * endpoint's captured traffic.
 *
 * Each model is a stack of its own (about 65 resources with four features), deployed, updated and
 * promoted on its own: a platform grows by models without any template growing (CloudFormation's 500
 * resources, 200 parameters and outputs, 1 MB per template), an approval updates only its model's
 * stack, and `cdk deploy` of one model's change touches only that stack. What the models share
 * (the alarm topic and its key, the access-log bucket) is in the platform's shared stack, which
 * holds nothing per model.
 */
export class PlatformModel extends Stack {
  /** The model's name in the platform. */
  public readonly modelName: string;
  /** Who owns the model's alarms (the model's own ownership, else the platform's). */
  public readonly ownership: AlarmOwnership;
  /** Where versions are registered and approved. */
  public readonly registry: ModelRegistry;
  /** Trains, evaluates, gates and registers versions. */
  public readonly pipeline: MlPipeline;
  /** Serves the approved version. */
  public readonly endpoint: GpuServingEndpoint;
  /**
   * The spec's online experiment (champion against `challengerVersion`).
   * @default - none when the spec has no experiment
   */
  public readonly experiment?: Experiment;
  /** Watches the served traffic; sustained drift starts the pipeline. */
  public readonly drift: DriftMonitor;
  /**
   * The spec's monthly budget of the model (AWS Budgets, by the model's cost allocation tag).
   * @default - none when the spec has no `budget`
   */
  public readonly budget?: ModelBudget;
  /**
   * The spec's service-level objectives of the endpoint: burn-rate alarms, CloudWatch SLOs, a budget dashboard.
   * @default - none when the spec has no `slo`
   */
  public readonly slo?: ServiceLevelObjectives;
  /**
   * The spec's batch scoring with the approved version.
   * @default - none when the spec has no `batch`
   */
  public readonly batch?: BatchScoring;
  /**
   * Watches the batch scoring's inputs for drift (`batch.watchDrift`); sustained drift starts the pipeline too.
   * @default - none without batch scoring, or with `watchDrift: false`
   */
  public readonly batchDrift?: DriftMonitor;
  /** The rule starting the pipeline on sustained drift. */
  public readonly retrainOnDrift: events.Rule;
  /**
   * This stack's parameter `ModelPackageArn`, holding the ARN of the version served (set by the
   * promotion; `cdk deploy` keeps its current value).
   */
  public readonly modelPackageParameter: CfnParameter;
  /** Deploys an approved version through the canary by updating `modelPackageParameter`. */
  public readonly promotion: ApprovalPromotion;
  /**
   * Fires when this stack rolls an update back: `modelPackageParameter` is back to the version
   * before, whatever the update was (a promotion, a deploy).
   */
  public readonly servingStackRollbackAlarm: cloudwatch.Alarm;
  /** The model's spec, as validated. */
  private readonly spec: PlatformModelSpec;
  /**
   * The assets given to this stack's synthesizer (a stamped copy names the same).
   * @internal
   */
  public readonly _assets: RecordedAssets;

  constructor(scope: Construct, id: string, props: PlatformModelProps) {
    super(scope, id, {
      ...props,
      description: props.description ?? `${props.platformName} ML platform: the ${props.spec.name} model (registry, training, serving, drift)`,
    });
    this._assets = recordAssets(this);
    const m = props.spec;
    const base = `${props.platformName}-${m.name}`;
    this.modelName = m.name;
    this.ownership = props.ownership;
    this.spec = m;

    const accessLogs = this.accessLogsBucket(props.serverAccessLogsBucket);

    this.registry = new ModelRegistry(this, 'Registry', {
      modelPackageGroupName: base,
      description: `Versions of ${m.name} (${props.platformName} platform), registered by its training pipeline`,
      serverAccessLogsBucket: accessLogs,
    });

    this.pipeline = this.createTraining(m, base);

    // The version served is a parameter of the model's stack: an approval updates it (and so the
    // endpoint, through its canary) with a CloudFormation update of this stack alone, which stays the
    // source of truth.
    this.modelPackageParameter = ApprovalPromotion.modelPackageParameter(this, 'ModelPackageArn', this.registry, m.serving.initialModelVersion);

    this.endpoint = this.createServing(m, base, props, accessLogs);
    this.experiment = this.createExperiment(m, props);

    const d = m.drift;
    const [, baselineBucket, baselineKey] = /^s3:\/\/([^/]+)\/(.+)$/.exec(d.baselineUri)!;
    this.drift = new DriftMonitor(this, 'Drift', {
      endpointName: this.endpoint.endpointName,
      capture: this.endpoint.dataCaptureLocation!,
      baselineBucket: s3.Bucket.fromBucketName(this, 'Baselines', baselineBucket),
      baselineKey,
      features: d.features,
      alarmOwnership: props.ownership,
      alarmTopic: props.alarmTopic,
      reference: d.reference,
      referenceSpan: d.referenceSpanMinutes !== undefined ? Duration.minutes(d.referenceSpanMinutes) : undefined,
    });

    // capture → drift → retrain: the gate and the manual approval still stand before production.
    this.retrainOnDrift = this.drift.onSustainedDrift('RetrainOnDrift', {
      description: `Retrain ${this.pipeline.pipelineName} when ${this.drift.sustainedDrift.alarmName} fires`,
      target: this.pipeline.startTarget(),
    });
    this.slo = this.createSlo(m, props);
    this.batch = this.createBatch(m, base, props);
    this.batchDrift = this.createBatchDrift(m, props, baselineBucket, baselineKey);
    if (m.budget !== undefined) {
      this.budget = new ModelBudget(this, 'Budget', {
        modelName: m.name,
        platformName: props.platformName,
        monthlyUsd: m.budget.monthlyUsd,
        alarmOwnership: props.ownership,
        alarmTopic: props.alarmTopic,
      });
      raiseBudgetProblem(this, 'budget.monthlyUsd', this.costEstimate(), m.budget);
    }
    // approval → canary deploy → auto-rollback.
    this.promotion = new ApprovalPromotion(this, 'Promotion', {
      registry: this.registry,
      modelPackageParameter: this.modelPackageParameter,
      alarmOwnership: props.ownership,
      alarmTopic: props.alarmTopic,
    });
    this.servingStackRollbackAlarm = this.promotion.servingStackRollbackAlarm;
  }

  /**
   * The model's lifecycle loop, link by link (capture → drift → retrain → gate → register → approval →
   * canary deploy → auto-rollback): what implements each on AWS and which resources do it. The
   * Kubernetes rendering of the same spec answers the same question (`KubernetesPlatformModel.loop()`).
   */
  public loop(): LoopStage[] {
    return awsLoop(this, this.spec);
  }

  /**
   * The runbook's part on the experiment (Markdown lines), when the spec has one.
   * @internal
   */
  public _experimentRunbook(): string[] | undefined {
    const e = this.experiment;
    return e && experimentRunbook(this.spec.experiment!, e.design, {
      metrics: `\`PValue\`, \`Estimate\`, \`Lower\`, \`Upper\` and \`Decision\` (0 CONTINUE, 1 STOP_GUARDRAIL, 2 CHALLENGER_WINS, 3 CONTROL_WINS, 4 NO_DIFFERENCE) in CloudWatch \`CdkMlops/Experiment\`, dimension \`Experiment=${this.spec.experiment!.name}\``,
      record: `the SSM parameter \`${e.stateParameterName}\` (JSON: start, last p-value, and once decided the decision, estimate, bounds, both arms and the variant serving; FINISHED means later runs do nothing)`,
      traffic: 'The function moves the weights on the endpoint (`UpdateEndpointWeightsAndCapacities`): the winner, or the control after a guardrail breach or without a difference, gets all of it. ' +
        'A later deploy of the endpoint config restores the configured weights: remove the experiment from the spec (and promote the winner) before the next deploy.',
      assignment: `sticky by user: the caller picks the variant with \`runtime.VariantAssignment.assign(userId, …, '${this.spec.experiment!.name}')\` and sends it as \`TargetVariant\`; a request without it is split by the variants' weights`,
    });
  }

  /**
   * The model's monthly cost estimate from the spec and the price table (`core.PRICE_TABLE`, with its
   * sources and date): serving instance-hours of every variant (minimum and maximum instances), training
   * per scheduled run, batch scoring. An estimate, not a bill: its `assumptions` say what it leaves out.
   * @param region the Region to price (default: this stack's, when known)
   */
  public costEstimate(region?: string): CostEstimate {
    return estimateModelCostAws(this.spec, { region: region ?? (Token.isUnresolved(this.region) ? 'us-east-1' : this.region) });
  }

  /**
   * The runbook's part on cost (Markdown lines).
   * @internal
   */
  public _costRunbook(): string[] {
    const b = this.spec.budget;
    return costRunbook(this.costEstimate(), b ? budgetRunbookInfo(b, this.ownership, this.budget) : undefined);
  }

  /**
   * The runbook's part on the SLO (Markdown lines), when the spec has one.
   * @internal
   */
  public _sloRunbook(): string[] | undefined {
    return this.slo && sloRunbook(this.spec.slo!, {
      budget: 'the dashboard of `Slo` (budget remaining and burn rates per objective), and CloudWatch\'s Service Level Objectives console',
      alerts: (o) => `\`Slo/Burn-${o}-1h-5m\`, \`Slo/Burn-${o}-6h-30m\` (page); \`Slo/Burn-${o}-1d-2h\`, \`Slo/Burn-${o}-3d-6h\` (ticket)`,
    });
  }

  /**
   * The runbook's part on batch scoring (Markdown lines), when the spec has one.
   * @internal
   */
  public _batchRunbook(): string[] | undefined {
    const b = this.batch;
    if (b === undefined) return undefined;
    return batchRunbook(batchSpecOf(`${this.endpoint.endpointName}-batch`, this.spec.batch!), {
      runner: `the SageMaker pipeline \`${b.pipelineName}\` (EventBridge Scheduler starts it)`,
      rerun: `aws sagemaker start-pipeline-execution --pipeline-name ${b.pipelineName} --pipeline-parameters Name=LogicalDate,Value=2026-11-26`,
      backfill: b.backfillCommand('2026-11-01', '2026-11-26'),
      alarm: 'the alarms `Batch/ExecutionFailed` (a scheduled or backfilled execution failed) and `Batch/BackfillFailed` (a backfill ended with dates not scored)' + (this.batchDrift ? '; drift of the scored inputs: the alarms of `BatchDrift` (sustained drift starts the training pipeline)' : ''),
    });
  }

  /** The endpoint's SLO; its canary triggers come from the serving policy (`rollbackTriggersOf`), not from here. */
  private createSlo(m: PlatformModelSpec, props: PlatformModelProps): ServiceLevelObjectives | undefined {
    if (m.slo === undefined) return undefined;
    return new ServiceLevelObjectives(this, 'Slo', {
      objectives: m.slo.objectives,
      windowDays: m.slo.windowDays,
      endpoint: this.endpoint,
      alarmOwnership: props.ownership,
      alarmTopic: props.alarmTopic,
    });
  }

  /** Batch scoring with the group's latest approved version, on the serving instance type unless the spec names one. */
  private createBatch(m: PlatformModelSpec, base: string, props: PlatformModelProps): BatchScoring | undefined {
    const b = m.batch;
    if (b === undefined) return undefined;
    const batch = new BatchScoring(this, 'Batch', {
      ...batchSpecOf(`${base}-batch`, b),
      registry: this.registry,
      instanceType: b.instanceType ?? m.serving.instanceType,
      instanceCount: b.instanceCount,
      alarmOwnership: props.ownership,
      alarmTopic: props.alarmTopic,
    });
    // The versions are registered with the pipeline's inference image: the model pulls it with the batch role.
    grantImagePull(batch.role, [m.pipeline.inferenceImage]);
    return batch;
  }

  /** A second drift monitor over the scored batch inputs, with the model's features and baseline; it retrains too. */
  private createBatchDrift(m: PlatformModelSpec, props: PlatformModelProps, baselineBucket: string, baselineKey: string): DriftMonitor | undefined {
    if (this.batch === undefined || m.batch!.watchDrift === false) return undefined;
    const monitor = new DriftMonitor(this, 'BatchDrift', {
      endpointName: `${props.platformName}-${m.name}-batch`,
      batchSource: { outputUri: m.batch!.outputUri, contentType: m.batch!.contentType, encryptionKey: this.batch.key },
      baselineBucket: s3.Bucket.fromBucketName(this, 'BatchBaselines', baselineBucket),
      baselineKey,
      features: m.drift.features,
      alarmOwnership: props.ownership,
      alarmTopic: props.alarmTopic,
    });
    monitor.onSustainedDrift('RetrainOnBatchDrift', {
      description: `Retrain ${this.pipeline.pipelineName} when the scored batch inputs drift (${monitor.sustainedDrift.alarmName})`,
      target: this.pipeline.startTarget(),
    });
    return monitor;
  }

  /**
   * The shared access-log bucket by name: its policy admits this account's buckets once (see
   * MlPlatform), so that nothing per model is added to the shared stack.
   */
  private accessLogsBucket(shared: s3.IBucket): s3.IBucket {
    if (Stack.of(shared) === this) {
      return shared;
    }
    Annotations.of(this).acknowledgeWarning('@aws-cdk/aws-s3:accessLogsPolicyNotAdded',
      'The shared access-log bucket admits S3 server access logging from this account\'s buckets in its own policy.');
    return s3.Bucket.fromBucketName(this, 'AccessLogs', shared.bucketName);
  }

  /** The endpoint serving the version of `modelPackageParameter` through the spec's canary. */
  private createServing(m: PlatformModelSpec, base: string, props: PlatformModelProps, accessLogs: s3.IBucket): GpuServingEndpoint {
    const s = m.serving;
    const endpoint = new GpuServingEndpoint(this, 'Serving', {
      endpointName: base,
      model: ModelSource.fromModelPackageArn(this.registry, this.modelPackageParameter.valueAsString),
      instanceType: s.instanceType,
      initialInstanceCount: s.instanceCount ?? DEFAULT_SERVING_REPLICAS,
      alarmOwnership: props.ownership,
      // The same policy as the Kubernetes rendering (private/serving-policy.ts).
      rollout: rolloutOf(s),
      rollbackTriggers: rollbackTriggersOf(s, m.slo),
      autoscaling: s.maxInstanceCount !== undefined
        ? {
          minInstances: s.instanceCount ?? DEFAULT_SERVING_REPLICAS,
          maxInstances: s.maxInstanceCount,
          targetInvocationsPerInstance: s.targetInvocationsPerInstance ?? DEFAULT_TARGET_INVOCATIONS_PER_INSTANCE,
          registered: s.autoscalingRegistered,
        }
        : undefined,
      acceptCoarseCanary: s.acceptCoarseCanary,
      dataCapture: { samplingPercent: s.captureSamplingPercent ?? DEFAULT_CAPTURE_PERCENT, serverAccessLogsBucket: accessLogs },
      modelSizeGiB: s.modelSizeGiB,
      alarmTopic: props.alarmTopic,
      // An experiment serves its challenger beside the control, with the spec's share of the traffic.
      primaryWeight: m.experiment ? 100 - (m.experiment.challengerPercent ?? DEFAULT_CHALLENGER_PERCENT) : undefined,
    });
    // The versions served are registered by the pipeline with its inference image: CreateModel pulls
    // it with the serving role, which the model package alone does not grant.
    grantImagePull(endpoint.role, [m.pipeline.inferenceImage]);
    return endpoint;
  }

  /**
   * The spec's experiment: the challenger version as the endpoint's production variant
   * `challenger` beside `primary` (the control, the version promoted), decided by `aws.Experiment`.
   */
  private createExperiment(m: PlatformModelSpec, props: PlatformModelProps): Experiment | undefined {
    const e = m.experiment;
    if (e === undefined) {
      return undefined;
    }
    const percent = e.challengerPercent ?? DEFAULT_CHALLENGER_PERCENT;
    this.endpoint.addVariant({
      name: CHALLENGER_VARIANT,
      model: ModelSource.fromModelPackage(this.registry, e.challengerVersion),
      weight: percent,
    });
    return new Experiment(this, 'Experiment', {
      ...experimentSpecOf(e),
      endpoint: this.endpoint,
      controlVariant: this.endpoint.variantName,
      challengerVariant: CHALLENGER_VARIANT,
      metricsNamespace: e.metricsNamespace ?? `${props.platformName}/${m.name}`,
      alarmOwnership: props.ownership,
      alarmTopic: props.alarmTopic,
    });
  }

  /** The training pipeline registering into the registry, weekly when the spec asks. */
  private createTraining(m: PlatformModelSpec, base: string): MlPipeline {
    const t = m.training;
    return new MlPipeline(this, 'Training', {
      spec: pipelineSpecOf(m.pipeline),
      registry: this.registry,
      pipelineName: `${base}-training`,
      codeCommit: t.codeCommit,
      defaultDataVersion: t.dataVersion,
      defaultFeatureSetVersion: t.featureSetVersion,
      defaultInputDataUri: t.inputDataUri,
      schedule: t.weeklyOn !== undefined ? events.Schedule.cron({ weekDay: t.weeklyOn, hour: String(t.hourUtc ?? DEFAULT_TRAINING_HOUR_UTC), minute: '0' }) : undefined,
    });
  }
}
