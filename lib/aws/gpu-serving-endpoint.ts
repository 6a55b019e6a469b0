import { ArnFormat, Aspects, Duration, IResource, Lazy, Names, RemovalPolicy, Resource, Stack, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { ModelSource } from './model-source';
import { ownedAlarm } from './private/alarms';
import { dataBucket } from './private/data-bucket';
import { operationalAlarmSpecs, rollbackAlarmSpec } from './private/endpoint-alarms';
import { configureEndpointAutoscaling } from './private/endpoint-autoscaling';
import { eventAlarm } from './private/event-alarm';
import { hasInstanceStorage } from './private/instance-storage';
import { INHERENT_WILDCARD, acknowledgeWildcardResources } from './private/nag';
import { synthProblems, validateProps } from './private/validate';
import { StagedRolloutFallback } from './staged-rollout-fallback';
import { secondsOf } from '../core/duration';
import { GpuCatalog } from '../core/gpu-catalog';
import { DEFAULT_CAPTURE_PERCENT, DEFAULT_SERVING_REPLICAS } from '../core/policy';
import { AlarmOwnership, RollbackTrigger, RollbackTriggerKind, resolveTrigger } from '../core/rollback';
import { endpointRollbackPattern } from '../core/rollback-events';
import { RolloutPolicy } from '../core/rollout';
import { RETAINED_VARIANT_PROPERTY_OVERRIDES } from '../core/sagemaker-endpoint';
import { deploymentWaits } from '../core/sagemaker-limits';
import {
  DEFAULT_TERMINATION_WAIT_SECONDS, MAX_VARIANT_TIMEOUT_SECONDS,
  canaryShare, coldStartTimeouts, defaultCanaryPercent, executionTimeoutSeconds, trafficRouting,
} from '../core/sagemaker-routing';
import { addRollbackTriggerSchema, addServingEnvSchema, addShadowVariantSchema, addVariantSchema, awsGpuServingSchema } from '../core/schemas/gpu-serving';
import { addWarning } from '../core/warnings';


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
   * Time after a scale-in before another, whole seconds up to 1 hour.
   * @default Duration.minutes(10)
   */
  readonly scaleInCooldown?: Duration;
  /**
   * Time after a scale-out before another, whole seconds up to 1 hour.
   * @default Duration.minutes(2)
   */
  readonly scaleOutCooldown?: Duration;
  /**
   * Accept `minInstances: 0`: the first request after idling waits for a GPU instance to start
   * and load the model (minutes). SageMaker only scales an endpoint to zero when it hosts inference
   * components; for a plain variant the scalable target's minimum of 0 may be refused at deploy.
   * @default false
   */
  readonly allowScaleToZero?: boolean;
  /**
   * Register the primary variant with Application Auto Scaling. SageMaker refuses an update that
   * changes the instance type of a registered variant ("Update endpoints that use auto scaling"), and
   * CloudFormation removes a scalable target only after it has updated the endpoint, so changing
   * `instanceType` of an autoscaled endpoint takes two deployments: first `registered: false` (the
   * scalable target and its policies are removed; the endpoint, its config and its instance count stay
   * as they are), then the new `instanceType` with `registered` back to true (the endpoint updates
   * first, then the variant is registered again). A warning is added while it is false.
   * @default true
   */
  readonly registered?: boolean;
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
   * @default RolloutPolicy.canary({ percent: 10, bake: Duration.minutes(10) })
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
   * Accept a canary that takes more than twice the traffic `rollout` asks for because the fleet is
   * small: SageMaker shifts whole instances, so a 10% canary on 2 instances is 1 instance, half the
   * traffic. Without it such a rollout is refused; a real share up to twice the request is accepted
   * either way, and any difference is stated in a warning.
   * @default false
   */
  readonly acceptCoarseCanary?: boolean;
  /**
   * How long the old fleet is kept after a completed deployment (quick manual rollback), whole
   * seconds up to 1 hour.
   * @default Duration.minutes(5)
   */
  readonly terminationWait?: Duration;
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
   * Model download timeout, whole seconds from 1 minute to 1 hour.
   * @default - from `modelSizeGiB`, else SageMaker's default
   */
  readonly modelDataDownloadTimeout?: Duration;
  /**
   * Container start-up health check timeout, whole seconds from 1 minute to 1 hour.
   * @default - from `modelSizeGiB`, else SageMaker's default
   */
  readonly containerStartupHealthCheckTimeout?: Duration;
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
  /**
   * The role SageMaker assumes to run the models. The endpoint adds what it needs with
   * `addToPrincipalPolicy`; the role must trust `sagemaker.amazonaws.com`.
   * @default - a role created here
   */
  readonly role?: iam.IRole;
  /**
   * VPC the models run in (`VpcConfig` of every model).
   * @default - no VPC: SageMaker's own network
   */
  readonly vpc?: ec2.IVpc;
  /**
   * Subnets of `vpc` the models run in.
   * @default - the VPC's private subnets
   */
  readonly vpcSubnets?: ec2.SubnetSelection;
  /**
   * Security groups of the models in `vpc` (1-5).
   * @default - one created here, allowing HTTPS out only
   */
  readonly securityGroups?: ec2.ISecurityGroup[];
}

/** A variant's model, created when the variant is added. */
interface VariantEntry<T> {
  readonly options: T;
  readonly model: sagemaker.CfnModel;
}

/**
 * A SageMaker GPU endpoint with safe rollout: blue/green deployment (canary, linear or
 * all-at-once) that rolls back on its own alarms, optional shadow or A/B variants, autoscaling,
 * data capture for drift, cold-start timeouts sized for large models, owned alarms and a dashboard.
 *
 * Variants (`addVariant`, `addShadowVariant`) and rollback triggers (`addRollbackTrigger`) can be
 * added after construction; rules across them (unique names, no shadow with A/B variants, SageMaker's
 * limits) are checked again at synthesis.
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
  /** The role SageMaker assumes to run the models: `role`, or the one created here. */
  public readonly role: iam.IRole;
  /**
   * The rollback alarms, in the order of `rollbackTriggers`, then of `addRollbackTrigger`: for a trigger
   * on the endpoint's metrics (5xx rate, p99 latency) one per serving variant (the primary's first,
   * then those of `variants` and `addVariant`), each reading only the fleet of the endpoint config being
   * deployed; one for a metric trigger.
   */
  public readonly rollbackAlarms: cloudwatch.Alarm[] = [];
  /** Operational alarms (GPU memory, disk). */
  public readonly operationalAlarms: cloudwatch.Alarm[] = [];
  /**
   * Fires when SageMaker reports a deployment of this endpoint rolled back or failed (its endpoint
   * and deployment state change events, `core/rollback-events.ts`); owned and notifying
   * `alarmTopic` like the others.
   */
  public readonly deploymentRollbackAlarm: cloudwatch.Alarm;
  /** Where captured data lands, when capture is enabled. */
  public readonly dataCaptureLocation?: DataCaptureLocation;
  /** The dashboard, when created. */
  public readonly dashboard?: cloudwatch.Dashboard;
  protected readonly metricVariantName: string;
  private readonly props: GpuServingEndpointProps;
  private readonly gpusPerInstance: number;
  private readonly instanceCount: number;
  private readonly key: kms.IKey;
  private readonly vpcConfig?: sagemaker.CfnModel.VpcConfigProperty;
  private readonly primaryModel: sagemaker.CfnModel;
  private readonly variants: Array<VariantEntry<ProductionVariantOptions>> = [];
  private shadow?: VariantEntry<ShadowVariantOptions>;
  private readonly triggers: RollbackTrigger[] = [];
  /** The endpoint config: its name narrows the rollback alarms to the fleet being deployed. */
  private readonly endpointConfig: sagemaker.CfnEndpointConfig;
  /** Variables `addEnv` set on the primary model's container. */
  private readonly extraEnv: Record<string, string> = {};
  /** cloudwatch:DescribeAlarms on the rollback alarms: grows with `addRollbackTrigger`. */
  private readonly describeAlarms = new iam.PolicyStatement({ actions: ['cloudwatch:DescribeAlarms'] });
  /** The alarms of the dashboard's status widget: rollback alarms first, then operational ones. */
  private readonly dashboardAlarms: cloudwatch.IAlarm[] = [];

  constructor(scope: Construct, id: string, props: GpuServingEndpointProps) {
    super(scope, id);
    validateProps(this, awsGpuServingSchema, plainProps(props));
    this.props = props;
    this.instanceCount = props.initialInstanceCount ?? DEFAULT_SERVING_REPLICAS;
    this.endpointName = props.endpointName ?? Names.uniqueResourceName(this, { maxLength: 63, separator: '-' }).toLowerCase();
    this.endpointArn = endpointArn(Stack.of(this), this.endpointName);
    this.variantName = props.variantName ?? 'primary';
    this.metricVariantName = this.variantName;
    this.gpusPerInstance = GpuCatalog.forInstanceType(props.instanceType)!.count;

    this.key =
      props.encryptionKey ??
      new kms.Key(this, 'Key', {
        description: `Encrypts volumes and captured data of the ${this.endpointName} endpoint`,
        enableKeyRotation: true,
        removalPolicy: RemovalPolicy.RETAIN,
      });
    this.role = props.role ?? new iam.Role(this, 'ExecutionRole', {
      assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com'),
      description: `Runs the models of the ${this.endpointName} endpoint`,
    });
    this.grantRuntimeBasics();
    this.vpcConfig = this.configureVpc();

    this.primaryModel = this.createModel('Model', props.model, this.extraEnv);
    (props.variants ?? []).forEach((v) => this.variants.push({ options: v, model: this.createModel(`VariantModel${this.variants.length}`, v.model) }));
    if (props.shadow) {
      this.shadow = { options: props.shadow, model: this.createModel('ShadowModel', props.shadow.model) };
    }
    this.dataCaptureLocation = this.createCaptureLocation();
    this.key.grant(this.role, 'kms:GenerateDataKey', 'kms:Decrypt', 'kms:Encrypt');
    this.endpointConfig = this.createEndpointConfig();
    const config = this.endpointConfig;

    // Rollback alarms are defined before the endpoint that deploys with them.
    (props.rollbackTriggers ?? [RollbackTrigger.errorRate()]).forEach((t) => this.addRollbackAlarm(t));
    // SageMaker reads the rollback alarms with the execution role while it deploys ("Auto-Rollback
    // Configuration and Monitoring": cloudwatch:DescribeAlarms on the auto-rollback alarms).
    // In a policy of its own, which the endpoint waits for: the rollback alarms watch the config
    // being deployed, which waits for its models, which wait for the role's default policy
    // (createModel); the alarm ARNs in that policy would close a cycle.
    const alarmsPolicy = new iam.Policy(this, 'RollbackAlarmsPolicy', { statements: [this.describeAlarms] });
    this.role.attachInlinePolicy(alarmsPolicy);
    const endpoint = this.createEndpoint(config);
    endpoint.node.addDependency(alarmsPolicy);

    // Every serving variant is watched, on its own instance type's GPUs (not the shadow: its answers are not served).
    this.addOperationalAlarms(this.variantName, props.instanceType, true);
    this.variants.forEach((v) => this.addOperationalAlarms(v.options.name, v.options.instanceType ?? props.instanceType, false));
    // A rollback alarm that fired says a deployment is being rolled back; this says SageMaker rolled
    // one back (or it failed), whatever stopped it, to the same owner.
    this.deploymentRollbackAlarm = eventAlarm(this, {
      id: 'DeploymentRollback',
      description: `Deployments of the ${this.endpointName} endpoint that SageMaker rolled back or that failed`,
      pattern: endpointRollbackPattern(this.endpointName),
      // CloudFormation may or may not fail the stack update on it (unverified): what the stack records
      // as served must be checked against the endpoint's EndpointConfigName.
      summary: `SageMaker rolled back or failed a deployment of ${this.endpointName}: check which endpoint config serves and that the stack records it`,
      owner: props.alarmOwnership.owner,
      runbookUrl: props.alarmOwnership.runbookUrl,
    }, props.alarmTopic).alarm;
    this.dashboardAlarms.push(this.deploymentRollbackAlarm);
    if (props.autoscaling) {
      configureEndpointAutoscaling(this, props.autoscaling, {
        endpoint,
        endpointName: this.endpointName,
        variantName: this.variantName,
        gpusPerInstance: this.gpusPerInstance,
        gpuUtilization: this.metricInstance('GPUUtilization'),
      });
    }
    if (props.dashboard ?? true) {
      this.dashboard = this.createDashboard();
    }
    this.node.addValidation({ validate: () => this.validateState() });
  }

  /**
   * Add a production variant for an A/B test, with a model of its own (like `variants`).
   * Variant names must be unique and SageMaker takes at most 10 production variants, without a
   * shadow variant: checked at synthesis.
   */
  public addVariant(options: ProductionVariantOptions): void {
    validateProps(this, addVariantSchema, {
      variants: [...this.variants.map((v) => v.options), options].map(plainVariant),
    });
    this.variants.push({ options, model: this.createModel(`VariantModel${this.variants.length}`, options.model) });
    // The triggers on the endpoint's metrics watch the new variant too (SageMaker's alarm limit is checked at synthesis).
    this.triggers.filter((t) => t.kind !== RollbackTriggerKind.METRIC).forEach((t) => this.addVariantRollbackAlarm(t, options.name, false));
    this.addOperationalAlarms(options.name, options.instanceType ?? this.props.instanceType, false);
  }

  /**
   * Add the shadow variant (like `shadow`): one per endpoint, not combinable with A/B variants
   * (checked at synthesis).
   */
  public addShadowVariant(options: ShadowVariantOptions): void {
    validateProps(this, addShadowVariantSchema(this.shadow !== undefined), { shadow: plainVariant(options) });
    this.shadow = { options, model: this.createModel('ShadowModel', options.model) };
  }

  /**
   * Names of the variants that serve answers: the primary first, then those of `variants` and
   * `addVariant` (not the shadow, whose answers are not served). What `aws.ServiceLevelObjectives`
   * watches by default.
   */
  public get servingVariantNames(): string[] {
    return [this.variantName, ...this.variants.map((v) => v.options.name)];
  }

  /**
   * Set an environment variable of the primary model's container (e.g. a log level or a batch size
   * the serving image reads). A name the model source already sets is refused.
   */
  public addEnv(name: string, value: string): void {
    const existing: Record<string, string> = { ...this.props.model._spec.environment, ...this.extraEnv };
    validateProps(this, addServingEnvSchema(existing), { name, value });
    this.extraEnv[name] = value;
  }

  /**
   * Add a trigger that rolls deployments back (like `rollbackTriggers`): its alarms (`Rollback-<name>`
   * on the primary variant, `Rollback-<name>-<variant>` on each other serving variant; one for a metric
   * trigger) join `rollbackAlarms`, the endpoint's `AutoRollbackConfiguration`, the execution role's
   * `cloudwatch:DescribeAlarms` and the dashboard. SageMaker takes at most 10 rollback alarms: checked
   * at synthesis. Returns the primary variant's alarm (or the metric trigger's).
   */
  public addRollbackTrigger(trigger: RollbackTrigger): cloudwatch.Alarm {
    validateProps(this, addRollbackTriggerSchema, {
      rollbackTriggers: [...this.triggers, trigger].map((t) => t._spec),
    });
    return this.addRollbackAlarm(trigger);
  }

  /** The current state, judged by the schema the props were (every rule across added parts). */
  private validateState(): string[] {
    const state: GpuServingEndpointProps = {
      ...this.props,
      variants: this.variants.map((v) => v.options),
      shadow: this.shadow?.options,
      rollbackTriggers: this.triggers,
    };
    return synthProblems(this, awsGpuServingSchema, plainProps(state));
  }

  private grantRuntimeBasics(): void {
    const stack = Stack.of(this);
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [
          stack.formatArn({ service: 'logs', resource: 'log-group', resourceName: `/aws/sagemaker/Endpoints/${this.endpointName}`, arnFormat: ArnFormat.COLON_RESOURCE_NAME }),
          stack.formatArn({ service: 'logs', resource: 'log-group', resourceName: `/aws/sagemaker/Endpoints/${this.endpointName}:log-stream:*`, arnFormat: ArnFormat.COLON_RESOURCE_NAME }),
        ],
      }),
    );
    acknowledgeWildcardResources(this.role, [
      stack.formatArn({ service: 'logs', resource: 'log-group', resourceName: `/aws/sagemaker/Endpoints/${this.endpointName}:log-stream:*`, arnFormat: ArnFormat.COLON_RESOURCE_NAME }),
    ], 'SageMaker names the log streams of the endpoint\'s instances at run time; the pattern covers only this endpoint\'s log group.');
    // PutMetricData has no resource-level permissions; the condition limits it to the namespace
    // SageMaker publishes instance metrics into.
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['cloudwatch:PutMetricData'],
        resources: ['*'],
        conditions: { StringEquals: { 'cloudwatch:namespace': '/aws/sagemaker/Endpoints' } },
      }),
    );
    acknowledgeWildcardResources(this.role, ['*'], INHERENT_WILDCARD.putMetricData('/aws/sagemaker/Endpoints'));
  }

  /** The models' `VpcConfig` when `vpc` is given, and what SageMaker needs to attach them. */
  private configureVpc(): sagemaker.CfnModel.VpcConfigProperty | undefined {
    const vpc = this.props.vpc;
    if (!vpc) {
      return undefined;
    }
    const securityGroups = this.props.securityGroups ?? [
      new ec2.SecurityGroup(this, 'SecurityGroup', { vpc, description: `Models of the ${this.endpointName} endpoint`, allowAllOutbound: false }),
    ];
    if (!this.props.securityGroups) {
      securityGroups[0].addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'HTTPS to S3, ECR and CloudWatch (or their VPC endpoints)');
    }
    // SageMaker creates and removes the network interfaces of the instances with the execution
    // role; these EC2 actions take no resource-level permissions for this use.
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: [
          'ec2:CreateNetworkInterface', 'ec2:CreateNetworkInterfacePermission', 'ec2:DeleteNetworkInterface', 'ec2:DeleteNetworkInterfacePermission',
          'ec2:DescribeNetworkInterfaces', 'ec2:DescribeVpcs', 'ec2:DescribeDhcpOptions', 'ec2:DescribeSubnets', 'ec2:DescribeSecurityGroups',
        ],
        resources: ['*'],
      }),
    );
    acknowledgeWildcardResources(this.role, ['*'], INHERENT_WILDCARD.VPC_NETWORK_INTERFACES);
    return { securityGroupIds: securityGroups.map((g) => g.securityGroupId), subnets: vpc.selectSubnets(this.props.vpcSubnets).subnetIds };
  }

  private createModel(id: string, source: ModelSource, extraEnv?: Record<string, string>): sagemaker.CfnModel {
    const container = source._bind(this.role);
    const model = new sagemaker.CfnModel(this, id, {
      executionRoleArn: this.role.roleArn,
      // The primary model's environment renders at synth: `addEnv` adds to it.
      primaryContainer: extraEnv
        ? { ...container, environment: Lazy.any({ produce: () => renderEnvironment(container.environment, extraEnv) }) }
        : container,
      enableNetworkIsolation: true,
      vpcConfig: this.vpcConfig,
    });
    // CreateModel checks that the execution role can read the model data and pull the image: the
    // model waits for the role's policies (its DefaultPolicy, or the Policy an imported role gets),
    // not only for the role its ARN refers to (aws/aws-cdk#10064). Found at synthesis, so grants
    // made after construction count; the role itself is left out (the GetAtt orders it already,
    // and cfn-lint W3005 refuses a redundant DependsOn).
    const role = this.role;
    Aspects.of(model).add({
      visit: (node) => {
        if (node === model) {
          role.node.findAll().filter((c): c is iam.CfnPolicy => c instanceof iam.CfnPolicy).forEach((policy) => model.node.addDependency(policy));
        }
      },
    });
    return model;
  }

  /** The capture bucket and prefix, with the role's write access, unless capture is disabled. */
  private createCaptureLocation(): DataCaptureLocation | undefined {
    const capture = this.props.dataCapture ?? {};
    if (!(capture.enabled ?? true)) {
      return undefined;
    }
    const bucket =
      capture.bucket ??
      dataBucket(this, 'CaptureBucket', {
        key: this.key,
        accessLogs: capture.serverAccessLogsBucket,
        accessLogsPrefix: `${this.endpointName}/`,
        noAccessLogsWarning: { id: 'cdk-mlops:gpu-serving-endpoint:no-access-logs', prop: 'dataCapture.serverAccessLogsBucket' },
        lifecycleRules: [{ noncurrentVersionExpiration: Duration.days(30), abortIncompleteMultipartUploadAfter: Duration.days(7) }],
      });
    const prefix = (capture.prefix ?? `data-capture/${this.endpointName}`).replace(/^\/+|\/+$/g, '');
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:PutObject'], resources: [bucket.arnForObjects(`${prefix}/*`)] }));
    acknowledgeWildcardResources(this.role, [bucket.arnForObjects(`${prefix}/*`)], 'SageMaker writes captured requests under dated keys it names at run time, below this endpoint\'s capture prefix.');
    return { bucket, prefix, s3Uri: `s3://${bucket.bucketName}/${prefix}`, key: this.key };
  }

  /** The endpoint config; its variants (and so its volume key) render at synthesis. */
  private createEndpointConfig(): sagemaker.CfnEndpointConfig {
    return new sagemaker.CfnEndpointConfig(this, 'Config', {
      productionVariants: Lazy.any({ produce: () => this.renderProductionVariants() }),
      shadowProductionVariants: Lazy.any({ produce: () => this.renderShadowVariants() }, { omitEmptyArray: true }),
      dataCaptureConfig: this.renderDataCaptureConfig(),
      kmsKeyId: Lazy.string({ produce: () => this.renderVolumeKmsKeyId() }),
    });
  }

  private renderProductionVariants(): VariantProperty[] {
    return [
      this.renderVariant(this.variantName, this.primaryModel, this.props.instanceType, this.instanceCount, this.props.primaryWeight ?? 1),
      ...this.variants.map(({ options: v, model }) =>
        this.renderVariant(v.name, model, v.instanceType ?? this.props.instanceType, v.initialInstanceCount ?? this.instanceCount, v.weight)),
    ];
  }

  private renderShadowVariants(): VariantProperty[] {
    if (!this.shadow) {
      return [];
    }
    const { options: s, model } = this.shadow;
    // A shadow variant's weight, relative to the production variant's, is the share of requests
    // copied to it (see README: "Shadow variants").
    const weight = (s.samplingPercent / 100) * (this.props.primaryWeight ?? 1);
    return [this.renderVariant(s.name ?? 'shadow', model, s.instanceType ?? this.props.instanceType, s.initialInstanceCount ?? 1, weight)];
  }

  private renderVariant(name: string, model: sagemaker.CfnModel, instanceType: string, count: number, weight: number): VariantProperty {
    return {
      variantName: name,
      modelName: model.attrModelName,
      instanceType,
      initialInstanceCount: count,
      initialVariantWeight: weight,
      ...variantTimeouts(this.props),
    };
  }

  /**
   * Instances with local NVMe storage reject KmsKeyId (their instance store is encrypted by the
   * hardware); the others get their EBS volumes encrypted with the key.
   */
  private renderVolumeKmsKeyId(): string | undefined {
    const types = [this.props.instanceType, ...this.variants.map((v) => v.options.instanceType), this.shadow?.options.instanceType];
    return types.some((t) => t !== undefined && hasInstanceStorage(t)) ? undefined : this.key.keyArn;
  }

  private renderDataCaptureConfig(): sagemaker.CfnEndpointConfig.DataCaptureConfigProperty | undefined {
    if (!this.dataCaptureLocation) {
      return undefined;
    }
    const capture = this.props.dataCapture ?? {};
    return {
      enableCapture: true,
      initialSamplingPercentage: capture.samplingPercent ?? DEFAULT_CAPTURE_PERCENT,
      destinationS3Uri: this.dataCaptureLocation.s3Uri,
      kmsKeyId: this.key.keyArn,
      captureOptions: [
        ...((capture.captureRequest ?? true) ? [{ captureMode: 'Input' }] : []),
        ...((capture.captureResponse ?? true) ? [{ captureMode: 'Output' }] : []),
      ],
      captureContentTypeHeader: { csvContentTypes: ['text/csv'], jsonContentTypes: ['application/json'] },
    };
  }

  /**
   * The trigger's owned alarms, joined to everything that lists the rollback alarms: one per serving
   * variant for a trigger on the endpoint's metrics (the shadow is not watched: its answers are not
   * served), one for a metric trigger. Returns the first (the primary variant's).
   */
  private addRollbackAlarm(trigger: RollbackTrigger): cloudwatch.Alarm {
    this.triggers.push(trigger);
    const others = trigger.kind === RollbackTriggerKind.METRIC ? [] : this.variants.map((v) => v.options.name);
    const variants = [this.variantName, ...others];
    return variants.map((v, i) => this.addVariantRollbackAlarm(trigger, v, i === 0))[0];
  }

  /** The trigger's alarm on one serving variant (endpoint-alarms.ts), joined to the rollback alarm lists. */
  private addVariantRollbackAlarm(trigger: RollbackTrigger, variant: string, primary: boolean): cloudwatch.Alarm {
    const of = { endpointName: this.endpointName, variant, primary };
    const spec = rollbackAlarmSpec(resolveTrigger(trigger, this.props.alarmOwnership), of, this.endpointConfig.attrEndpointConfigName);
    const alarm = ownedAlarm(this, { ...spec, id: this.uniqueId(spec.id) }, this.props.alarmTopic);
    this.dashboardAlarms.splice(this.rollbackAlarms.length, 0, alarm);
    this.rollbackAlarms.push(alarm);
    this.describeAlarms.addResources(alarm.alarmArn);
    return alarm;
  }

  /** The endpoint, deploying blue/green with the rollout and rolling back on the rollback alarms. */
  private createEndpoint(config: sagemaker.CfnEndpointConfig): sagemaker.CfnEndpoint {
    const rollout = this.props.rollout ?? defaultRollout(this.instanceCount);
    const fallback = this.props.stagedRolloutFallback ?? StagedRolloutFallback.REJECT;
    const routing = trafficRouting(rollout._spec, this.instanceCount, fallback);
    routing.warnings.forEach((w) => addWarning(this, 'cdk-mlops:gpu-serving-endpoint:staged-rollout', w));
    const share = canaryShare(rollout._spec, this.instanceCount, fallback, this.props.acceptCoarseCanary);
    if (share.warning) {
      addWarning(this, 'cdk-mlops:gpu-serving-endpoint:canary-share', `${this.endpointName}: ${share.warning}`);
    }
    const terminationWait = this.props.terminationWait?.toSeconds() ?? DEFAULT_TERMINATION_WAIT_SECONDS;
    deploymentWaits(rollout._spec, this.instanceCount, fallback, terminationWait).warnings
      .forEach((w) => addWarning(this, 'cdk-mlops:gpu-serving-endpoint:zero-bake', `${this.endpointName}: ${w}`));
    // The new fleet's cold start counts (a token timeout as SageMaker's longest).
    const p = this.props;
    const coldStart = coldStartTimeouts(
      p.modelSizeGiB, timeoutSeconds(p.modelDataDownloadTimeout), timeoutSeconds(p.containerStartupHealthCheckTimeout));
    const r = routing.routing!;
    const endpoint = new sagemaker.CfnEndpoint(this, 'Resource', {
      endpointName: this.endpointName,
      endpointConfigName: config.attrEndpointConfigName,
      // An autoscaled fleet keeps the instance count autoscaling reached through an update (a
      // promotion), and takes the weights of the new config (core/sagemaker-endpoint.ts).
      ...(this.props.autoscaling
        ? {
          retainAllVariantProperties: true,
          excludeRetainedVariantProperties: RETAINED_VARIANT_PROPERTY_OVERRIDES.map((t) => ({ variantPropertyType: t })),
        }
        : {}),
      deploymentConfig: {
        autoRollbackConfiguration: { alarms: Lazy.any({ produce: () => this.rollbackAlarms.map((a) => ({ alarmName: a.alarmName })) }) },
        blueGreenUpdatePolicy: {
          trafficRoutingConfiguration: {
            type: r.Type,
            waitIntervalInSeconds: r.WaitIntervalInSeconds,
            canarySize: r.CanarySize ? { type: 'CAPACITY_PERCENT', value: r.CanarySize.Value } : undefined,
            linearStepSize: r.LinearStepSize ? { type: 'CAPACITY_PERCENT', value: r.LinearStepSize.Value } : undefined,
          },
          terminationWaitInSeconds: terminationWait,
          maximumExecutionTimeoutInSeconds: executionTimeoutSeconds(routing.totalWaitSeconds, terminationWait, coldStart),
        },
      },
    });
    endpoint.node.addDependency(this.role);
    return endpoint;
  }

  /** `base`, numbered when taken (a variant name used twice is refused at synthesis, not here). */
  private uniqueId(base: string): string {
    let id = base;
    for (let n = 2; this.node.tryFindChild(id); n++) {
      id = `${base}-${n}`;
    }
    return id;
  }

  /** The GPU memory and disk alarms of one serving variant (endpoint-alarms.ts), joined to `operationalAlarms` and the dashboard. */
  private addOperationalAlarms(variant: string, instanceType: string, primary: boolean): void {
    const metric = (name: string) => this.metricInstance(name, { dimensionsMap: { EndpointName: this.endpointName, VariantName: variant } });
    const of = { endpointName: this.endpointName, variant, primary };
    const alarms = operationalAlarmSpecs(of, instanceType, this.props.alarmOwnership, metric)
      .map((spec) => ownedAlarm(this, { ...spec, id: this.uniqueId(spec.id) }, this.props.alarmTopic));
    this.operationalAlarms.push(...alarms);
    if (this.dashboard) {
      // Created after the dashboard (addVariant): its status widget reads the list when it renders.
      this.dashboardAlarms.push(...alarms);
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
    // The widget reads its list when the dashboard renders: rollback triggers added later appear.
    this.dashboardAlarms.push(...this.operationalAlarms);
    dashboard.addWidgets(new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: this.dashboardAlarms, width: 24 }));
    return dashboard;
  }
}

type VariantProperty = sagemaker.CfnEndpointConfig.ProductionVariantProperty;

function endpointArn(stack: Stack, name: string): string {
  // SageMaker lowercases endpoint names in ARNs (a token is left as it is).
  const resourceName = Token.isUnresolved(name) ? name : name.toLowerCase();
  return stack.formatArn({ service: 'sagemaker', resource: 'endpoint', resourceName });
}

/** The variant's cold-start timeouts: as given, else from `modelSizeGiB` (core/sagemaker-routing.ts), else SageMaker's. */
function variantTimeouts(props: GpuServingEndpointProps): Partial<VariantProperty> {
  const c = coldStartTimeouts(props.modelSizeGiB, props.modelDataDownloadTimeout?.toSeconds(), props.containerStartupHealthCheckTimeout?.toSeconds());
  return { modelDataDownloadTimeoutInSeconds: c.downloadSeconds, containerStartupHealthCheckTimeoutInSeconds: c.startupSeconds };
}

/** A timeout in seconds for the deployment time limit: a token counts as SageMaker's longest. */
function timeoutSeconds(d: Duration | undefined): number | undefined {
  return d === undefined ? undefined : d.isUnresolved() ? MAX_VARIANT_TIMEOUT_SECONDS : d.toSeconds();
}

/**
 * The rollout of an endpoint given none: a canary of `DEFAULT_CANARY_PERCENT`, or of one instance
 * when the fleet is too small for it (core/sagemaker-routing.ts, `defaultCanaryPercent`).
 */
function defaultRollout(instanceCount: number): RolloutPolicy {
  return RolloutPolicy.canary({ percent: defaultCanaryPercent(instanceCount) });
}

/**
 * The props as the schema reads them: the user's property names, models as their plain spec,
 * Durations as seconds (a token is not judged), `rollout` and `rollbackTriggers` with their defaults.
 */
function plainProps(p: GpuServingEndpointProps): Record<string, unknown> {
  const a = p.autoscaling;
  return {
    ...p,
    model: p.model?._spec,
    variants: p.variants?.map(plainVariant),
    shadow: p.shadow ? plainVariant(p.shadow) : undefined,
    rollout: (p.rollout ?? defaultRollout(p.initialInstanceCount ?? DEFAULT_SERVING_REPLICAS))._spec,
    rollbackTriggers: (p.rollbackTriggers ?? [RollbackTrigger.errorRate()]).map((t) => t._spec),
    terminationWait: seconds(p.terminationWait),
    autoscaling: a ? { ...a, scaleInCooldown: seconds(a.scaleInCooldown), scaleOutCooldown: seconds(a.scaleOutCooldown) } : undefined,
    modelDataDownloadTimeout: seconds(p.modelDataDownloadTimeout),
    containerStartupHealthCheckTimeout: seconds(p.containerStartupHealthCheckTimeout),
  };
}

function plainVariant<T extends { readonly model: ModelSource }>(v: T): Record<string, unknown> {
  return { ...v, model: v.model?._spec };
}

function seconds(d: Duration | undefined): number | undefined {
  return secondsOf(d);
}

/** The container's own environment with the added variables, or nothing when both are empty. */
function renderEnvironment(own: unknown, added: Record<string, string>): unknown {
  if (Object.keys(added).length === 0) {
    return own;
  }
  return { ...((own as Record<string, string> | undefined) ?? {}), ...added };
}
