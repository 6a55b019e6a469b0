import { Annotations, ArnFormat, Environment, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct, IConstruct } from 'constructs';
import { PlatformModel } from './platform-model';
import { platformAccessLogsBucket } from './private/access-logs';
import { tagModel, tagPlatform } from './private/cost-tags';
import { awsAlarmLink } from './private/diagram';
import { loopRows } from './private/loop';
import { cell, pascal, renderRunbook } from './private/runbook';
import { SpecDocument } from './private/spec-document';
import { StampGroup, StampedModelStack, namedInItsTree } from './private/stamped-model';
import { ModelBudget } from '../aws/model-budget';
import { ownershipOf } from '../aws/private/alarms';
import { CostEstimate, CostTarget, estimatePlatformCost } from '../core/cost/estimate';
import { PlatformDiagram, platformDiagram } from '../core/diagram';
import { isPrototypeCandidate, stampableGroups, unlikeness } from '../core/model-stamping';
import { PlatformModelSpec, PlatformSpec } from '../core/platform-spec';
import { DEPLOY_TIME_VALUE, platformAwsSpecSchema, platformSpecSchema, platformStackSchema } from '../core/schemas/platform';
import { validateAllOrThrow } from '../core/validation';
import { addWarning } from '../core/warnings';

/** Properties of an `MlPlatform`. */
export interface MlPlatformProps {
  /** The platform: its models and how each is trained, served and watched. */
  readonly spec: PlatformSpec;
  /**
   * Topic every alarm of the platform notifies (alarm and OK).
   * @default - a new topic encrypted with a new KMS key, TLS-only
   */
  readonly alarmTopic?: sns.ITopic;
  /**
   * Bucket receiving the server access logs of the platform's data buckets. Its policy must let S3
   * server access logging (`logging.s3.amazonaws.com`) put objects from this account's buckets: the
   * model stacks do not add to it (one statement per model bucket would grow it with the platform).
   * @default - a new bucket in the shared stack (SSE-S3, as S3 server access logging requires; versioned, TLS-only, retained, expiring logs after a year)
   */
  readonly serverAccessLogsBucket?: s3.IBucket;
  /**
   * The account and region of the platform's stacks (the shared one it creates and every model's),
   * when the platform is placed directly in an App or a Stage.
   * @default - the enclosing stack's environment when inside a stack, else environment-agnostic
   */
  readonly env?: Environment;
  /**
   * The prefix of the stacks' names: the shared stack is `<prefix>-shared`, each model's `<prefix>-<model>`.
   * @default - the enclosing stack's name when inside a stack, else the spec's `name`
   */
  readonly stackNamePrefix?: string;
  /**
   * How the models' stacks are made: each from the library's constructs, or, for a large platform,
   * most of them written from a model of the same shape (`ModelSynthesis.STAMPED`).
   * @default ModelSynthesis.CONSTRUCTS
   */
  readonly modelSynthesis?: ModelSynthesis;
}

/**
 * How an `MlPlatform` makes its models' stacks.
 */
export enum ModelSynthesis {
  /** Every model's stack from the library's constructs (`MlPlatform.models` has them all). */
  CONSTRUCTS = 'CONSTRUCTS',
  /**
   * Models of one shape (the same spec apart from the name, and names of the same structure:
   * length, letters, digits and hyphens in the same places) of which there are three or more: two
   * are built from constructs (the prototypes, in `MlPlatform.models`), the others' stacks are a
   * prototype's template with their name, as literal CloudFormation, with its assets, dependencies
   * and stack settings. At every synthesis the platform checks that one prototype's template with
   * the other's name is the other's, byte for byte, and that their stacks agree, and fails otherwise. Synthesis then costs about what hand-written L1 does (README
   * "Performance"). The written stacks have no constructs: `Aspects` and escape hatches reach them
   * only through the prototypes (a change to one prototype alone fails the check), and cdk-nag
   * reports on the prototypes. Needs a synthesizer that writes asset locations literally (the
   * default one does).
   */
  STAMPED = 'STAMPED',
}

/** Options of `MlPlatform.fromFile`. */
export interface MlPlatformFileOptions {
  /**
   * Topic every alarm notifies.
   * @default - a new encrypted topic
   */
  readonly alarmTopic?: sns.ITopic;
  /**
   * Bucket receiving the server access logs of the platform's data buckets (see `MlPlatformProps`).
   * @default - a new bucket
   */
  readonly serverAccessLogsBucket?: s3.IBucket;
  /**
   * The account and region of the platform's stacks when placed directly in an App or a Stage.
   * @default - the enclosing stack's environment, else environment-agnostic
   */
  readonly env?: Environment;
  /**
   * The prefix of the stacks' names.
   * @default - the enclosing stack's name, else the spec's `name`
   */
  readonly stackNamePrefix?: string;
  /**
   * How the models' stacks are made (see `MlPlatformProps.modelSynthesis`).
   * @default ModelSynthesis.CONSTRUCTS
   */
  readonly modelSynthesis?: ModelSynthesis;
}

/** Id of the warning that the models' budgets cannot notify a given alarm topic unless its owner allows AWS Budgets. */
export const BUDGET_TOPIC_WARNING_ID = 'cdk-mlops:platform:budget-topic-not-granted';

/** One alarm of the platform, as the runbook lists it. */
export interface PlatformAlarm {
  /** The model it belongs to (empty for the platform's own). */
  readonly model: string;
  /** The construct path of the alarm. */
  readonly path: string;
  /** What it means, from the alarm description. */
  readonly summary: string;
  /** What it watches and when it fires (metric, comparison, threshold, periods). */
  readonly condition: string;
  /** What happens on ALARM besides notifying the topic. */
  readonly action: string;
  /** Who owns it. */
  readonly owner: string;
  /** Where its runbook is. */
  readonly runbookUrl: string;
}

/**
 * A whole ML platform on AWS from one spec (a TypeScript object, or a YAML / JSON file through
 * `MlPlatform.fromFile`, checked by the same schema): per model a registry, a training pipeline
 * with its gate, a GPU endpoint with canary rollout and automatic rollback, and a drift monitor
 * whose sustained-drift alarm starts the pipeline again:
 *
 *     capture → drift → retrain → gate → register → approval → canary deploy → auto-rollback
 *
 * Every alarm carries an owner and a runbook link and notifies one topic; `runbook()` writes the
 * document that lists them all.
 *
 * Topology: each model is a stack of its own (`PlatformModel`, `<prefix>-<model>`), deployed and
 * promoted on its own; what the models share (the alarm topic, its key and the access-log bucket)
 * is in one shared stack, which holds nothing per model. Placed in a stack, the platform uses that
 * stack as the shared one; placed directly in an App or a Stage, it creates `<prefix>-shared`.
 * Either way a platform of 1,000 models is 1,001 templates of constant size.
 */
export class MlPlatform extends Construct {
  /**
   * A platform from a YAML (`.yaml`, `.yml`) or JSON (`.json`) spec file. The file is checked by
   * the same schema as a TypeScript spec; errors name the file with the line and column, and the
   * key (`Stack/Platform (platform.yaml:85:7): models[0].serving.canaryPercent must be …`). A file
   * that cannot be read or parsed is reported as the same error.
   */
  public static fromFile(scope: Construct, id: string, file: string, options: MlPlatformFileOptions = {}): MlPlatform {
    const doc = SpecDocument.read(file, scope.node.path === '' ? id : `${scope.node.path}/${id}`, platformSpecSchema);
    doc.validate([platformSpecSchema, platformAwsSpecSchema]);
    return new MlPlatform(scope, id, { spec: doc.value as PlatformSpec, ...options });
  }

  /**
   * Parse and check a spec document (YAML, of which JSON is a subset).
   *
   * @param text the document
   * @param name what to call it in errors (a file name): `where (name:line:column)`
   * @param where the construct path to name in errors
   */
  public static parseSpec(text: string, name: string = 'spec', where: string = 'MlPlatform'): PlatformSpec {
    const doc = SpecDocument.parse(text, name, where, name, platformSpecSchema);
    doc.validate([platformSpecSchema]);
    return doc.value as PlatformSpec;
  }

  /** The platform's name. */
  public readonly platformName: string;
  /**
   * The models built from constructs, in the spec's order: every model, or with
   * `ModelSynthesis.STAMPED` the prototypes and the models not stamped.
   */
  public readonly models: PlatformModel[];
  /** Every model's name, in the spec's order. */
  public readonly modelNames: string[];
  /** Every model's stack, in the spec's order: its `PlatformModel`, or the stack written from its prototype. */
  public readonly modelStacks: Stack[];
  /** Topic every alarm notifies. */
  public readonly alarmTopic: sns.ITopic;
  /** The stack holding what the models share (the enclosing stack, or `<prefix>-shared`). */
  public readonly sharedStack: Stack;
  /** The platform's spec, as validated. */
  private readonly spec: PlatformSpec;
  /** Where the shared resources are made: this construct in the enclosing stack, else the shared stack. */
  private readonly sharedScope: Construct;
  /** The group of each stamped model. */
  private readonly stamps = new Map<string, StampGroup>();

  constructor(scope: Construct, id: string, props: MlPlatformProps) {
    super(scope, id);
    const enclosing = scope.node.scopes.reverse().find(Stack.isStack);
    const prefix = props.stackNamePrefix ?? enclosing?.stackName ?? props.spec?.name;
    const stack = enclosing ?? new Stack(this, 'Shared', {
      env: props.env,
      stackName: `${prefix}-shared`,
      description: `${props.spec?.name} ML platform: what its models share (alarm topic, access logs)`,
    });
    this.sharedStack = stack;
    this.sharedScope = enclosing ? this : stack;
    const env: Environment = props.env ?? {
      account: Token.isUnresolved(stack.account) ? undefined : stack.account,
      region: Token.isUnresolved(stack.region) ? undefined : stack.region,
    };
    const concrete = (v: string) => (Token.isUnresolved(v) ? DEPLOY_TIME_VALUE : v);
    validateAllOrThrow(this.node.path, [
      [platformSpecSchema, props.spec],
      [platformAwsSpecSchema, props.spec],
      [platformStackSchema, { 'stack region': concrete(stack.region), 'stack account': concrete(stack.account) }],
    ]);
    const spec = props.spec;
    this.spec = spec;
    this.platformName = spec.name;
    // Cost allocation: everything carries model (or "shared"), owner and platform, and the spec's tags.
    tagPlatform(this.sharedScope === this ? this : stack, spec);

    if (props.alarmTopic) {
      this.alarmTopic = props.alarmTopic;
    } else {
      const key = new kms.Key(this.sharedScope, 'AlarmsKey', {
        description: `Encrypts the alarm notifications of the ${spec.name} ML platform`,
        enableKeyRotation: true,
        removalPolicy: RemovalPolicy.RETAIN,
      });
      // CloudWatch publishes alarm notifications to an encrypted topic only if the key lets it
      // ("Enable compatibility between event sources from AWS services and encrypted topics", Amazon
      // SNS Developer Guide: kms:Decrypt and kms:GenerateDataKey* for cloudwatch.amazonaws.com); the
      // conditions keep it to this account's alarms (confused deputy: aws:SourceAccount, aws:SourceArn).
      key.addToResourcePolicy(new iam.PolicyStatement({
        sid: 'CloudWatchAlarmsPublish',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: {
          StringEquals: { 'aws:SourceAccount': stack.account },
          ArnLike: { 'aws:SourceArn': stack.formatArn({ service: 'cloudwatch', resource: 'alarm', resourceName: '*', arnFormat: ArnFormat.COLON_RESOURCE_NAME }) },
        },
      }));
      this.alarmTopic = new sns.Topic(this.sharedScope, 'Alarms', { masterKey: key, enforceSSL: true, displayName: `${spec.name} ML platform alarms` });
    }
    // AWS Budgets notifies the alarm topic (and uses its key): models with a budget wait for this policy.
    if (spec.models.some((m) => m.budget !== undefined) && !ModelBudget.grantBudgetsPublish(this.alarmTopic)) {
      addWarning(this, BUDGET_TOPIC_WARNING_ID, 'the alarm topic was given: allow budgets.amazonaws.com to publish to it (and to use its KMS key), or the models\' budgets cannot notify it');
    }
    const accessLogs = props.serverAccessLogsBucket ?? this.accessLogsBucket();

    const mode = props.modelSynthesis ?? ModelSynthesis.CONSTRUCTS;
    if (mode === ModelSynthesis.CONSTRUCTS && spec.models.length >= STAMPING_HINT_MODELS) {
      Annotations.of(this.sharedStack).addInfo(`${spec.models.length} models, each built from constructs: modelSynthesis ModelSynthesis.STAMPED writes `
        + 'the stacks of models of one shape from two built ones, at about the cost of literal L1 (README "Large platforms")');
    }
    const made = this.createModels(spec, mode, {
      env, prefix, alarmTopic: this.alarmTopic, serverAccessLogsBucket: accessLogs,
    });
    this.models = made.models;
    this.modelStacks = made.stacks;
    this.modelNames = spec.models.map((m) => m.name);
  }

  /**
   * Every model's stack in the spec's order: a \`PlatformModel\`, or with \`ModelSynthesis.STAMPED\`,
   * for the third model of a group on, a stack written from the group's first prototype.
   */
  private createModels(
    spec: PlatformSpec,
    mode: ModelSynthesis,
    shared: { env: Environment; prefix: string; alarmTopic: sns.ITopic; serverAccessLogsBucket: s3.IBucket },
  ): { models: PlatformModel[]; stacks: Stack[] } {
    const modelProps = (m: PlatformModelSpec) => ({
      env: shared.env,
      stackName: `${shared.prefix}-${m.name}`,
      platformName: spec.name,
      spec: m,
      ownership: m.ownership ?? spec.ownership,
      alarmTopic: shared.alarmTopic,
      serverAccessLogsBucket: shared.serverAccessLogsBucket,
    });
    const built = new Map<string, PlatformModel>();
    const build = (m: PlatformModelSpec): PlatformModel => {
      const model = new PlatformModel(this, pascal(m.name), modelProps(m));
      tagModel(model, spec, m);
      built.set(m.name, model);
      return model;
    };
    // Prototypes first: per group, candidates are built until two can stand for the others.
    const context = [this.node.path, shared.prefix, shared.env.account ?? '', shared.env.region ?? ''].join(' ');
    const prototypeOf = new Map<string, [PlatformModel, PlatformModel]>();
    for (const members of mode === ModelSynthesis.STAMPED ? stampableGroups(spec) : []) {
      const chosen: PlatformModel[] = [];
      let candidates = members.filter((c) => isPrototypeCandidate(spec, c, context));
      while (chosen.length < 2 && candidates.length > 0) {
        const model = build(candidates[0]);
        candidates = candidates.slice(1);
        if (namedInItsTree(model)) continue;
        chosen.push(model);
        // The second as unlike the first as the names go: what the check compares is what differs.
        candidates = [...candidates].sort((x, y) => unlikeness(y.name, model.modelName) - unlikeness(x.name, model.modelName));
      }
      if (chosen.length < 2) continue;
      for (const m of members.filter((c) => !built.has(c.name))) prototypeOf.set(m.name, [chosen[0], chosen[1]]);
    }
    const groups = new Map<PlatformModel, StampGroup>();
    const stacks = new Map<string, Stack>();
    for (const m of spec.models) {
      const prototypes = prototypeOf.get(m.name);
      if (prototypes === undefined) {
        stacks.set(m.name, built.get(m.name) ?? build(m));
        continue;
      }
      const group = groups.get(prototypes[0]) ?? new StampGroup(this.node.path, prototypes[0], prototypes[1]);
      groups.set(prototypes[0], group);
      this.stamps.set(m.name, group);
      const stamped = new StampedModelStack(this, pascal(m.name), { group, modelName: m.name, stackName: modelProps(m).stackName, env: shared.env });
      tagModel(stamped, spec, m);
      stacks.set(m.name, stamped);
    }
    if (mode === ModelSynthesis.STAMPED) {
      Annotations.of(this.sharedStack).addInfo(`ModelSynthesis.STAMPED: ${prototypeOf.size} of ${spec.models.length} models written from `
        + `${groups.size * 2} prototypes; ${built.size} built from constructs (the prototypes, names passed over as prototypes, and shapes `
        + 'of fewer than three models: a shape is the spec apart from the name, with names of one structure)');
    }
    return {
      models: spec.models.filter((m) => built.has(m.name)).map((m) => built.get(m.name)!),
      stacks: spec.models.map((m) => stacks.get(m.name)!),
    };
  }

  /**
   * Per model in the spec's order: `of` the model built from constructs, or for a stamped model,
   * `of` its first prototype with the name replaced; checked against the second prototype.
   */
  private perModel<T>(of: (model: PlatformModel) => T): T[] {
    const byName = new Map(this.models.map((m) => [m.modelName, m]));
    return this.modelNames.map((name) => {
      const model = byName.get(name);
      return model !== undefined ? of(model) : this.stamps.get(name)!.rowsFor(name, of);
    });
  }

  /** Every alarm of the platform with its condition, action, owner and runbook, by model then path. */
  public alarms(): PlatformAlarm[] {
    return this.perModel((model) => this.alarmsOf(model)).flat();
  }

  private alarmsOf(model: PlatformModel): PlatformAlarm[] {
    const out: PlatformAlarm[] = [];
    const rollback = new Set<IConstruct>(model.endpoint.rollbackAlarms);
    for (const c of model.node.findAll()) {
      if (!(c instanceof cloudwatch.Alarm) && !(c instanceof cloudwatch.CompositeAlarm)) continue;
      const cfn = c.node.defaultChild as cloudwatch.CfnAlarm | cloudwatch.CfnCompositeAlarm;
      const stack = Stack.of(c);
      // Every alarm of a platform model is made by the library, which records its ownership.
      const record = ownershipOf(c) ?? { summary: String(stack.resolve(cfn.alarmDescription) ?? ''), owner: '', runbookUrl: '' };
      const notifies = ((stack.resolve(cfn.alarmActions) as unknown[] | undefined) ?? []).length > 0;
      const action = c === model.drift.sustainedDrift || c === model.batchDrift?.sustainedDrift
        ? `starts the training pipeline ${model.pipeline.pipelineName}`
        : rollback.has(c) ? 'rolls back an in-flight deployment (SageMaker auto-rollback)'
          : notifies ? 'notifies the alarm topic'
            : (c.node.scope === model.drift || c.node.scope === model.batchDrift) && c.node.id.startsWith('Sustained-') ? 'counts towards the sustained-drift composite alarm'
              : c.node.scope === model.slo && c instanceof cloudwatch.Alarm ? 'counts towards its burn-rate composite alarm (long AND short window)'
                : 'none (shown on the dashboard)';
      out.push({
        model: model.modelName,
        path: c.node.path.slice(this.node.path.length + 1),
        summary: record.summary,
        condition: c instanceof cloudwatch.Alarm ? conditionOf(stack, c.node.defaultChild as cloudwatch.CfnAlarm) : 'any of its member alarms (composite)',
        action,
        owner: record.owner,
        runbookUrl: record.runbookUrl,
      });
    }
    return out;
  }

  /**
   * The runbook document (Markdown): per model, every alarm with what it watches, when it fires,
   * what it does, who owns it and where its runbook is.
   */
  public runbook(): string {
    return renderRunbook(
      `Runbook: the ${this.platformName} ML platform`,
      [
        'Generated by cdk-mlops from the platform spec. Every alarm notifies the platform\'s alarm topic; the',
        'action column says what else happens on ALARM.',
      ],
      ['alarm', 'fires when', 'on alarm', 'owner', 'runbook'],
      this.perModel((model) => ({
        heading: model.modelName,
        summary: `Endpoint \`${model.endpoint.endpointName}\`, pipeline \`${model.pipeline.pipelineName}\`, registry \`${model.registry.modelPackageGroupName}\`.`,
        loop: loopRows(model.loop()),
        rows: this.alarmsOf(model).map((a) => [cell(a.summary), cell(a.condition), cell(a.action), cell(a.owner), a.runbookUrl]),
        experiment: model._experimentRunbook(),
        slo: model._sloRunbook(),
        batch: model._batchRunbook(),
        cost: model._costRunbook(),
      })),
      this.diagram().mermaid,
    );
  }

  /**
   * The platform's monthly cost estimate: every model's lines (`PlatformModel.costEstimate`) from the
   * price table (`core.PRICE_TABLE`, with its sources and date). An estimate, not a bill.
   * @param region the Region to price (default: the shared stack's, when known, else us-east-1)
   */
  public costEstimate(region?: string): CostEstimate {
    const r = region ?? (Token.isUnresolved(this.sharedStack.region) ? 'us-east-1' : this.sharedStack.region);
    return estimatePlatformCost(this.spec, CostTarget.AWS, { region: r });
  }

  /**
   * A picture of the platform: per model its lifecycle loop (capture → drift → retrain → gate →
   * register → approval → canary deploy → auto-rollback) and every alarm with its owner, beside the
   * link it watches, as Graphviz DOT (`dot -Tsvg`) and Mermaid text (the runbook embeds the Mermaid).
   */
  public diagram(): PlatformDiagram {
    return platformDiagram(this.platformName, this.perModel((model) => {
      const prefix = `${model.node.id}/`;
      return {
        name: model.modelName,
        owner: model.ownership.owner,
        stages: model.loop(),
        alarms: this.alarmsOf(model).map((a) => {
          const inModel = (a.path.startsWith(prefix) ? a.path.slice(prefix.length) : a.path).replace(/\/Resource$/, '');
          return { name: inModel, owner: a.owner, link: awsAlarmLink(inModel, a.action.startsWith('rolls back')) };
        }),
      };
    }));
  }

  private accessLogsBucket(): s3.Bucket {
    const bucket = platformAccessLogsBucket(this.sharedScope);
    // One statement for every model's buckets, whatever the number of models: S3 server access
    // logging from this account ("Permissions for log delivery", Amazon S3 user guide: the
    // logging.s3.amazonaws.com principal with an aws:SourceAccount condition). The source buckets
    // are in the models' stacks, which depend on this one: naming them here would be a cycle, and
    // one statement per bucket would grow this stack with the platform.
    bucket.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'S3ServerAccessLogsFromThisAccount',
      principals: [new iam.ServicePrincipal('logging.s3.amazonaws.com')],
      actions: ['s3:PutObject'],
      resources: [bucket.arnForObjects('*')],
      conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(bucket).account } },
    }));
    return bucket;
  }
}

const COMPARISON: Record<string, string> = {
  GreaterThanThreshold: '>',
  GreaterThanOrEqualToThreshold: '>=',
  LessThanThreshold: '<',
  LessThanOrEqualToThreshold: '<=',
};

/** "AWS/SageMaker Invocation5XXErrors > 1 in 2 of 3 periods of 1 min" */
function conditionOf(stack: Stack, cfn: cloudwatch.CfnAlarm): string {
  const r = (v: unknown) => stack.resolve(v);
  const metrics = r(cfn.metrics) as Array<Record<string, any>> | undefined;
  let what: string;
  let period: number | undefined = r(cfn.period);
  if (metrics !== undefined && metrics.length > 0) {
    const result = metrics.find((m) => m.returnData !== false) ?? metrics[0];
    what = result.expression !== undefined
      ? `${result.label ?? 'math'} = ${result.expression} of ${metrics.filter((m) => m.metricStat).map((m) => `${m.metricStat.metric.namespace} ${m.metricStat.metric.metricName}`).join(', ')}`
      : `${result.metricStat.metric.namespace} ${result.metricStat.metric.metricName}`;
    period = period ?? metrics.find((m) => m.metricStat)?.metricStat.period ?? result.period;
  } else {
    const dims = (r(cfn.dimensions) as Array<{ name: string; value: unknown }> | undefined) ?? [];
    const feature = dims.find((d) => d.name === 'Feature');
    what = `${r(cfn.namespace)} ${r(cfn.metricName)}${feature ? ` (${String(feature.value)})` : ''} ${r(cfn.statistic) ?? r(cfn.extendedStatistic) ?? ''}`.trim();
  }
  const periods = r(cfn.evaluationPeriods) as number;
  const datapoints = (r(cfn.datapointsToAlarm) as number | undefined) ?? periods;
  const every = typeof period === 'number' ? ` of ${period % 60 === 0 ? `${period / 60} min` : `${period} s`}` : '';
  const threshold = r(cfn.threshold);
  // SageMaker reports ModelLatency and OverheadLatency in microseconds.
  const unit = /Latency$/.test(String(r(cfn.metricName) ?? '')) ? ' µs' : '';
  return `${what} ${COMPARISON[String(r(cfn.comparisonOperator))] ?? String(r(cfn.comparisonOperator))} ${Token.isUnresolved(threshold) ? 'threshold' : threshold}${unit} `
    + `in ${datapoints} of ${periods} period${periods === 1 ? '' : 's'}${every}`;
}

/** From this many models a platform built from constructs says that stamping exists (an info annotation). */
const STAMPING_HINT_MODELS = 25;
