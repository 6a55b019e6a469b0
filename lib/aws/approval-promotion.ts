import { createHash } from 'crypto';
import { ArnFormat, Aspects, CfnParameter, CfnResource, DefaultStackSynthesizer, Duration, Fn, IAspect, Lazy, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { RegionInfo } from 'aws-cdk-lib/region-info';
import { Construct, IConstruct } from 'constructs';
import { IModelRegistry, ModelRegistry } from './model-registry';
import { ownedAlarm } from './private/alarms';
import { eventAlarm } from './private/event-alarm';
import { allowLogsToUseKey } from './private/logs-key';
import { INHERENT_WILDCARD, acknowledgeWildcardResources } from './private/nag';
import { runtimeAssetCode } from './private/runtime-asset';
import { validateProps } from './private/validate';
import { secondsOf } from '../core/duration';
import { Lineage } from '../core/lineage';
import { modelPackageVersionArnPattern } from '../core/model-package';
import { AlarmOwnership, ThresholdComparison } from '../core/rollback';
import { endpointsRollbackPattern, stackRollbackPattern } from '../core/rollback-events';
import {
  approvalPromotionSchema,
  DEFAULT_DEPLOYMENT_LIMIT_SECONDS,
  DEPLOYMENT_WAIT_MARGIN_SECONDS,
  modelPackageParameterSchema,
} from '../core/schemas/approval-promotion';
import { validateOrThrow } from '../core/validation';
import { addWarning } from '../core/warnings';


/**
 * How long one invocation waits for a stack update in progress (a CI deploy, an earlier promotion)
 * before it requeues the approval to the function (an asynchronous Invoke of itself carrying the
 * deadline), until the approval's deployment wait has passed.
 *
 * The arithmetic of waiting out a deployment (issue 12, finding 11). The deployment wait W is the
 * serving stack's longest endpoint deployment (`MaximumExecutionTimeoutInSeconds`, after which
 * SageMaker stops and rolls back: SageMaker API reference, BlueGreenUpdatePolicy) plus
 * `DEPLOYMENT_WAIT_MARGIN_SECONDS` for CloudFormation's own work (`deploymentWait`, derived at synth).
 * - One invocation waits at most `BUSY_WAIT_SECONDS` (600 s) within its 720 s timeout, under
 *   Lambda's 900 s maximum (Lambda developer guide, "Configure Lambda function timeout"); the
 *   approval is requeued at most ceil(W / 600) times (e.g. W = 3,000 + 900 s: 7 invocations).
 * - Lambda's asynchronous retries (2: one, then two minutes later) and event age (6 hours) apply to
 *   each invocation (Lambda developer guide, "How Lambda handles errors and retries with asynchronous
 *   invocation"): they cover errors, not the wait. A requeued event waits in the function's queue
 *   while another approval holds the one reserved execution, at most the 6 hours.
 * - EventBridge's retry policy (at most 185 attempts in 24 hours: Amazon EventBridge user guide,
 *   "How EventBridge retries delivering events") covers only delivering the event into Lambda's
 *   asynchronous queue: EventBridge invokes Lambda asynchronously, so a function error is Lambda's
 *   to retry. On its own, Lambda could wait 3 × 900 s + 3 minutes, about 48 minutes: less than a
 *   50-minute canary, hence the requeue.
 */
const BUSY_WAIT_SECONDS = 600;

/** What the handler needs besides the wait: two describes, the record and one UpdateStack call. */
const HANDLER_TIMEOUT = Duration.seconds(BUSY_WAIT_SECONDS + 120);

/** A SageMaker tag key holds at most 128 characters (SageMaker API reference, Tag). */
const MAX_TAG_KEY_LENGTH = 128;

/**
 * Lambda's asynchronous retries of a failed promotion (its maximum), and how long an event may wait
 * for the single concurrent execution (throttled events are retried by Lambda for up to six hours).
 * Source: AWS Lambda developer guide, "How Lambda handles errors and retries with asynchronous invocation".
 */
const LAMBDA_RETRY_ATTEMPTS = 2;
const LAMBDA_MAX_EVENT_AGE = Duration.hours(6);

/**
 * EventBridge's retries of a failed delivery to the function (its maxima: 185 attempts, 24 hours).
 * Source: Amazon EventBridge user guide, "How EventBridge retries delivering events".
 */
const EVENTBRIDGE_RETRY_ATTEMPTS = 185;
const EVENTBRIDGE_MAX_EVENT_AGE = Duration.hours(24);

/** Properties of an `ApprovalPromotion`. */
export interface ApprovalPromotionProps {
  /** The registry whose approved model package versions are deployed. */
  readonly registry: IModelRegistry;

  /**
   * The serving stack's parameter holding the ARN of the model package version it serves (see
   * `ApprovalPromotion.modelPackageParameter`); the endpoint's model is
   * `ModelSource.fromModelPackageArn(registry, parameter.valueAsString)`.
   */
  readonly modelPackageParameter: CfnParameter;

  /** Who owns the promotion's alarms and where the runbook is. */
  readonly alarmOwnership: AlarmOwnership;

  /**
   * The stack the approved versions are deployed to: the one holding `modelPackageParameter`.
   * It must be in the account and region of this construct.
   * @default - the stack of this construct
   */
  readonly servingStack?: Stack;

  /**
   * Topic notified by the alarms.
   * @default - none
   */
  readonly alarmTopic?: sns.ITopic;

  /**
   * `CustomerMetadataProperties` keys an approved package must carry (non-empty) to be deployed.
   * @default - the lineage contract's keys (`Lineage.metadataKeys()`)
   */
  readonly requiredLineageKeys?: string[];

  /**
   * Deploy a version older than the one serving when it is (re-)approved after the serving stack's
   * last update: approving an earlier version becomes the way to roll back. Off, such an approval
   * is refused (the error alarm fires) and a rollback is an explicit `cdk deploy --parameters`.
   * An older version approved before the stack's last update is always ignored (it was overtaken).
   * @default false
   */
  readonly allowRollbackToOlderVersion?: boolean;

  /**
   * How long an approval waits for a busy serving stack (a deployment in progress, a CI deploy)
   * before it is given up (the error alarm fires and its event ends in the dead-letter queue).
   * The function waits ten minutes at a time and requeues the approval to itself in between.
   * @default - the longest `MaximumExecutionTimeoutInSeconds` of the serving stack's endpoints (read
   * at synthesis; an hour when none names one), plus 15 minutes for CloudFormation's own work
   */
  readonly deploymentWait?: Duration;

  /**
   * The role CloudFormation updates the serving stack with (passed to `UpdateStack` as `RoleARN`).
   * @default - the serving stack's `DefaultStackSynthesizer` CloudFormation execution role (the
   * role `cdk deploy` uses); required with any other synthesizer
   */
  readonly cloudFormationExecutionRole?: iam.IRole;

  /**
   * Role the promotion function runs with, assumable by `lambda.amazonaws.com`; the promotion adds
   * exactly what one promotion does to it (`addToPrincipalPolicy`).
   * @default - a new role with exactly the promotion's permissions
   */
  readonly role?: iam.IRole;

  /**
   * VPC the function runs in (it calls SageMaker and CloudFormation: give it a NAT or endpoints).
   * @default - no VPC
   */
  readonly vpc?: ec2.IVpc;

  /**
   * Subnets of `vpc` the function runs in.
   * @default - the private subnets of `vpc` (lambda.Function's default)
   */
  readonly vpcSubnets?: ec2.SubnetSelection;

  /**
   * Security groups of the function in `vpc` (at most 5).
   * @default - a new group allowing only HTTPS out
   */
  readonly securityGroups?: ec2.ISecurityGroup[];
}

/**
 * An approval of a model package deploys it through the endpoint's rollout policy.
 *
 * How it works: the serving stack takes the ARN of the model package version it serves as a
 * CloudFormation parameter (`ApprovalPromotion.modelPackageParameter`), which the endpoint serves
 * (`ModelSource.fromModelPackageArn(registry, parameter.valueAsString)`). When a version of the
 * registry's group becomes `Approved` (EventBridge, `IModelRegistry.onApproved`), a function checks it
 * (still approved, lineage metadata present, not older than what serves) and calls CloudFormation
 * `UpdateStack` on the serving stack with its previous template, the parameter set to the approved
 * ARN and every other parameter kept. CloudFormation replaces the SageMaker Model and
 * EndpointConfig and updates the Endpoint through its `DeploymentConfig`: the blue/green canary
 * (or linear) rollout with auto-rollback alarms. CloudFormation stays the record of what serves:
 * `cdk deploy` keeps a parameter's previous value (the CLI's `--previous-parameters`, on by
 * default), so later deploys keep the promoted version.
 *
 * On auto-rollback: when a rollback alarm fires during the deployment, SageMaker shifts traffic
 * back to the old fleet and fails the update. Whether CloudFormation then fails and rolls the stack
 * back (parameter included) is not verified against a live account, so either answer is made safe:
 * the function also receives the serving stack's endpoint rollback events (`endpointRule`) and,
 * once the stack is no longer busy, does nothing when the stack rolled back itself
 * (`UPDATE_ROLLBACK_COMPLETE`); otherwise it reads what the endpoint serves (DescribeEndpoint,
 * DescribeEndpointConfig, DescribeModel: the container's `ModelPackageName`) and, when the parameter
 * names another version, updates the stack back to the serving one (outcome `RECONCILED`) and
 * records the refused approval as acted on, so a repeated event of it is not deployed again (a new
 * approval, rejected then approved, is). What cannot be read fails the function (error alarm). The
 * endpoint's rollback alarms page their owners; the refused version stays `Approved` in the
 * registry until someone rejects it.
 *
 * Repeated events: SageMaker may send several events for one state change, and EventBridge and
 * Lambda deliver at least once. Each approval the function acted on (the version and the package's
 * `LastModifiedTime`) is recorded in a tag of the model package group (`recordTagKey`): the same
 * approval again is a no-op (also after a rollback, when the stack again serves the old version);
 * a rejection followed by a new approval deploys again; an approval overtaken by a later approval
 * of a newer version is ignored.
 *
 * Concurrency: CloudFormation rejects an update while another is in progress. The function runs
 * one promotion at a time (reserved concurrency 1), waits up to ten minutes for a busy stack, then
 * requeues the approval to itself until `deploymentWait` (by default the serving stack's longest
 * deployment limit plus 15 minutes) has passed, and then fails, so Lambda retries it twice; an
 * approval that still cannot be deployed, or that is refused, ends in the dead-letter queue (its
 * alarm fires). To redrive an approval, invoke the function with the queued message's body.
 *
 * Trust: the function can update the serving stack with the CloudFormation execution role (the
 * `iam:PassRole` grant is limited to that role and to CloudFormation), so it is as powerful on
 * that one stack as its deployments; it reads only the group's model packages.
 */
export class ApprovalPromotion extends Construct {
  /**
   * A parameter for the serving stack holding the ARN of the model package version it serves:
   * type String, default the initial version's ARN, and an `AllowedPattern` accepting only
   * versions of the registry's group in the stack's account and region. Needs a stack with a
   * concrete account and region, and a concrete group name (a default cannot hold tokens).
   *
   * @param scope the serving stack (or a construct in it)
   * @param id the parameter's id (its logical id when `scope` is the stack)
   * @param registry the registry whose versions the stack serves
   * @param initialVersion the version served until the first promotion
   */
  public static modelPackageParameter(scope: Construct, id: string, registry: IModelRegistry, initialVersion: number): CfnParameter {
    const stack = Stack.of(scope);
    const group = registry.modelPackageGroupName;
    validateOrThrow(`${scope.node.path}/${id}`, modelPackageParameterSchema, {
      initialVersion,
      region: stack.region,
      account: stack.account,
      modelPackageGroupName: group,
    }, (v) => v !== undefined && v !== null && Token.isUnresolved(v));
    // A region the installed region-info does not know yet is in the commercial partition.
    const partition = RegionInfo.get(stack.region).partition ?? 'aws';
    return new CfnParameter(scope, id, {
      type: 'String',
      default: `arn:${partition}:sagemaker:${stack.region}:${stack.account}:model-package/${group}/${initialVersion}`,
      allowedPattern: modelPackageVersionArnPattern({ group, region: stack.region, account: stack.account }),
      constraintDescription: `must be the ARN of a version of the ${group} model package group in ${stack.account}/${stack.region}`,
      description: `ARN of the ${group} model package version served. Set by the promotion on approval; cdk deploy keeps the current value (--parameters to override).`,
    });
  }

  /**
   * The model package group's tag key recording the approvals the function acted on (see the
   * runtime's promote.ts): `cdk-mlops:promotion:<serving stack>/<parameter>`.
   */
  public readonly recordTagKey: string;
  /** The promotion function. */
  public readonly handler: lambda.Function;
  /** The role the function runs with (`role`, or the one made for it). */
  public readonly role: iam.IRole;
  /**
   * Security groups of the function.
   * @default - none outside a VPC
   */
  public readonly securityGroups?: ec2.ISecurityGroup[];
  /** The rule on approvals of the registry's group. */
  public readonly rule: events.Rule;
  /**
   * The rule on the serving stack's endpoint events saying a deployment was rolled back or failed
   * (the endpoints with a name known at synthesis, of the serving stack and its nested stacks): the
   * function reconciles `modelPackageParameter` with the version the endpoint serves.
   */
  public readonly endpointRule: events.Rule;
  /** Approvals that were not deployed (refused, stack busy too long, undeliverable), as their events. */
  public readonly deadLetterQueue: sqs.Queue;
  /** The function fails: an approval was refused or could not be deployed yet. */
  public readonly errorAlarm: cloudwatch.Alarm;
  /** An approval waits in the dead-letter queue. */
  public readonly deadLetterAlarm: cloudwatch.Alarm;
  /**
   * Fires when the serving stack rolls an update back (`UPDATE_ROLLBACK_COMPLETE` or `_FAILED`):
   * `modelPackageParameter` is back to the version before, whatever the update was (a promotion, a
   * deploy). The endpoint's own `deploymentRollbackAlarm` says SageMaker rolled back; this, that
   * CloudFormation did.
   */
  public readonly servingStackRollbackAlarm: cloudwatch.Alarm;
  private readonly props: ApprovalPromotionProps;
  private readonly serving: Stack;
  private readonly group: string;
  /** The role CloudFormation updates the serving stack with. */
  private readonly cloudFormationRoleArn: string;

  constructor(scope: Construct, id: string, props: ApprovalPromotionProps) {
    super(scope, id);
    this.serving = props.servingStack ?? Stack.of(this);
    validateProps(this, approvalPromotionSchema, this.plainProps(props));
    if (props.modelPackageParameter.allowedPattern === undefined) {
      addWarning(
        this,
        'cdk-mlops:approval-promotion:no-allowed-pattern',
        'modelPackageParameter has no AllowedPattern: any value can be deployed; create it with ApprovalPromotion.modelPackageParameter.',
      );
    }
    this.props = props;
    this.group = props.registry.modelPackageGroupName;
    this.recordTagKey = Lazy.string({
      produce: () => recordTagKeyOf(this.serving.stackName, this.serving.resolve(props.modelPackageParameter.logicalId)),
    });
    const synthesizer = this.serving.synthesizer;
    // The execution role's ARN holds ${AWS::Partition} (and ${AWS::AccountId}/${AWS::Region} for an
    // environment-agnostic stack): Fn::Sub resolves them in this stack, which is in the same environment.
    // Without a given role the schema has checked that the synthesizer is a DefaultStackSynthesizer.
    this.cloudFormationRoleArn = props.cloudFormationExecutionRole?.roleArn
      ?? Fn.sub((synthesizer as DefaultStackSynthesizer).cloudFormationExecutionRoleArn);

    const key = new kms.Key(this, 'Key', {
      description: `Encrypts the promotion of approved ${this.group} versions to ${this.serving.stackName}`,
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    allowLogsToUseKey(key, Stack.of(this));
    const logGroup = new logs.LogGroup(this, 'Logs', { retention: logs.RetentionDays.ONE_YEAR, removalPolicy: RemovalPolicy.RETAIN, encryptionKey: key });
    this.role = props.role ?? new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Deploys approved ${this.group} versions to the ${this.serving.stackName} stack`,
    });
    this.grantPromotion(logGroup);
    this.deadLetterQueue = this.createDeadLetterQueue();
    this.securityGroups = props.vpc ? (props.securityGroups ?? [this.createSecurityGroup(props.vpc)]) : undefined;
    this.handler = this.createHandler(key, logGroup);
    this.rule = this.createRule();
    this.endpointRule = this.createEndpointRule();
    [this.errorAlarm, this.deadLetterAlarm] = this.createAlarms();
    this.servingStackRollbackAlarm = eventAlarm(this, {
      id: 'ServingStackRollback',
      description: `Updates of the serving stack of ${this.group} rolled back`,
      pattern: this.servingStackPattern(),
      summary: `The serving stack ${this.serving.stackName} rolled an update back: ${this.group} serves the version before it`,
      owner: props.alarmOwnership.owner,
      runbookUrl: props.alarmOwnership.runbookUrl,
    }, props.alarmTopic).alarm;
  }

  /**
   * The serving stack's rollbacks: by its id when it is this stack or one this stack is nested in (a
   * parameter carries a parent's id), else by its name's ARN prefix, which needs no reference across stacks.
   */
  private servingStackPattern() {
    const here = Stack.of(this);
    if (updatedWith(here, this.serving)) {
      return stackRollbackPattern(this.serving.stackId);
    }
    return stackRollbackPattern(here.formatArn({ service: 'cloudformation', resource: 'stack', resourceName: `${this.serving.stackName}/` }), true);
  }

  /** The props as the schema sees them: the parameter and the serving stack as facts, deploy-time values left out. */
  private plainProps(props: ApprovalPromotionProps): Record<string, unknown> {
    const here = Stack.of(this);
    const serving = this.serving;
    const concrete = (v: string) => (Token.isUnresolved(v) ? undefined : v);
    return {
      ...props,
      // A deploy-time wait made in seconds is kept as is; one made in minutes is refused (it cannot be converted).
      deploymentWait: secondsOf(props.deploymentWait),
      modelPackageParameter: { type: props.modelPackageParameter.type, stack: Stack.of(props.modelPackageParameter).node.path },
      servingStack: {
        path: serving.node.path,
        nested: serving.nested,
        account: concrete(serving.account),
        region: concrete(serving.region),
        promotionAccount: concrete(here.account),
        promotionRegion: concrete(here.region),
        synthesizer: serving.synthesizer.constructor.name,
        namesExecutionRole: serving.synthesizer instanceof DefaultStackSynthesizer,
      },
    };
  }

  /** Exactly what one promotion does: its logs, the group's packages, the serving stack, passing the CloudFormation role, SSM. */
  private grantPromotion(logGroup: logs.ILogGroup): void {
    const stack = Stack.of(this);
    const serving = this.serving;
    const allow = (statement: iam.PolicyStatementProps) => this.role.addToPrincipalPolicy(new iam.PolicyStatement(statement));
    allow({ actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [logGroup.logGroupArn] });
    const packages = stack.formatArn({ service: 'sagemaker', resource: 'model-package', resourceName: `${this.group}/*`, arnFormat: ArnFormat.SLASH_RESOURCE_NAME });
    allow({ actions: ['sagemaker:DescribeModelPackage'], resources: [packages] });
    acknowledgeWildcardResources(this.role, [packages], INHERENT_WILDCARD.MODEL_PACKAGES);
    // The record of approvals acted on: one tag of the group, read and written (only that key:
    // SageMaker's AddTags takes the aws:TagKeys condition, Service Authorization Reference,
    // "Actions, resources, and condition keys for Amazon SageMaker AI").
    const groupArn = stack.formatArn({ service: 'sagemaker', resource: 'model-package-group', resourceName: this.group, arnFormat: ArnFormat.SLASH_RESOURCE_NAME });
    allow({ actions: ['sagemaker:ListTags'], resources: [groupArn] });
    allow({ actions: ['sagemaker:AddTags'], resources: [groupArn], conditions: { 'ForAllValues:StringEquals': { 'aws:TagKeys': [this.recordTagKey] } } });
    const servingStackArn = serving === stack ? stack.stackId : stack.formatArn({ service: 'cloudformation', resource: 'stack', resourceName: `${serving.stackName}/*` });
    allow({
      actions: ['cloudformation:DescribeStacks', 'cloudformation:UpdateStack'],
      // Its own stack by id; another by name (the id's suffix is assigned when the stack is created).
      resources: [servingStackArn],
    });
    acknowledgeWildcardResources(this.role, [servingStackArn], 'A stack\'s ARN ends in the unique id CloudFormation gives it at creation; the pattern names the serving stack.');
    // The role is what CloudFormation updates the stack with; passing it (even the one already
    // associated with the stack) needs iam:PassRole (CloudFormation user guide, "CloudFormation service role").
    allow({
      actions: ['iam:PassRole'],
      resources: [this.cloudFormationRoleArn],
      conditions: { StringEquals: { 'iam:PassedToService': 'cloudformation.amazonaws.com' } },
    });
    this.grantSsmParameters();
    this.grantEndpointReads();
    if (this.props.vpc) {
      // A function in a VPC manages its network interfaces (what AWSLambdaVPCAccessExecutionRole
      // grants); these EC2 actions have no resource-level permissions for that use.
      allow({
        actions: ['ec2:CreateNetworkInterface', 'ec2:DescribeNetworkInterfaces', 'ec2:DescribeSubnets', 'ec2:DeleteNetworkInterface', 'ec2:AssignPrivateIpAddresses', 'ec2:UnassignPrivateIpAddresses'],
        resources: ['*'],
      });
      acknowledgeWildcardResources(this.role, ['*'], INHERENT_WILDCARD.VPC_NETWORK_INTERFACES);
    }
  }

  /**
   * The serving stack's endpoints with a name known at synthesis (of the stack and of its nested
   * stacks, whatever construct made them), in tree order: their rollback events are reconciled.
   */
  private servingEndpointNames(): string[] {
    const names = this.serving.node.findAll()
      .filter((c): c is sagemaker.CfnEndpoint => c instanceof sagemaker.CfnEndpoint && updatedWith(Stack.of(c), this.serving))
      .map((endpoint) => endpoint.endpointName)
      .filter((name): name is string => typeof name === 'string' && !Token.isUnresolved(name));
    return [...new Set(names)];
  }

  /**
   * What the reconcile reads (`endpointRule`), added at synthesis when the serving stack has named
   * endpoints: DescribeEndpoint on exactly those, DescribeEndpointConfig and DescribeModel on the
   * configs and models CloudFormation made in the serving stack or its nested stacks (their names are
   * generated, so by the `aws:cloudformation:stack-name` tag CloudFormation adds: CloudFormation user
   * guide, "Resource tag"; SageMaker's resources take `aws:ResourceTag`, Service Authorization
   * Reference, "Actions, resources, and condition keys for Amazon SageMaker AI").
   */
  private grantEndpointReads(): void {
    const stack = Stack.of(this);
    const serving = this.serving;
    const self: IConstruct = this;
    const outer = this;
    Aspects.of(this).add(new (class implements IAspect {
      private done = false;
      public visit(node: IConstruct): void {
        if (this.done || node !== self) {
          return;
        }
        this.done = true;
        const names = outer.servingEndpointNames();
        if (names.length === 0) {
          return;
        }
        const arn = (resource: string, resourceName: string) =>
          stack.formatArn({ service: 'sagemaker', resource, resourceName, arnFormat: ArnFormat.SLASH_RESOURCE_NAME });
        // SageMaker lowercases endpoint names in ARNs.
        outer.role.addToPrincipalPolicy(new iam.PolicyStatement({
          actions: ['sagemaker:DescribeEndpoint'],
          resources: names.map((name) => arn('endpoint', name.toLowerCase())),
        }));
        outer.role.addToPrincipalPolicy(new iam.PolicyStatement({
          actions: ['sagemaker:DescribeEndpointConfig', 'sagemaker:DescribeModel'],
          resources: [arn('endpoint-config', '*'), arn('model', '*')],
          // A nested stack's name is `<parent>-<logical id>-<suffix>`.
          conditions: { StringLike: { 'aws:ResourceTag/aws:cloudformation:stack-name': [serving.stackName, `${serving.stackName}-*`] } },
        }));
        acknowledgeWildcardResources(outer.role, [arn('endpoint-config', '*'), arn('model', '*')],
          'CloudFormation names the serving stack\'s endpoint configs and models; a condition on its aws:cloudformation:stack-name tag limits the reads to that stack\'s.');
      }
    })());
  }

  /**
   * CloudFormation resolves SSM parameter types (the CDK's BootstrapVersion) again on every update,
   * with the caller's credentials: the CDK bootstrap grants its deploy role ssm:GetParameters on the
   * version parameter for this ("CreateChangeSet uses this to evaluate any SSM parameters").
   * The names are read at synthesis, so a parameter added to the serving stack after this
   * construct is granted too: the resources are a `Lazy` list where the bootstrap version parameter
   * makes the statement certain, else the statement is added at synthesis (an aspect) when any
   * parameter needs it.
   */
  private grantSsmParameters(): void {
    const stack = Stack.of(this);
    const serving = this.serving;
    const synthesizer = serving.synthesizer instanceof DefaultStackSynthesizer ? serving.synthesizer : undefined;
    const qualifier = synthesizer?.bootstrapQualifier;
    const names = (): string[] => {
      const all = new Set(ssmParameterNames(serving));
      if (qualifier !== undefined) {
        all.add(DefaultStackSynthesizer.DEFAULT_BOOTSTRAP_STACK_VERSION_SSM_PARAMETER.replace('${Qualifier}', qualifier));
      }
      return [...all];
    };
    const arns = (): string[] => names().map((name) =>
      stack.formatArn({ service: 'ssm', resource: 'parameter', resourceName: name.replace(/^\//, ''), arnFormat: ArnFormat.SLASH_RESOURCE_NAME }));
    const grant = (resources: string[]) => this.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['ssm:GetParameters'], resources }));
    if (qualifier !== undefined) {
      // One value standing for the list, so that one ARN renders as a string, as a known list would.
      grant([Token.asString(Lazy.any({ produce: () => (arns().length === 1 ? arns()[0] : arns()) }))]);
      return;
    }
    // Visiting this construct (a given role may live elsewhere, outside the aspect's reach).
    const self: IConstruct = this;
    Aspects.of(this).add(new (class implements IAspect {
      private done = false;
      public visit(node: IConstruct): void {
        if (!this.done && node === self) {
          this.done = true;
          const resources = arns();
          if (resources.length > 0) {
            grant(resources);
          }
        }
      }
    })());
  }

  /**
   * Encrypted with a key of its own: Lambda delivers failed invocations with the function's role
   * (granted with the queue), EventBridge undeliverable events under the key policy below. The
   * policy names the account's rules by pattern: naming this rule would make a dependency cycle
   * (key → rule → function → role policy → key), and the queue policy already limits senders to it.
   */
  private createDeadLetterQueue(): sqs.Queue {
    const stack = Stack.of(this);
    const deadLetterKey = new kms.Key(this, 'DeadLetterKey', {
      description: `Encrypts the approvals of ${this.group} versions that could not be deployed`,
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    deadLetterKey.addToResourcePolicy(new iam.PolicyStatement({
      principals: [new iam.ServicePrincipal('events.amazonaws.com')],
      actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
      resources: ['*'],
      conditions: {
        StringEquals: { 'aws:SourceAccount': stack.account },
        ArnLike: { 'aws:SourceArn': stack.formatArn({ service: 'events', resource: 'rule', resourceName: '*' }) },
      },
    }));
    const queue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: deadLetterKey,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    // Lambda's asynchronous dead-letter delivery sends with the function's role: it encrypts to the key.
    deadLetterKey.grant(this.role, 'kms:GenerateDataKey', 'kms:Decrypt');
    return queue;
  }

  /** The function reaches SageMaker and CloudFormation over HTTPS only. */
  private createSecurityGroup(vpc: ec2.IVpc): ec2.SecurityGroup {
    const group = new ec2.SecurityGroup(this, 'SecurityGroup', { vpc, description: `The promotion of ${this.group}: HTTPS out only`, allowAllOutbound: false });
    group.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'HTTPS to SageMaker and CloudFormation');
    return group;
  }

  private createHandler(key: kms.IKey, logGroup: logs.ILogGroup): lambda.Function {
    const props = this.props;
    const handler = new lambda.Function(this, 'Handler', {
      description: `Deploys approved versions of the ${this.group} model package group to the ${this.serving.stackName} stack`,
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      handler: 'index.handler',
      code: runtimeAssetCode('promotion'),
      role: this.role,
      logGroup,
      memorySize: 256,
      timeout: HANDLER_TIMEOUT,
      // One promotion at a time: two approvals never race for the stack.
      reservedConcurrentExecutions: 1,
      retryAttempts: LAMBDA_RETRY_ATTEMPTS,
      maxEventAge: LAMBDA_MAX_EVENT_AGE,
      deadLetterQueue: this.deadLetterQueue,
      environmentEncryption: key,
      environment: {
        STACK_NAME: this.serving.stackName,
        PARAMETER_NAME: props.modelPackageParameter.logicalId,
        MODEL_PACKAGE_GROUP_NAME: this.group,
        REQUIRED_LINEAGE_KEYS: (props.requiredLineageKeys ?? Lineage.metadataKeys()).join(','),
        CLOUDFORMATION_ROLE_ARN: this.cloudFormationRoleArn,
        ALLOW_ROLLBACK: String(props.allowRollbackToOlderVersion ?? false),
        BUSY_WAIT_SECONDS: String(BUSY_WAIT_SECONDS),
        DEPLOYMENT_WAIT_SECONDS: Lazy.string({ produce: () => String(this.deploymentWaitSeconds()) }),
        RECORD_TAG_KEY: this.recordTagKey,
        ENDPOINT_NAMES: Lazy.string({ produce: () => this.servingEndpointNames().join(',') }),
      },
      // The requeue is a loop by design, bounded by the deadline it carries (at most
      // ceil(deploymentWait / BUSY_WAIT_SECONDS) invocations per approval): Lambda's recursive loop
      // detection would stop a long wait after about 16 (Lambda developer guide, "Use Lambda
      // recursive loop detection to prevent infinite loops").
      recursiveLoop: lambda.RecursiveLoop.ALLOW,
      vpc: props.vpc,
      vpcSubnets: props.vpcSubnets,
      securityGroups: this.securityGroups,
    });
    const policy = this.role.node.tryFindChild('DefaultPolicy')?.node.defaultChild as CfnResource | undefined;
    if (!props.role && policy) {
      // The function depends on its role through the ARN already; keep only the explicit dependency
      // on the role's policy (a DependsOn on the role too is redundant: cfn-lint W3005).
      (handler.node.defaultChild as lambda.CfnFunction).addOverride('DependsOn', [policy.logicalId]);
    }
    // The requeue invokes the function itself: a policy of its own, as the function depends on the
    // role's default policy (naming the function there would be a dependency cycle).
    new iam.Policy(this, 'RequeuePolicy', {
      roles: [this.role],
      statements: [new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [handler.functionArn] })],
    });
    return handler;
  }

  /**
   * `deploymentWait`, or the serving stack's longest endpoint deployment limit plus the margin (read
   * at synthesis from every `AWS::SageMaker::Endpoint` of the stack and of its nested stacks, which
   * its update updates too, whatever construct made it).
   */
  private deploymentWaitSeconds(): number {
    if (this.props.deploymentWait !== undefined) {
      return this.props.deploymentWait.toSeconds();
    }
    const limits = this.serving.node.findAll()
      .filter((c): c is sagemaker.CfnEndpoint => c instanceof sagemaker.CfnEndpoint && updatedWith(Stack.of(c), this.serving))
      .map((endpoint) => {
        const config = this.serving.resolve(endpoint.deploymentConfig) ?? {};
        return config.blueGreenUpdatePolicy?.maximumExecutionTimeoutInSeconds ?? config.rollingUpdatePolicy?.maximumExecutionTimeoutInSeconds;
      })
      .filter((limit): limit is number => typeof limit === 'number');
    return (limits.length > 0 ? Math.max(...limits) : DEFAULT_DEPLOYMENT_LIMIT_SECONDS) + DEPLOYMENT_WAIT_MARGIN_SECONDS;
  }

  /**
   * The rule lives here (the registry imported by name into this construct), so the rule, the
   * function's permission and the queue's policy never refer to each other across stacks.
   */
  private createRule(): events.Rule {
    const registry = ModelRegistry.fromModelRegistryAttributes(this, 'Registry', { modelPackageGroupName: this.group });
    return registry.onApproved('OnApproved', {
      description: `Deploys approved versions of ${this.group} to the ${this.serving.stackName} stack`,
      target: new targets.LambdaFunction(this.handler, {
        deadLetterQueue: this.deadLetterQueue,
        retryAttempts: EVENTBRIDGE_RETRY_ATTEMPTS,
        maxEventAge: EVENTBRIDGE_MAX_EVENT_AGE,
      }),
    });
  }

  /**
   * The serving stack's endpoint rollback events, to the same function and dead-letter queue (the
   * endpoints are read at synthesis: an endpoint added after this construct counts too).
   */
  private createEndpointRule(): events.Rule {
    const rule = new events.Rule(this, 'OnEndpointRollback', {
      description: `Reconciles the ${this.serving.stackName} stack's ${this.group} version with what its endpoints serve after a rollback`,
      // Rendered at synthesis below; this part keeps the Rule's own validation content.
      eventPattern: { source: ['aws.sagemaker'] },
      targets: [new targets.LambdaFunction(this.handler, {
        deadLetterQueue: this.deadLetterQueue,
        retryAttempts: EVENTBRIDGE_RETRY_ATTEMPTS,
        maxEventAge: EVENTBRIDGE_MAX_EVENT_AGE,
      })],
    });
    (rule.node.defaultChild as events.CfnRule).addPropertyOverride('EventPattern', Lazy.any({ produce: () => endpointsRollbackPattern(this.servingEndpointNames()) }));
    return rule;
  }

  private createAlarms(): [cloudwatch.Alarm, cloudwatch.Alarm] {
    const own = this.props.alarmOwnership;
    const period = Duration.minutes(5);
    // Any failure, any waiting approval: one datapoint above zero.
    const common = {
      threshold: 0,
      comparison: ThresholdComparison.GREATER_THAN,
      evaluationPeriods: 1,
      datapointsToAlarm: 1,
      owner: own.owner,
      runbookUrl: own.runbookUrl,
    };
    const target = this.serving.stackName;
    const errorAlarm = ownedAlarm(
      this,
      {
        id: 'ErrorAlarm',
        metric: this.handler.metricErrors({ period }),
        ...common,
        summary: `A promotion of an approved ${this.group} version to ${target} failed (refused, stack busy or error): read the function's log`,
      },
      this.props.alarmTopic,
    );
    const deadLetterAlarm = ownedAlarm(
      this,
      {
        id: 'DeadLetterAlarm',
        metric: this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period, statistic: 'Maximum' }),
        ...common,
        summary: `An approved ${this.group} version was not deployed to ${target}: its event waits in the dead-letter queue (redrive or discard it)`,
      },
      this.props.alarmTopic,
    );
    return [errorAlarm, deadLetterAlarm];
  }
}

/**
 * The record's tag key: `cdk-mlops:promotion:<stack>/<parameter>`, or, past a tag key's 128
 * characters, the stack's name cut and a hash of both to keep it unique.
 */
function recordTagKeyOf(stackName: string, parameterName: string): string {
  const key = `cdk-mlops:promotion:${stackName}/${parameterName}`;
  if (key.length <= MAX_TAG_KEY_LENGTH) {
    return key;
  }
  const hash = createHash('sha256').update(`${stackName}/${parameterName}`).digest('hex').slice(0, 16);
  return `${key.slice(0, MAX_TAG_KEY_LENGTH - hash.length - 1)}-${hash}`;
}

/** Whether an update of `serving` updates `stack`: the stack itself or one nested in it. */
function updatedWith(stack: Stack, serving: Stack): boolean {
  for (let s: Stack | undefined = stack; s !== undefined; s = s.nestedStackParent) {
    if (s === serving) {
      return true;
    }
  }
  return false;
}

/** Names of the stack's parameters of an SSM parameter type (with a concrete default), in tree order. */
function ssmParameterNames(stack: Stack): string[] {
  return stack.node
    .findAll()
    .filter((c): c is CfnParameter => c instanceof CfnParameter && Stack.of(c) === stack && c.type.startsWith('AWS::SSM::Parameter::Value<'))
    .map((p) => p.default)
    .filter((d): d is string => typeof d === 'string' && !Token.isUnresolved(d));
}
