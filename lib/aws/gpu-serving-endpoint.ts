import { Annotations, ArnFormat, Duration, IResource, Names, RemovalPolicy, Resource, Stack, Token } from 'aws-cdk-lib';
import * as appscaling from 'aws-cdk-lib/aws-applicationautoscaling';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { ModelSource } from './model-source';
import { StagedRolloutFallback } from './staged-rollout-fallback';
import { GpuCatalog } from '../core/gpu-catalog';
import { AlarmOwnership, RollbackTrigger, RollbackTriggerKind, ThresholdComparison, resolveTrigger } from '../core/rollback';
import { DEFAULT_ROLLOUT, RolloutPolicy } from '../core/rollout';
import { dataBucket } from './private/data-bucket';
import { hasInstanceStorage } from './private/instance-storage';
import { validateProps } from './private/validate';
import { awsGpuServingSchema } from '../core/schemas/gpu-serving';
import { throwIfAny } from '../core/validation';
import { ownedAlarm } from './private/alarms';
import { trafficRouting, MAX_EXECUTION_TIMEOUT_SECONDS, MIN_EXECUTION_TIMEOUT_SECONDS, PROVISIONING_ALLOWANCE_SECONDS } from './private/deployment-config';
import { DEFAULT_SERVING_REPLICAS, GPU_MEMORY_ALARM_PERCENT } from '../core/policy';

/** Default rollout: a 10% canary baking 10 minutes. */
/** Default data capture sampling: enough for drift statistics at a bounded cost. */
const DEFAULT_CAPTURE_PERCENT = 10;
/** Alarm levels of the operational (non-rollback) alarms, percent of one device. */
const DISK_ALARM_PERCENT = 85;
/** Cold start of large models: about a minute per GB to download (kserve #2529), plus start-up. */
const DOWNLOAD_SECONDS_PER_GIB = 60;
const STARTUP_SECONDS_PER_GIB = 30;
const SAGEMAKER_MAX_TIMEOUT_SECONDS = 3600;

/** A GPU serving endpoint. */
export interface IGpuServingEndpoint extends IResource {
  /** Name of the endpoint. @attribute */
  readonly endpointName: string;
  /** ARN of the endpoint. @attribute */
  readonly endpointArn: string;
  /** Grant `sagemaker:InvokeEndpoint` on this endpoint. */
  grantInvoke(grantee: iam.IGrantable): iam.Grant;
  /** A metric of this endpoint's variant (namespace `AWS/SageMaker`). */
  metric(metricName: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric;
}

/** Attributes to import an endpoint. */
export interface GpuServingEndpointAttributes {
  /** Name of the endpoint. */
  readonly endpointName: string;
  /**
   * Variant whose metrics `metric*` returns.
   * @default 'primary'
   */
  readonly variantName?: string;
}

/** Options of the metric methods. */
abstract class GpuServingEndpointBase extends Resource implements IGpuServingEndpoint {
  public abstract readonly endpointName: string;
  public abstract readonly endpointArn: string;
  protected abstract readonly metricVariantName: string;

  public grantInvoke(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({ grantee, actions: ['sagemaker:InvokeEndpoint'], resourceArns: [this.endpointArn] });
  }

  public metric(metricName: string, props: cloudwatch.MetricOptions = {}): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: 'AWS/SageMaker',
      metricName,
      dimensionsMap: { EndpointName: this.endpointName, VariantName: this.metricVariantName },
      period: Duration.minutes(1),
      ...props,
    });
  }

  /** Invocations per period (Sum). */
  public metricInvocations(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('Invocations', { statistic: 'Sum', ...props });
  }

  /** Requests answered with 5xx (Sum). */
  public metric5xxErrors(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('Invocation5XXErrors', { statistic: 'Sum', ...props });
  }

  /** Model latency in **microseconds** (p99 by default). */
  public metricModelLatency(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('ModelLatency', { statistic: 'p99', ...props });
  }

  /** Share of requests answered with 5xx, percent (0 when there is no traffic). */
  public metricErrorRate(props?: cloudwatch.MathExpressionOptions): cloudwatch.MathExpression {
    return new cloudwatch.MathExpression({
      expression: 'IF(invocations > 0, 100 * errors / invocations, 0)',
      usingMetrics: { errors: this.metric5xxErrors(), invocations: this.metricInvocations() },
      label: '5xx error rate (%)',
      period: Duration.minutes(1),
      ...props,
    });
  }

  /** An instance metric (namespace `/aws/sagemaker/Endpoints`): GPUUtilization, GPUMemoryUtilization, DiskUtilization… */
  public metricInstance(metricName: string, props: cloudwatch.MetricOptions = {}): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: '/aws/sagemaker/Endpoints',
      metricName,
      dimensionsMap: { EndpointName: this.endpointName, VariantName: this.metricVariantName },
      statistic: 'Average',
      period: Duration.minutes(1),
      ...props,
    });
  }
}

/** An extra production variant, for A/B tests. */
export interface ProductionVariantOptions {
  /** Variant name (it is what `TargetVariant` and the sticky assignment helper route to). */
  readonly name: string;
  /** What the variant serves. */
  readonly model: ModelSource;
  /** Relative weight of the variant (the primary has `primaryWeight`). */
  readonly weight: number;
  /**
   * Instance type.
   * @default - the endpoint's `instanceType`
   */
  readonly instanceType?: string;
  /**
   * Instances.
   * @default - the endpoint's `initialInstanceCount`
   */
  readonly initialInstanceCount?: number;
}

/** A shadow variant: a challenger that receives a copy of sampled traffic; its answers are not served. */
export interface ShadowVariantOptions {
  /** The challenger model. */
  readonly model: ModelSource;
  /** Share of production requests copied to the shadow, percent (1-100). */
  readonly samplingPercent: number;
  /**
   * Variant name.
   * @default 'shadow'
   */
  readonly name?: string;
  /**
   * Instance type.
   * @default - the endpoint's `instanceType`
   */
  readonly instanceType?: string;
  /**
   * Instances.
   * @default 1
   */
  readonly initialInstanceCount?: number;
}

/** Autoscaling of the primary variant. */
export interface EndpointAutoscalingOptions {
  /** Most instances. */
  readonly maxInstances: number;
  /**
   * Fewest instances. 0 is rejected unless `allowScaleToZero`.
   * @default 1
   */
  readonly minInstances?: number;
  /**
   * Target of invocations per instance per minute (`SageMakerVariantInvocationsPerInstance`).
   * @default - no invocation target (then `targetGpuUtilizationPercent` is required)
   */
  readonly targetInvocationsPerInstance?: number;
  /**
   * Target average GPU utilization, percent of one GPU (scaled by the GPUs of the instance type,
   * since SageMaker's GPUUtilization adds up across them).
   * @default - no GPU utilization target
   */
  readonly targetGpuUtilizationPercent?: number;
  /**
   * Seconds after a scale-in before another.
   * @default 600
   */
  readonly scaleInCooldownSeconds?: number;
  /**
   * Seconds after a scale-out before another.
   * @default 120
   */
  readonly scaleOutCooldownSeconds?: number;
  /**
   * Accept `minInstances: 0`: the first request after idling waits for a GPU instance to start
   * and load the model (minutes). SageMaker only scales an endpoint to zero when it hosts inference
   * components; for a plain variant the scalable target's minimum of 0 may be refused at deploy.
   * @default false
   */
  readonly allowScaleToZero?: boolean;
}

/** Capture of requests and responses to S3, read by `DriftMonitor`. */
export interface DataCaptureOptions {
  /**
   * Capture at all. Drift monitoring needs it.
   * @default true
   */
  readonly enabled?: boolean;
  /**
   * Share of requests captured, percent.
   * @default 10
   */
  readonly samplingPercent?: number;
  /**
   * Capture requests (model inputs).
   * @default true
   */
  readonly captureRequest?: boolean;
  /**
   * Capture responses (predictions).
   * @default true
   */
  readonly captureResponse?: boolean;
  /**
   * Bucket for the captured data.
   * @default - a KMS-encrypted, versioned, TLS-only bucket retained on delete
   */
  readonly bucket?: s3.IBucket;
  /**
   * Key prefix in the bucket.
   * @default 'data-capture/<endpoint name>'
   */
  readonly prefix?: string;

  /**
   * Bucket receiving S3 server access logs of the created capture bucket.
   * @default - no access logging (a warning is added)
   */
  readonly serverAccessLogsBucket?: s3.IBucket;
}

/** Where captured data lands: what a `DriftMonitor` reads. */
export interface DataCaptureLocation {
  /** The bucket. */
  readonly bucket: s3.IBucket;
  /** The key prefix (no leading or trailing slash). */
  readonly prefix: string;
  /** `s3://bucket/prefix` */
  readonly s3Uri: string;
  /**
   * The key encrypting the data, when known.
   * @default - unknown: readers get no kms:Decrypt grant
   */
  readonly key?: kms.IKey;
}

/** Properties of a `GpuServingEndpoint`. */
export interface GpuServingEndpointProps {
  /** What the primary variant serves. */
  readonly model: ModelSource;
  /** A GPU instance type from the catalog (`ml.g5.xlarge`, `ml.g6e.2xlarge`, `ml.p4d.24xlarge` …). */
  readonly instanceType: string;
  /** Who owns the endpoint's alarms and where the runbook is. Every alarm carries both. */
  readonly alarmOwnership: AlarmOwnership;
  /**
   * Endpoint name.
   * @default - unique name derived from the construct path
   */
  readonly endpointName?: string;
  /**
   * Name of the primary variant. Kept across updates: deployment guardrails need the same name.
   * @default 'primary'
   */
  readonly variantName?: string;
  /**
   * Instances of the primary variant. Canary and linear rollouts need at least 2.
   * @default 2
   */
  readonly initialInstanceCount?: number;
  /**
   * Relative weight of the primary variant when there are `variants`.
   * @default 1
   */
  readonly primaryWeight?: number;
  /**
   * Extra production variants for an A/B test.
   * @default - none
   */
  readonly variants?: ProductionVariantOptions[];
  /**
   * A shadow variant (not combinable with `variants`).
   * @default - none
   */
  readonly shadow?: ShadowVariantOptions;
  /**
   * How a new model version takes traffic (SageMaker blue/green deployment).
   * @default RolloutPolicy.canary({ percent: 10, bakeMinutes: 10 })
   */
  readonly rollout?: RolloutPolicy;
  /**
   * What rolls a deployment back; each becomes a CloudWatch alarm in the endpoint's
   * `AutoRollbackConfiguration`.
   * @default [RollbackTrigger.errorRate()] (5xx above 1% in 2 of 3 minutes)
   */
  readonly rollbackTriggers?: RollbackTrigger[];
  /**
   * What to do with a staged rollout SageMaker cannot express exactly.
   * @default StagedRolloutFallback.REJECT
   */
  readonly stagedRolloutFallback?: StagedRolloutFallback;
  /**
   * Seconds the old fleet is kept after a completed deployment (quick manual rollback).
   * @default 300
   */
  readonly terminationWaitSeconds?: number;
  /**
   * Autoscaling of the primary variant.
   * @default - fixed at `initialInstanceCount`
   */
  readonly autoscaling?: EndpointAutoscalingOptions;
  /**
   * Data capture for drift monitoring.
   * @default - enabled, 10% of requests and responses, to a bucket created here
   */
  readonly dataCapture?: DataCaptureOptions;
  /**
   * Size of the model weights in GiB, to size cold-start timeouts (a minute per GiB to download,
   * 30 s per GiB to load, capped at SageMaker's 3600 s).
   * @default - SageMaker's default timeouts
   */
  readonly modelSizeGiB?: number;
  /**
   * Model download timeout, seconds (60-3600).
   * @default - from `modelSizeGiB`, else SageMaker's default
   */
  readonly modelDataDownloadTimeoutSeconds?: number;
  /**
   * Container start-up health check timeout, seconds (60-3600).
   * @default - from `modelSizeGiB`, else SageMaker's default
   */
  readonly containerStartupHealthCheckTimeoutSeconds?: number;
  /**
   * KMS key for the instances' storage volumes and the captured data.
   * @default - a new key with rotation, retained
   */
  readonly encryptionKey?: kms.IKey;
  /**
   * Topic notified by every alarm (ALARM and OK).
   * @default - no notification
   */
  readonly alarmTopic?: sns.ITopic;
  /**
   * Create a CloudWatch dashboard.
   * @default true
   */
  readonly dashboard?: boolean;
}

/**
 * A SageMaker GPU endpoint with safe rollout: blue/green deployment (canary, linear or
 * all-at-once) that rolls back on its own alarms, optional shadow or A/B variants, autoscaling,
 * data capture for drift, cold-start timeouts sized for large models, owned alarms and a dashboard.
 *
 * @resource AWS::SageMaker::Endpoint
 */
export class GpuServingEndpoint extends GpuServingEndpointBase {
  /** Import an endpoint by name. */
  public static fromGpuServingEndpointAttributes(scope: Construct, id: string, attrs: GpuServingEndpointAttributes): IGpuServingEndpoint {
    class Import extends GpuServingEndpointBase {
      public readonly endpointName = attrs.endpointName;
      public readonly endpointArn = endpointArn(Stack.of(scope), attrs.endpointName);
      protected readonly metricVariantName = attrs.variantName ?? 'primary';
    }
    return new Import(scope, id);
  }

  public readonly endpointName: string;
  public readonly endpointArn: string;
  /** Name of the primary variant. */
  public readonly variantName: string;
  /** The role SageMaker assumes to run the models. */
  public readonly role: iam.Role;
  /** The rollback alarms, in the order of `rollbackTriggers`. */
  public readonly rollbackAlarms: cloudwatch.Alarm[];
  /** Operational alarms (GPU memory, disk). */
  public readonly operationalAlarms: cloudwatch.Alarm[];
  /** Where captured data lands, when capture is enabled. */
  public readonly dataCaptureLocation?: DataCaptureLocation;
  /** The dashboard, when created. */
  public readonly dashboard?: cloudwatch.Dashboard;
  protected readonly metricVariantName: string;
  private readonly gpusPerInstance: number;

  constructor(scope: Construct, id: string, props: GpuServingEndpointProps) {
    super(scope, id);
    const rollout = props.rollout ?? DEFAULT_ROLLOUT;
    const triggers = props.rollbackTriggers ?? [RollbackTrigger.errorRate()];
    const capture = props.dataCapture ?? {};
    validateProps(this, awsGpuServingSchema, {
      endpointName: props.endpointName,
      variantName: props.variantName,
      model: props.model?._spec,
      instanceType: props.instanceType,
      initialInstanceCount: props.initialInstanceCount,
      primaryWeight: props.primaryWeight,
      variants: props.variants?.map((v) => ({ ...v, model: v.model?._spec })),
      shadow: props.shadow ? { ...props.shadow, model: props.shadow.model?._spec } : undefined,
      rollout: rollout._spec,
      rollbackTriggers: triggers.map((t) => t._spec),
      alarmOwnership: props.alarmOwnership,
      autoscaling: props.autoscaling,
      dataCapture: props.dataCapture ? withoutKeys(capture, ['bucket', 'serverAccessLogsBucket']) : undefined,
      modelSizeGiB: props.modelSizeGiB,
      modelDataDownloadTimeoutSeconds: props.modelDataDownloadTimeoutSeconds,
      containerStartupHealthCheckTimeoutSeconds: props.containerStartupHealthCheckTimeoutSeconds,
      terminationWaitSeconds: props.terminationWaitSeconds,
    });

    const instanceCount = props.initialInstanceCount ?? DEFAULT_SERVING_REPLICAS;
    const routing = trafficRouting(rollout._spec, instanceCount, props.stagedRolloutFallback ?? StagedRolloutFallback.REJECT);
    const terminationWait = props.terminationWaitSeconds ?? 300;
    const executionTimeout = Math.max(MIN_EXECUTION_TIMEOUT_SECONDS, routing.totalWaitSeconds + terminationWait + PROVISIONING_ALLOWANCE_SECONDS);
    const problems = routing.problems.map(([property, allowed]) => ({
      constructPath: this.node.path,
      property,
      received: property === 'initialInstanceCount' ? String(instanceCount) : JSON.stringify(rollout._spec),
      allowed,
    }));
    if (executionTimeout > MAX_EXECUTION_TIMEOUT_SECONDS) {
      problems.push({
        constructPath: this.node.path,
        property: 'rollout',
        received: `${routing.totalWaitSeconds} s of bake time`,
        allowed: `must bake for less than ${(MAX_EXECUTION_TIMEOUT_SECONDS - PROVISIONING_ALLOWANCE_SECONDS - terminationWait) / 60} minutes in total (SageMaker MaximumExecutionTimeoutInSeconds ≤ ${MAX_EXECUTION_TIMEOUT_SECONDS})`,
      });
    }
    throwIfAny(problems);
    routing.warnings.forEach((w) => Annotations.of(this).addWarningV2('cdk-mlops:gpu-serving-endpoint:staged-rollout', w));

    this.endpointName = props.endpointName ?? Names.uniqueResourceName(this, { maxLength: 63, separator: '-' }).toLowerCase();
    this.endpointArn = endpointArn(Stack.of(this), this.endpointName);
    this.variantName = props.variantName ?? 'primary';
    this.metricVariantName = this.variantName;
    const gpus = GpuCatalog.forInstanceType(props.instanceType)!;
    this.gpusPerInstance = gpus.count;

    const key =
      props.encryptionKey ??
      new kms.Key(this, 'Key', {
        description: `Encrypts volumes and captured data of the ${this.endpointName} endpoint`,
        enableKeyRotation: true,
        removalPolicy: RemovalPolicy.RETAIN,
      });

    this.role = new iam.Role(this, 'ExecutionRole', {
      assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com'),
      description: `Runs the models of the ${this.endpointName} endpoint`,
    });
    this.grantRuntimeBasics(this.role);

    // --- models and variants -----------------------------------------------------------------
    const timeouts = coldStartTimeouts(props);
    const model = (mid: string, source: ModelSource) =>
      new sagemaker.CfnModel(this, mid, {
        executionRoleArn: this.role.roleArn,
        primaryContainer: source._bind(this.role),
        enableNetworkIsolation: true,
      });
    type Variant = sagemaker.CfnEndpointConfig.ProductionVariantProperty;
    const variant = (name: string, m: sagemaker.CfnModel, type: string, count: number, weight: number): Variant => ({
      variantName: name,
      modelName: m.attrModelName,
      instanceType: type,
      initialInstanceCount: count,
      initialVariantWeight: weight,
      ...timeouts,
    });
    const primaryModel = model('Model', props.model);
    const productionVariants = [variant(this.variantName, primaryModel, props.instanceType, instanceCount, props.primaryWeight ?? 1)];
    (props.variants ?? []).forEach((v, i) => {
      productionVariants.push(variant(v.name, model(`VariantModel${i}`, v.model), v.instanceType ?? props.instanceType, v.initialInstanceCount ?? instanceCount, v.weight));
    });
    // A shadow variant's weight, relative to the production variant's, is the share of requests
    // copied to it (see README: "Shadow variants").
    const shadowVariants = props.shadow
      ? [
        variant(
          props.shadow.name ?? 'shadow',
          model('ShadowModel', props.shadow.model),
          props.shadow.instanceType ?? props.instanceType,
          props.shadow.initialInstanceCount ?? 1,
          (props.shadow.samplingPercent / 100) * (props.primaryWeight ?? 1),
        ),
      ]
      : undefined;

    // --- data capture ------------------------------------------------------------------------
    let dataCaptureConfig: sagemaker.CfnEndpointConfig.DataCaptureConfigProperty | undefined;
    if (capture.enabled ?? true) {
      const bucket =
        capture.bucket ??
        dataBucket(this, 'CaptureBucket', {
          key,
          accessLogs: capture.serverAccessLogsBucket,
          accessLogsPrefix: `${this.endpointName}/`,
          noAccessLogsWarning: { id: 'cdk-mlops:gpu-serving-endpoint:no-access-logs', prop: 'dataCapture.serverAccessLogsBucket' },
          lifecycleRules: [{ noncurrentVersionExpiration: Duration.days(30), abortIncompleteMultipartUploadAfter: Duration.days(7) }],
        });
      const prefix = (capture.prefix ?? `data-capture/${this.endpointName}`).replace(/^\/+|\/+$/g, '');
      this.dataCaptureLocation = { bucket, prefix, s3Uri: `s3://${bucket.bucketName}/${prefix}`, key };
      this.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:PutObject'], resources: [bucket.arnForObjects(`${prefix}/*`)] }));
      dataCaptureConfig = {
        enableCapture: true,
        initialSamplingPercentage: capture.samplingPercent ?? DEFAULT_CAPTURE_PERCENT,
        destinationS3Uri: this.dataCaptureLocation.s3Uri,
        kmsKeyId: key.keyArn,
        captureOptions: [
          ...((capture.captureRequest ?? true) ? [{ captureMode: 'Input' }] : []),
          ...((capture.captureResponse ?? true) ? [{ captureMode: 'Output' }] : []),
        ],
        captureContentTypeHeader: { csvContentTypes: ['text/csv'], jsonContentTypes: ['application/json'] },
      };
    }
    key.grant(this.role, 'kms:GenerateDataKey', 'kms:Decrypt', 'kms:Encrypt');

    // Instances with local NVMe storage reject KmsKeyId (their instance store is encrypted by the
    // hardware); the others get their EBS volumes encrypted with the key.
    const localStorage = productionVariants.concat(shadowVariants ?? []).some((v) => hasInstanceStorage(v.instanceType!));
    const config = new sagemaker.CfnEndpointConfig(this, 'Config', {
      productionVariants,
      shadowProductionVariants: shadowVariants,
      dataCaptureConfig,
      kmsKeyId: localStorage ? undefined : key.keyArn,
    });

    // --- rollback alarms (defined before the endpoint that deploys with them) -----------------
    const ownership = props.alarmOwnership;
    this.rollbackAlarms = triggers.map((t) => {
      const r = resolveTrigger(t, ownership);
      const period = Duration.seconds(r.periodSeconds);
      const metric =
        r.kind === RollbackTriggerKind.ERROR_RATE
          ? this.metricErrorRate({ period })
          : r.kind === RollbackTriggerKind.P99_LATENCY
            ? this.metricModelLatency({ period, statistic: 'p99' })
            : new cloudwatch.Metric({
              namespace: r.cloudWatch!.namespace,
              metricName: r.cloudWatch!.metricName,
              dimensionsMap: r.cloudWatch!.dimensions,
              statistic: r.cloudWatch!.statistic ?? 'Average',
              period,
            });
      return ownedAlarm(
        this,
        {
          id: `Rollback-${r.name}`,
          metric,
          // ModelLatency is reported in microseconds.
          threshold: r.kind === RollbackTriggerKind.P99_LATENCY ? r.threshold * 1000 : r.threshold,
          comparison: r.comparison,
          evaluationPeriods: r.evaluationPeriods,
          datapointsToAlarm: r.datapointsToAlarm,
          owner: r.owner,
          runbookUrl: r.runbookUrl,
          summary: `Rolls back deployments of ${this.endpointName}: ${r.name} ${r.comparison === ThresholdComparison.LESS_THAN ? '<' : '>'} ${r.threshold}${r.kind === RollbackTriggerKind.ERROR_RATE ? '%' : r.kind === RollbackTriggerKind.P99_LATENCY ? ' ms' : ''}`,
        },
        props.alarmTopic,
      );
    });

    // SageMaker reads the rollback alarms with the execution role while it deploys ("Auto-Rollback
    // Configuration and Monitoring": cloudwatch:DescribeAlarms on the auto-rollback alarms).
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['cloudwatch:DescribeAlarms'], resources: this.rollbackAlarms.map((a) => a.alarmArn) }));

    const endpoint = new sagemaker.CfnEndpoint(this, 'Resource', {
      endpointName: this.endpointName,
      endpointConfigName: config.attrEndpointConfigName,
      deploymentConfig: {
        autoRollbackConfiguration: { alarms: this.rollbackAlarms.map((a) => ({ alarmName: a.alarmName })) },
        blueGreenUpdatePolicy: {
          trafficRoutingConfiguration: {
            type: routing.routing!.Type,
            waitIntervalInSeconds: routing.routing!.WaitIntervalInSeconds,
            canarySize: routing.routing!.CanarySize ? { type: 'CAPACITY_PERCENT', value: routing.routing!.CanarySize.Value } : undefined,
            linearStepSize: routing.routing!.LinearStepSize ? { type: 'CAPACITY_PERCENT', value: routing.routing!.LinearStepSize.Value } : undefined,
          },
          terminationWaitInSeconds: terminationWait,
          maximumExecutionTimeoutInSeconds: executionTimeout,
        },
      },
    });
    endpoint.node.addDependency(this.role);

    // --- operational alarms -------------------------------------------------------------------
    // GPU metrics add up across devices: 100% per GPU (CloudWatch SageMaker metrics reference).
    this.operationalAlarms = [
      { id: 'GpuMemoryAlarm', metric: this.metricInstance('GPUMemoryUtilization'), threshold: GPU_MEMORY_ALARM_PERCENT * gpus.count, summary: `GPU memory of ${this.endpointName} above ${GPU_MEMORY_ALARM_PERCENT}% (OOM risk)` },
      { id: 'DiskAlarm', metric: this.metricInstance('DiskUtilization'), threshold: DISK_ALARM_PERCENT, summary: `Disk of ${this.endpointName} above ${DISK_ALARM_PERCENT}%` },
    ].map((a) =>
      ownedAlarm(
        this,
        {
          ...a,
          comparison: ThresholdComparison.GREATER_THAN,
          evaluationPeriods: 5,
          datapointsToAlarm: 5,
          owner: ownership.owner,
          runbookUrl: ownership.runbookUrl,
        },
        props.alarmTopic,
      ),
    );

    // --- autoscaling --------------------------------------------------------------------------
    if (props.autoscaling) {
      this.configureAutoscaling(props.autoscaling, endpoint);
    }

    if (props.dashboard ?? true) {
      this.dashboard = this.createDashboard();
    }
  }

  private grantRuntimeBasics(role: iam.Role): void {
    const stack = Stack.of(this);
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [
          stack.formatArn({ service: 'logs', resource: 'log-group', resourceName: `/aws/sagemaker/Endpoints/${this.endpointName}`, arnFormat: ArnFormat.COLON_RESOURCE_NAME }),
          stack.formatArn({ service: 'logs', resource: 'log-group', resourceName: `/aws/sagemaker/Endpoints/${this.endpointName}:log-stream:*`, arnFormat: ArnFormat.COLON_RESOURCE_NAME }),
        ],
      }),
    );
    // PutMetricData has no resource-level permissions; the condition limits it to the namespace
    // SageMaker publishes instance metrics into.
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['cloudwatch:PutMetricData'],
        resources: ['*'],
        conditions: { StringEquals: { 'cloudwatch:namespace': '/aws/sagemaker/Endpoints' } },
      }),
    );
  }

  private configureAutoscaling(a: EndpointAutoscalingOptions, endpoint: sagemaker.CfnEndpoint): void {
    const target = new appscaling.ScalableTarget(this, 'ScalableTarget', {
      serviceNamespace: appscaling.ServiceNamespace.SAGEMAKER,
      resourceId: `endpoint/${this.endpointName}/variant/${this.variantName}`,
      scalableDimension: 'sagemaker:variant:DesiredInstanceCount',
      minCapacity: a.minInstances ?? 1,
      maxCapacity: a.maxInstances,
    });
    target.node.addDependency(endpoint);
    const cooldowns = {
      scaleInCooldown: Duration.seconds(a.scaleInCooldownSeconds ?? 600),
      scaleOutCooldown: Duration.seconds(a.scaleOutCooldownSeconds ?? 120),
    };
    if (a.targetInvocationsPerInstance !== undefined) {
      target.scaleToTrackMetric('InvocationsPerInstance', {
        targetValue: a.targetInvocationsPerInstance,
        predefinedMetric: appscaling.PredefinedMetric.SAGEMAKER_VARIANT_INVOCATIONS_PER_INSTANCE,
        ...cooldowns,
      });
    }
    if (a.targetGpuUtilizationPercent !== undefined) {
      // GPUUtilization adds up across the instance's GPUs (100% per GPU).
      target.scaleToTrackMetric('GpuUtilization', {
        targetValue: a.targetGpuUtilizationPercent * this.gpusPerInstance,
        customMetric: this.metricInstance('GPUUtilization'),
        ...cooldowns,
      });
    }
  }

  private createDashboard(): cloudwatch.Dashboard {
    const dashboard = new cloudwatch.Dashboard(this, 'Dashboard');
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({ title: 'Invocations', left: [this.metricInvocations()], right: [this.metricErrorRate()] }),
      new cloudwatch.GraphWidget({ title: 'Model latency p50 / p99 (µs)', left: [this.metricModelLatency({ statistic: 'p50' }), this.metricModelLatency()] }),
      new cloudwatch.GraphWidget({ title: 'GPU', left: [this.metricInstance('GPUUtilization'), this.metricInstance('GPUMemoryUtilization')] }),
      new cloudwatch.GraphWidget({ title: 'Instance', left: [this.metricInstance('CPUUtilization'), this.metricInstance('MemoryUtilization'), this.metricInstance('DiskUtilization')] }),
    );
    dashboard.addWidgets(new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: [...this.rollbackAlarms, ...this.operationalAlarms], width: 24 }));
    return dashboard;
  }
}

function endpointArn(stack: Stack, name: string): string {
  // SageMaker lowercases endpoint names in ARNs (a token is left as it is).
  const resourceName = Token.isUnresolved(name) ? name : name.toLowerCase();
  return stack.formatArn({ service: 'sagemaker', resource: 'endpoint', resourceName });
}

function coldStartTimeouts(props: GpuServingEndpointProps): Partial<sagemaker.CfnEndpointConfig.ProductionVariantProperty> {
  const size = props.modelSizeGiB;
  const derived = (perGiB: number, base: number) =>
    size === undefined ? undefined : Math.min(SAGEMAKER_MAX_TIMEOUT_SECONDS, Math.ceil(base + perGiB * size));
  return {
    modelDataDownloadTimeoutInSeconds: props.modelDataDownloadTimeoutSeconds ?? derived(DOWNLOAD_SECONDS_PER_GIB, 120),
    containerStartupHealthCheckTimeoutInSeconds: props.containerStartupHealthCheckTimeoutSeconds ?? derived(STARTUP_SECONDS_PER_GIB, 300),
  };
}

/** A copy of `obj` without `keys` (constructs are not part of the validated plain shape). */
function withoutKeys<T extends object>(obj: T, keys: Array<keyof T>): Partial<T> {
  const copy = { ...obj };
  keys.forEach((k) => delete copy[k]);
  return copy;
}
