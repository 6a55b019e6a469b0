import { Duration, Tags } from 'aws-cdk-lib';
import * as applicationsignals from 'aws-cdk-lib/aws-applicationsignals';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { z } from 'zod';
import { GpuServingEndpoint, IGpuServingEndpoint } from './gpu-serving-endpoint';
import { ownedAlarm, ownedDescription, recordOwnership } from './private/alarms';
import { BURN_ALARM_LIMITS, badRatio, burnAlarmId, burnSummary, querySuffix, requestBasedSli } from './private/slo-alarms';
import { synthProblems, validateProps } from './private/validate';
import { AlarmOwnership, RollbackTrigger, ThresholdComparison } from '../core/rollback';
import { awsSloSchema } from '../core/schemas/aws-slo';
import { BURN_RATE_WINDOWS, BurnRateSeverity, MAX_SLO_WINDOW_DAYS, burnRateThreshold, errorBudget, sloWindowDays, windowLabel } from '../core/slo/burn-rate';
import { SloObjective, SloSpec } from '../core/slo/spec';
import { throwIfAny } from '../core/validation';

/** Props of `ServiceLevelObjectives`. */
export interface ServiceLevelObjectivesProps extends SloSpec {
  /** The endpoint whose requests the objectives are about. */
  readonly endpoint: IGpuServingEndpoint;
  /**
   * The serving variants whose requests count (their metrics are summed), at most 5 (a metric-math
   * alarm reads at most 10 metrics, two per variant).
   * @default - a `GpuServingEndpoint`'s serving variants when this construct is created (the primary
   * and the A/B variants, not the shadow); `['primary']` for an imported endpoint
   */
  readonly variantNames?: string[];
  /** Owner and runbook of every burn-rate alarm. */
  readonly alarmOwnership: AlarmOwnership;
  /**
   * Where the page-severity burn-rate alarms (1 h / 5 m at 14.4×, 6 h / 30 m at 6×) notify, on alarm
   * and on recovery.
   * @default - no notification (the alarms still change state and show on the dashboard)
   */
  readonly alarmTopic?: sns.ITopic;
  /**
   * Where the ticket-severity burn-rate alarms (1 d / 2 h at 3×, 3 d / 6 h at 1×) notify: usually a
   * queue worked in office hours rather than the pager.
   * @default - `alarmTopic`
   */
  readonly ticketTopic?: sns.ITopic;
  /**
   * Also create CloudWatch's own SLO (`AWS::ApplicationSignals::ServiceLevelObjective`) for every
   * objective: a request-based SLI on the SageMaker metrics with the objective as attainment goal over
   * a rolling `windowDays`, its error budget and burn rates shown in the CloudWatch SLO console. The
   * first SLO of an account creates the `AWSServiceRoleForCloudWatchApplicationSignals` service-linked
   * role (the deploying role needs `iam:CreateServiceLinkedRole` once); no Application Signals
   * instrumentation or `AWS::ApplicationSignals::Discovery` is needed. Turn it off in a Region without
   * Application Signals: the burn-rate alarms and the dashboard do not depend on it.
   * @default true
   */
  readonly applicationSignals?: boolean;
  /**
   * Create a dashboard of the budget remaining and the burn rates of every objective.
   * @default true
   */
  readonly dashboard?: boolean;
}

/**
 * Service-level objectives of a SageMaker endpoint, with error budgets: for every objective,
 * CloudWatch's SLO resource (optional), multi-window multi-burn-rate alarms (the SRE workbook's
 * policy, `BURN_RATE_WINDOWS`: a long and a short window, both above factor × budget, combined by a
 * composite alarm: 1 h / 5 m at 14.4× and 6 h / 30 m at 6× page, 1 d / 2 h at 3× and 3 d / 6 h at 1×
 * ticket), owned and in the runbook, and a dashboard of the budget remaining. With `canaryBurnRate`,
 * a `GpuServingEndpoint`'s canary also rolls back on every objective (`RollbackTrigger.fromSlo`).
 */
export class ServiceLevelObjectives extends Construct {
  /** The endpoint's name. */
  public readonly endpointName: string;
  /** The serving variants whose requests count. */
  public readonly variantNames: string[];
  /** The rolling window of the objectives, days. */
  public readonly windowDays: number;
  /** The page-severity composite alarms (two per objective), in the order of `objectives`. */
  public readonly pageAlarms: cloudwatch.CompositeAlarm[] = [];
  /** The ticket-severity composite alarms (two per objective), in the order of `objectives`. */
  public readonly ticketAlarms: cloudwatch.CompositeAlarm[] = [];
  /** The dashboard, when created. */
  public readonly dashboard?: cloudwatch.Dashboard;
  private readonly props: ServiceLevelObjectivesProps;
  private readonly objectives: SloObjective[] = [];
  /** The composites, page first then ticket per objective: the dashboard's status widget. */
  private readonly statusAlarms: cloudwatch.IAlarm[] = [];
  private readonly slos = new Map<string, applicationsignals.CfnServiceLevelObjective>();

  constructor(scope: Construct, id: string, props: ServiceLevelObjectivesProps) {
    super(scope, id);
    this.props = props;
    const defaulted = props.variantNames === undefined;
    this.variantNames = props.variantNames ?? (props.endpoint instanceof GpuServingEndpoint ? props.endpoint.servingVariantNames : ['primary']);
    validateProps(this, awsSloSchema, this.plainProps(props.objectives));
    this.checkCanary();
    this.endpointName = props.endpoint.endpointName;
    this.windowDays = sloWindowDays(props);
    if (props.dashboard ?? true) {
      this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard');
      // The widget reads its list when the dashboard renders: objectives added later appear.
      this.dashboard.addWidgets(new cloudwatch.AlarmStatusWidget({ title: 'Burn-rate alarms (page, ticket)', alarms: this.statusAlarms, width: 24 }));
    }
    props.objectives.forEach((o) => this.renderObjective(o));
    this.node.addValidation({ validate: () => this.validateState(defaulted) });
  }

  /**
   * Add an objective (like `objectives`): its CloudWatch SLO, its burn-rate alarms, its dashboard row
   * and, with `canaryBurnRate`, its rollback trigger on the endpoint. Names stay unique.
   */
  public addObjective(objective: SloObjective): void {
    validateProps(this, awsSloSchema, this.plainProps([...this.objectives, objective]));
    this.renderObjective(objective);
  }

  /**
   * The share (0–1) of an objective's requests that were bad over `window` (whole minutes, at most 7
   * days): 5xx answers for AVAILABILITY, requests slower than the threshold for LATENCY, summed over
   * the watched variants. The window is the metric's period.
   */
  public metricBadRatio(objectiveName: string, window: Duration): cloudwatch.MathExpression {
    const o = this.objective(objectiveName, window);
    return badRatio(o, this.target(), window.toMinutes());
  }

  /**
   * How fast an objective's error budget burned over `window`: its bad ratio divided by the budget
   * (1 spends the budget exactly over `windowDays`; the page alarms fire above 14.4 and 6).
   */
  public metricBurnRate(objectiveName: string, window: Duration): cloudwatch.MathExpression {
    const o = this.objective(objectiveName, window);
    return new cloudwatch.MathExpression({
      expression: `ratio${querySuffix(o, window.toMinutes())} / ${errorBudget(o)}`,
      usingMetrics: { [`ratio${querySuffix(o, window.toMinutes())}`]: badRatio(o, this.target(), window.toMinutes()) },
      period: window,
      label: `${o.name}: burn rate over ${windowLabel(window.toMinutes())}`,
    });
  }

  /**
   * The share (percent) of an objective's error budget left over `window`: 100 × (1 − bad ratio /
   * budget); negative when the objective is missed. Read it with the period (or the dashboard's
   * time range) equal to the window.
   * @default window - the SLO window (`windowDays`)
   */
  public metricBudgetRemaining(objectiveName: string, window?: Duration): cloudwatch.MathExpression {
    const w = window ?? Duration.days(this.windowDays);
    const o = this.objective(objectiveName, w, true);
    return new cloudwatch.MathExpression({
      expression: `100 * (1 - ratio${querySuffix(o, w.toMinutes())} / ${errorBudget(o)})`,
      usingMetrics: { [`ratio${querySuffix(o, w.toMinutes())}`]: badRatio(o, this.target(), w.toMinutes()) },
      period: w,
      label: `${o.name}: error budget remaining (%)`,
    });
  }

  /** The ARN of an objective's CloudWatch SLO (`applicationSignals`). */
  public sloArn(objectiveName: string): string {
    const slo = this.slos.get(objectiveName);
    if (!slo) {
      throwIfAny([{
        constructPath: this.node.path,
        property: 'objectiveName',
        received: JSON.stringify(objectiveName),
        allowed: this.slos.size === 0 ? 'an objective with a CloudWatch SLO (applicationSignals is false: there is none)' : `one of ${[...this.slos.keys()].join(', ')}`,
      }]);
    }
    return slo!.attrArn;
  }

  private plainProps(objectives: SloObjective[]): Record<string, unknown> {
    const p = this.props;
    return {
      objectives,
      windowDays: p.windowDays,
      canaryBurnRate: p.canaryBurnRate,
      endpointName: p.endpoint.endpointName,
      variantNames: this.variantNames,
      alarmOwnership: p.alarmOwnership,
      applicationSignals: p.applicationSignals,
      dashboard: p.dashboard,
    };
  }

  /** A canary trigger needs the endpoint's rollback configuration: only a `GpuServingEndpoint` made here has one. */
  private checkCanary(): void {
    if (this.props.canaryBurnRate !== undefined && !(this.props.endpoint instanceof GpuServingEndpoint)) {
      throwIfAny([{
        constructPath: this.node.path,
        property: 'canaryBurnRate',
        received: String(this.props.canaryBurnRate),
        allowed: 'unset for an imported endpoint (its canary\'s rollback alarms are set where the endpoint is defined: RollbackTrigger.fromSlo there)',
      }]);
    }
  }

  /** The schema again at synth, and the variants watched still those the endpoint serves. */
  private validateState(defaulted: boolean): string[] {
    const endpoint = this.props.endpoint;
    if (defaulted && endpoint instanceof GpuServingEndpoint) {
      const now = endpoint.servingVariantNames;
      if (now.join() !== this.variantNames.join()) {
        throwIfAny([{
          constructPath: this.node.path,
          property: 'variantNames',
          received: JSON.stringify(this.variantNames),
          allowed: `the endpoint's serving variants ${JSON.stringify(now)}: create the ServiceLevelObjectives after the endpoint's addVariant calls, or set variantNames`,
        }]);
      }
    }
    return synthProblems(this, awsSloSchema, this.plainProps(this.objectives));
  }

  private objective(name: string, window: Duration, sloWindow = false): SloObjective {
    const names = this.objectives.map((o) => o.name);
    // The longest window read as one period: 7 days for a ratio an alarm may read, the longest SLO window for a budget.
    const maxMinutes = sloWindow ? MAX_SLO_WINDOW_DAYS * 1440 : BURN_ALARM_LIMITS.maxRangeSeconds / 60;
    validateProps(
      this,
      z.strictObject({
        objectiveName: z.enum(names as [string, ...string[]], { message: `must be one of ${names.join(', ')}` }),
        window: z.number().min(1, 'must be at least a minute').max(maxMinutes, `must be at most ${maxMinutes} minutes`).int('must be whole minutes'),
      }),
      { objectiveName: name, window: window.toMinutes({ integral: false }) },
    );
    return this.objectives.find((o) => o.name === name)!;
  }

  private target() {
    return { endpointName: this.endpointName, variants: this.variantNames };
  }

  /** CloudWatch's SLO: request-based (bad requests / requests), the objective over a rolling window. */
  private createSlo(o: SloObjective): applicationsignals.CfnServiceLevelObjective {
    const windows = [...new Set(BURN_RATE_WINDOWS.flatMap((w) => [w.longWindowMinutes, w.shortWindowMinutes]))].sort((a, b) => a - b);
    const slo = new applicationsignals.CfnServiceLevelObjective(this, `Slo-${o.name}`, {
      name: `${this.endpointName}-${o.name}`,
      description: `${o.name} of ${this.endpointName}: ${o.objectivePercent} % of requests ${describeGood(o)} over ${this.windowDays} days (${this.variantNames.join(', ')})`,
      requestBasedSli: requestBasedSli(o, this.target()),
      goal: {
        attainmentGoal: o.objectivePercent,
        interval: { rollingInterval: { duration: this.windowDays, durationUnit: 'DAY' } },
      },
      // The burn rates CloudWatch publishes for the SLO: the windows of the alarms' policy.
      burnRateConfigurations: windows.map((lookBackWindowMinutes) => ({ lookBackWindowMinutes })),
    });
    Tags.of(slo).add('mlops:owner', this.props.alarmOwnership.owner);
    return slo;
  }

  /**
   * Per policy row: an alarm on the bad ratio over the long window and one over the short window
   * (each one evaluation period of the window's length: `badRatio`), both above factor × budget,
   * ANDed by a composite alarm that carries the severity, the owner and the runbook and notifies.
   * The component alarms notify no one: a long window alone keeps alarming long after a burn stops.
   */
  private createBurnRateAlarms(o: SloObjective): void {
    const own = this.props.alarmOwnership;
    for (const w of BURN_RATE_WINDOWS) {
      const id = burnAlarmId(o, w);
      const threshold = burnRateThreshold(o, w.factor);
      // Every window of the policy fits one alarm period (`fitsOneAlarmPeriod`, tested).
      const component = (minutes: number, part: string) =>
        ownedAlarm(this, {
          id: `${id}-${part}`,
          metric: badRatio(o, this.target(), minutes),
          threshold,
          comparison: ThresholdComparison.GREATER_THAN,
          evaluationPeriods: 1,
          datapointsToAlarm: 1,
          owner: own.owner,
          runbookUrl: own.runbookUrl,
          summary: `${o.name} of ${this.endpointName}: bad ratio over ${windowLabel(minutes)} above ${threshold} (${w.factor}× the budget; part of ${id})`,
        });
      const long = component(w.longWindowMinutes, 'Long');
      const short = component(w.shortWindowMinutes, 'Short');
      const record = { summary: burnSummary(o, w, this.endpointName, this.windowDays), owner: own.owner, runbookUrl: own.runbookUrl };
      const composite = new cloudwatch.CompositeAlarm(this, id, {
        alarmRule: cloudwatch.AlarmRule.allOf(
          cloudwatch.AlarmRule.fromAlarm(long, cloudwatch.AlarmState.ALARM),
          cloudwatch.AlarmRule.fromAlarm(short, cloudwatch.AlarmState.ALARM),
        ),
        alarmDescription: ownedDescription(record),
      });
      recordOwnership(composite, record);
      Tags.of(composite).add('mlops:owner', own.owner);
      Tags.of(composite).add('mlops:severity', w.severity);
      const page = w.severity === BurnRateSeverity.PAGE;
      const topic = page ? this.props.alarmTopic : (this.props.ticketTopic ?? this.props.alarmTopic);
      if (topic) {
        composite.addAlarmAction(new actions.SnsAction(topic));
        composite.addOkAction(new actions.SnsAction(topic));
      }
      (page ? this.pageAlarms : this.ticketAlarms).push(composite);
      this.statusAlarms.push(composite);
    }
  }

  /** Everything one objective renders. */
  private renderObjective(o: SloObjective): void {
    this.objectives.push(o);
    if (this.props.applicationSignals ?? true) {
      this.slos.set(o.name, this.createSlo(o));
    }
    this.createBurnRateAlarms(o);
    if (this.props.canaryBurnRate !== undefined) {
      (this.props.endpoint as GpuServingEndpoint).addRollbackTrigger(RollbackTrigger.fromSlo(o, this.props.canaryBurnRate));
    }
    this.addDashboardRow(o);
  }

  /** The objective's budget remaining over the SLO window and its burn rates against the policy's factors. */
  private addDashboardRow(o: SloObjective): void {
    if (this.dashboard) {
      this.dashboard.addWidgets(
        new cloudwatch.SingleValueWidget({
          title: `${o.name}: error budget remaining over ${this.windowDays} d (%)`,
          metrics: [this.metricBudgetRemaining(o.name)],
          // One value over the whole SLO window: the period is the widget's time range.
          setPeriodToTimeRange: true,
          start: `-P${this.windowDays}D`,
          width: 6,
        }),
        new cloudwatch.GraphWidget({
          title: `${o.name}: burn rate (× budget)`,
          left: [Duration.minutes(5), Duration.hours(1), Duration.hours(6)].map((w) => this.metricBurnRate(o.name, w)),
          leftAnnotations: BURN_RATE_WINDOWS.map((w) => ({
            value: w.factor,
            label: `${w.severity === BurnRateSeverity.PAGE ? 'page' : 'ticket'} ${w.factor}× (${windowLabel(w.longWindowMinutes)})`,
          })),
          width: 18,
        }),
      );
    }
  }
}

function describeGood(o: SloObjective): string {
  return o.latencyThresholdMillis !== undefined ? `answered within ${o.latencyThresholdMillis} ms (ModelLatency)` : 'answered without a 5xx error';
}
