import { ArnFormat, CfnResource, Duration, Lazy, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { GpuServingEndpoint } from './gpu-serving-endpoint';
import { ownedAlarm, ownershipOf } from './private/alarms';
import { guardrailAlarmSpec } from './private/experiment-alarms';
import { allowLogsToUseKey } from './private/logs-key';
import { INHERENT_WILDCARD, acknowledgeWildcardResources } from './private/nag';
import { runtimeAssetCode } from './private/runtime-asset';
import { synthProblems, validateProps } from './private/validate';
import { ExperimentDesign, ExperimentMath } from '../core/experiment';
import { canonicalExperimentSpec } from '../core/experiment/canonical';
import { ExperimentSpec } from '../core/experiment/spec';
import { AlarmOwnership, ThresholdComparison } from '../core/rollback';
import { awsExperimentSchema } from '../core/schemas/experiment-aws';

/**
 * The namespace the analysis publishes the statistic and the decision in (dimension `Experiment`);
 * the function may publish only there (the `cloudwatch:namespace` condition).
 */
export const EXPERIMENT_METRICS_NAMESPACE = 'CdkMlops/Experiment';

/** Where the experiments' records live in SSM Parameter Store: `<prefix>/<experiment name>`. */
const STATE_PARAMETER_PREFIX = '/cdk-mlops/experiments';

/**
 * Lambda's asynchronous retries of a failed run (its maximum), within an hour: a failed stop is
 * retried by Lambda, then by the next scheduled run (which stops on any guardrail alarm in ALARM).
 * Source: AWS Lambda developer guide, "How Lambda handles errors and retries with asynchronous invocation".
 */
const LAMBDA_RETRY_ATTEMPTS = 2;
const LAMBDA_MAX_EVENT_AGE = Duration.hours(1);

/** Properties of an `Experiment`: the target-neutral spec, and where it runs on AWS. */
export interface ExperimentProps extends ExperimentSpec {
  /** The endpoint serving both variants (A/B production variants). */
  readonly endpoint: GpuServingEndpoint;
  /** The endpoint's variant serving the current model (the control). */
  readonly controlVariant: string;
  /** The endpoint's variant serving the candidate (the challenger); its weight must be above 0. */
  readonly challengerVariant: string;
  /**
   * The CloudWatch namespace the application publishes the business metrics in, per unit of
   * assignment (a user) with the one dimension `Variant`: the primary metric (0/1 for a
   * PROPORTION, the unit's value for a MEAN), for a MEAN also `<name>Squared` (the value squared),
   * and each METRIC_DROP guardrail's metric.
   */
  readonly metricsNamespace: string;
  /**
   * When the analysis runs.
   * @default - once a day (`Schedule.rate(Duration.days(1))`)
   */
  readonly analysisSchedule?: events.Schedule;
  /**
   * When the experiment started (ISO 8601 UTC, e.g. `2026-12-01T00:00:00Z`): units are counted
   * and days elapsed from then.
   * @default - the first run of the function (the first analysis or guardrail alarm), recorded
   */
  readonly startTime?: string;
  /**
   * Who owns the guardrail and error alarms, and the runbook.
   * @default - the endpoint's alarm ownership
   */
  readonly alarmOwnership?: AlarmOwnership;
  /**
   * Topic notified by the alarms.
   * @default - none
   */
  readonly alarmTopic?: sns.ITopic;
  /**
   * Role the function runs with, assumable by `lambda.amazonaws.com`; the experiment adds exactly
   * what it needs to it.
   * @default - a new role with exactly the experiment's permissions
   */
  readonly role?: iam.IRole;
}

/**
 * An online experiment on a SageMaker endpoint's A/B variants: control vs challenger on a primary
 * business metric, with guardrails and a pre-registered statistical design.
 *
 * - **Design** (`design`): sample sizes per arm and the planned runtime (`ExperimentMath.design`),
 *   rendered into the function's environment and logged with each run.
 * - **Guardrails** (`guardrailAlarms`): one owned alarm per guardrail on the challenger variant; its
 *   ALARM state (EventBridge, `CloudWatch Alarm State Change`) invokes the function, which stops the
 *   experiment at once: `UpdateEndpointWeightsAndCapacities` gives the control all of the two
 *   variants' weight and the challenger 0.
 * - **Analysis** (`analysisSchedule`, daily by default): the same function reads both variants' primary
 *   metric since the start with GetMetricData (an arm's units are the metric's SampleCount, its sum
 *   the Sum, for a MEAN its sum of squares the Sum of `<name>Squared`), runs `ExperimentMath.decide`
 *   (the decision `k8s.Experiment` runs too), and publishes `PValue`, `Estimate`, `Lower`, `Upper`,
 *   `Decision`, `DaysElapsed`, `ControlUnits` and `ChallengerUnits` in `CdkMlops/Experiment`
 *   (dimension `Experiment`). At a decision the winner gets all of the two variants' weight (the
 *   challenger when it wins, else the control).
 * - **Record** (`stateParameterName`): an SSM parameter the function alone writes, JSON: the start, the
 *   last p-value and, once decided, the result (`decision`, `pValue`, `estimate`, `lower`, `upper`,
 *   `reason`, both arms, the serving variant). Once it says FINISHED, every later run does nothing.
 *
 * The weights are changed on the endpoint, not in its config: a later deployment of a new endpoint
 * config restores the configured weights. Make the outcome permanent in code (the winner's weight)
 * before the next deploy; the runbook says so.
 */
export class Experiment extends Construct {
  /** The design: sample sizes per arm, planned runtime. */
  public readonly design: ExperimentDesign;
  /** The function running the analysis and the stop. */
  public readonly handler: lambda.Function;
  /** The role the function runs with (`role`, or the one made for it). */
  public readonly role: iam.IRole;
  /** The SSM parameter recording the experiment (written by the function only): `/cdk-mlops/experiments/<endpoint>/<name>`. */
  public readonly stateParameterName: string;
  /** One owned alarm per guardrail, in the order of `guardrails`. */
  public readonly guardrailAlarms: cloudwatch.Alarm[];
  /** The rule running the analysis. */
  public readonly analysisRule: events.Rule;
  /**
   * The rule on the guardrail alarms' ALARM state.
   * @default - none without guardrails
   */
  public readonly guardrailRule?: events.Rule;
  /** The function failed (a stop or an analysis did not complete): read its log. */
  public readonly errorAlarm: cloudwatch.Alarm;
  private readonly props: ExperimentProps;
  private readonly spec: ExperimentSpec;
  private readonly ownership: AlarmOwnership;

  constructor(scope: Construct, id: string, props: ExperimentProps) {
    super(scope, id);
    validateProps(this, awsExperimentSchema, this.plainProps(props));
    this.props = props;
    this.spec = specOf(props);
    this.design = ExperimentMath.design(this.spec);
    this.ownership = props.alarmOwnership ?? ownershipOf(props.endpoint.deploymentRollbackAlarm)!;
    // Under the endpoint's name (unique in the account and Region): two platforms may run experiments of one name.
    this.stateParameterName = `${STATE_PARAMETER_PREFIX}/${props.endpoint.endpointName}/${props.name}`;

    const key = new kms.Key(this, 'Key', {
      description: `Encrypts the function and logs of experiment ${props.name}`,
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    allowLogsToUseKey(key, Stack.of(this));
    const logGroup = new logs.LogGroup(this, 'Logs', { retention: logs.RetentionDays.ONE_YEAR, removalPolicy: RemovalPolicy.RETAIN, encryptionKey: key });
    this.role = props.role ?? new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Runs experiment ${props.name} on ${props.endpoint.endpointName}`,
    });
    this.guardrailAlarms = (props.guardrails ?? []).map((g) => ownedAlarm(this, guardrailAlarmSpec(g, {
      experiment: props.name,
      endpointName: props.endpoint.endpointName,
      controlVariant: props.controlVariant,
      challengerVariant: props.challengerVariant,
      metricsNamespace: props.metricsNamespace,
      ownership: this.ownership,
    }), props.alarmTopic));
    this.grantExperiment(logGroup);
    this.handler = this.createHandler(key, logGroup);
    const target = new targets.LambdaFunction(this.handler, { retryAttempts: LAMBDA_RETRY_ATTEMPTS, maxEventAge: LAMBDA_MAX_EVENT_AGE });
    this.analysisRule = new events.Rule(this, 'Analysis', {
      description: `Analyzes experiment ${props.name} on ${props.endpoint.endpointName}`,
      schedule: props.analysisSchedule ?? events.Schedule.rate(Duration.days(1)),
      targets: [target],
    });
    if (this.guardrailAlarms.length > 0) {
      this.guardrailRule = new events.Rule(this, 'OnGuardrailAlarm', {
        description: `Stops experiment ${props.name} when a guardrail alarm fires`,
        eventPattern: {
          source: ['aws.cloudwatch'],
          detailType: ['CloudWatch Alarm State Change'],
          resources: this.guardrailAlarms.map((a) => a.alarmArn),
          detail: { state: { value: ['ALARM'] } },
        },
        targets: [target],
      });
    }
    this.errorAlarm = ownedAlarm(this, {
      id: 'ErrorAlarm',
      metric: this.handler.metricErrors({ period: Duration.minutes(5) }),
      threshold: 0,
      comparison: ThresholdComparison.GREATER_THAN,
      evaluationPeriods: 1,
      datapointsToAlarm: 1,
      owner: this.ownership.owner,
      runbookUrl: this.ownership.runbookUrl,
      summary: `A run of experiment ${props.name} on ${props.endpoint.endpointName} failed (a stop or an analysis): read the function's log`,
    }, props.alarmTopic);
    this.node.addValidation({ validate: () => synthProblems(this, awsExperimentSchema, this.plainProps(props)) });
  }

  /**
   * The decision of each analysis (`Maximum`, one value a day by default): 0 CONTINUE,
   * 1 STOP_GUARDRAIL, 2 CHALLENGER_WINS, 3 CONTROL_WINS, 4 NO_DIFFERENCE.
   */
  public metricDecision(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('Decision', { statistic: 'Maximum', ...props });
  }

  /** The always-valid p-value of each analysis (`Minimum`). */
  public metricPValue(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('PValue', { statistic: 'Minimum', ...props });
  }

  /** The estimated difference challenger − control of each analysis (`Average`). */
  public metricEstimate(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('Estimate', { statistic: 'Average', ...props });
  }

  /** A metric the analysis publishes (`PValue`, `Estimate`, `Lower`, `Upper`, `Decision`, `DaysElapsed`, `ControlUnits`, `ChallengerUnits`). */
  public metric(metricName: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: EXPERIMENT_METRICS_NAMESPACE,
      metricName,
      dimensionsMap: { Experiment: this.props.name },
      period: Duration.days(1),
      ...props,
    });
  }

  /** The props as the schema sees them: the endpoint as its serving variants (names and weights). */
  private plainProps(props: ExperimentProps): Record<string, unknown> {
    return { ...props, endpoint: { variants: servingVariants(props.endpoint) } };
  }

  /** Exactly what one run does: its logs, the endpoint's weights, reading metrics and alarms, publishing, the record. */
  private grantExperiment(logGroup: logs.ILogGroup): void {
    const stack = Stack.of(this);
    const allow = (statement: iam.PolicyStatementProps) => this.role.addToPrincipalPolicy(new iam.PolicyStatement(statement));
    allow({ actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [logGroup.logGroupArn] });
    // SageMaker lowercases endpoint names in ARNs.
    const name = this.props.endpoint.endpointName;
    const endpointArn = stack.formatArn({
      service: 'sagemaker',
      resource: 'endpoint',
      resourceName: Token.isUnresolved(name) ? name : name.toLowerCase(),
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });
    allow({ actions: ['sagemaker:DescribeEndpoint', 'sagemaker:UpdateEndpointWeightsAndCapacities'], resources: [endpointArn] });
    // GetMetricData has no resource-level permissions (Service Authorization Reference, "Actions,
    // resources, and condition keys for Amazon CloudWatch": GetMetricData lists no resource type).
    allow({ actions: ['cloudwatch:GetMetricData'], resources: ['*'] });
    // PutMetricData has none either; the cloudwatch:namespace condition limits it to the experiments' namespace.
    allow({
      actions: ['cloudwatch:PutMetricData'],
      resources: ['*'],
      conditions: { StringEquals: { 'cloudwatch:namespace': EXPERIMENT_METRICS_NAMESPACE } },
    });
    acknowledgeWildcardResources(this.role, ['*'],
      `cloudwatch:GetMetricData has no resource-level permissions (it reads the variants' metrics); ${INHERENT_WILDCARD.putMetricData(EXPERIMENT_METRICS_NAMESPACE)}`);
    if (this.guardrailAlarms.length > 0) {
      allow({ actions: ['cloudwatch:DescribeAlarms'], resources: this.guardrailAlarms.map((a) => a.alarmArn) });
    }
    allow({
      actions: ['ssm:GetParameter', 'ssm:PutParameter'],
      resources: [stack.formatArn({ service: 'ssm', resource: 'parameter', resourceName: this.stateParameterName.replace(/^\//, ''), arnFormat: ArnFormat.SLASH_RESOURCE_NAME })],
    });
  }

  private createHandler(key: kms.IKey, logGroup: logs.ILogGroup): lambda.Function {
    const props = this.props;
    const stack = Stack.of(this);
    const handler = new lambda.Function(this, 'Handler', {
      description: `Runs experiment ${props.name} on ${props.endpoint.endpointName}: guardrail stops and the scheduled analysis`,
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      handler: 'index.handler',
      code: runtimeAssetCode('experiment'),
      role: this.role,
      logGroup,
      memorySize: 256,
      timeout: Duration.minutes(2),
      // One run at a time: a stop and an analysis never race for the record or the weights.
      reservedConcurrentExecutions: 1,
      retryAttempts: LAMBDA_RETRY_ATTEMPTS,
      maxEventAge: LAMBDA_MAX_EVENT_AGE,
      environmentEncryption: key,
      environment: {
        EXPERIMENT_SPEC: stack.toJsonString(this.spec),
        EXPERIMENT_DESIGN: stack.toJsonString(this.design),
        ENDPOINT_NAME: props.endpoint.endpointName,
        CONTROL_VARIANT: props.controlVariant,
        CHALLENGER_VARIANT: props.challengerVariant,
        METRICS_NAMESPACE: props.metricsNamespace,
        STATE_PARAMETER: this.stateParameterName,
        GUARDRAIL_ALARMS: stack.toJsonString(Lazy.any({
          produce: () => Object.fromEntries(this.guardrailAlarms.map((a, i) => [a.alarmName, props.guardrails![i].name])),
        })),
        ...(props.startTime ? { START_TIME: props.startTime } : {}),
      },
    });
    const policy = this.role.node.tryFindChild('DefaultPolicy')?.node.defaultChild as CfnResource | undefined;
    if (!this.props.role && policy) {
      // The function depends on its role through the ARN already; keep only the explicit dependency
      // on the role's policy (a DependsOn on the role too is redundant: cfn-lint W3005).
      (handler.node.defaultChild as lambda.CfnFunction).addOverride('DependsOn', [policy.logicalId]);
    }
    return handler;
  }
}

/** The core spec out of the props (what the function and `ExperimentMath` read). */
function specOf(props: ExperimentProps): ExperimentSpec {
  return canonicalExperimentSpec(props);
}

/** The endpoint's serving variants (names and initial weights), as its endpoint config renders them. */
function servingVariants(endpoint: GpuServingEndpoint): Array<{ name: unknown; weight: unknown }> {
  const config = endpoint.node.children.find((c): c is sagemaker.CfnEndpointConfig => c instanceof sagemaker.CfnEndpointConfig);
  const variants: any[] = config ? Stack.of(endpoint).resolve(config.productionVariants) ?? [] : [];
  return variants.map((v) => ({ name: v.variantName, weight: v.initialVariantWeight }));
}
