/**
 * One run of an online experiment on a SageMaker endpoint (`aws.Experiment`): read the record, read
 * both variants' primary metric from CloudWatch, decide with `ExperimentMath.decide` (the one
 * decision both targets run), publish the statistic and the decision as metrics, and at a decision
 * give the winner all of the two variants' weight (the control at a guardrail breach, a control
 * win or no difference) and record the result, after which every later run does nothing.
 *
 * The metrics convention (documented on `aws.Experiment`): the application publishes, per unit of
 * assignment (a user) and variant, one value of the primary metric in the user's namespace with the
 * single dimension `Variant` (0/1 for a PROPORTION, the unit's value for a MEAN), and for a MEAN the
 * square of that value as the companion metric `<name>Squared`. An arm's `units` is the metric's
 * SampleCount since the start, `sum` its Sum, `sumOfSquares` the companion's Sum. Publishing in
 * batches (`Values`/`Counts`, `StatisticValues`) keeps these statistics.
 */

// The AWS SDK is bundled into the asset (scripts/bundle-runtime.ts).
// eslint-disable-next-line import/no-extraneous-dependencies
import { CloudWatchClient, DescribeAlarmsCommand, GetMetricDataCommand, MetricDataQuery, PutMetricDataCommand, StandardUnit } from '@aws-sdk/client-cloudwatch';
import { SageMakerApi } from './aws-sagemaker';
import { StateStore } from './aws-state';
import { ExperimentMath } from '../../core/experiment';
import { ArmSummary, ExperimentDecisionKind, ExperimentMetricKind, ExperimentSpec } from '../../core/experiment/spec';

/** The namespace the handler publishes the statistic and the decision in (dimension `Experiment`). */
export const EXPERIMENT_RESULT_NAMESPACE = 'CdkMlops/Experiment';

/** The `Decision` metric's value for each decision (`Experiment.metricDecision()`). */
export const DECISION_CODES: Readonly<Record<ExperimentDecisionKind, number>> = {
  [ExperimentDecisionKind.CONTINUE]: 0,
  [ExperimentDecisionKind.STOP_GUARDRAIL]: 1,
  [ExperimentDecisionKind.CHALLENGER_WINS]: 2,
  [ExperimentDecisionKind.CONTROL_WINS]: 3,
  [ExperimentDecisionKind.NO_DIFFERENCE]: 4,
};

/** The suffix of a MEAN metric's companion holding each unit's squared value. */
export const SQUARED_SUFFIX = 'Squared';

/** What the function knows from its environment. */
export interface ExperimentConfig {
  readonly spec: ExperimentSpec;
  readonly endpointName: string;
  readonly controlVariant: string;
  readonly challengerVariant: string;
  /** The user's namespace of business metrics (dimension `Variant`). */
  readonly metricsNamespace: string;
  /** Guardrail alarm name → guardrail name. */
  readonly guardrailAlarms: Readonly<Record<string, string>>;
  /** When the experiment started (ISO 8601); default the first run. */
  readonly startTime?: string;
}

export interface ExperimentDeps {
  readonly sagemaker: SageMakerApi;
  readonly cloudwatch: CloudWatchClient;
  readonly state: StateStore;
  /** @default - the clock */
  readonly now?: () => Date;
}

/** The record's result, once decided. */
export interface ExperimentResult {
  readonly decision: ExperimentDecisionKind;
  readonly pValue: number;
  readonly estimate: number;
  readonly lower: number;
  readonly upper: number;
  readonly reason: string;
  readonly decidedAt: string;
  readonly daysElapsed: number;
  readonly control: ArmSummary;
  readonly challenger: ArmSummary;
  /** The variant given all of the two variants' weight. */
  readonly servingVariant: string;
  readonly breachedGuardrails: string[];
}

/** The record (the SSM parameter's JSON). */
export interface ExperimentRecord {
  readonly experiment: string;
  readonly status: 'RUNNING' | 'FINISHED';
  readonly startedAt: string;
  readonly analyses: number;
  /** The last analysis' always-valid p-value (passed to the next as `previousPValue`). */
  readonly pValue?: number;
  readonly lastAnalysisAt?: string;
  readonly result?: ExperimentResult;
}

/** What one run did. */
export interface ExperimentOutcome {
  /** ALREADY_FINISHED: the record says decided, nothing done; else the decision's kind. */
  readonly outcome: 'ALREADY_FINISHED' | ExperimentDecisionKind;
  readonly record: ExperimentRecord;
}

/** An EventBridge event: a schedule's, or a CloudWatch alarm's state change. */
export interface ExperimentEvent {
  readonly 'source'?: string;
  readonly 'detail-type'?: string;
  readonly 'detail'?: { readonly alarmName?: string; readonly state?: { readonly value?: string } };
}

const DAY_MS = 86_400_000;

/** Run the experiment once for `event`. */
export async function runExperiment(event: ExperimentEvent, config: ExperimentConfig, deps: ExperimentDeps): Promise<ExperimentOutcome> {
  const stored = await deps.state.get();
  const before: ExperimentRecord | undefined = stored === undefined ? undefined : JSON.parse(stored);
  if (before?.status === 'FINISHED') {
    return { outcome: 'ALREADY_FINISHED', record: before };
  }
  const now = (deps.now ?? (() => new Date()))();
  const startedAt = before?.startedAt ?? config.startTime ?? now.toISOString();
  const breached = await breachedGuardrails(event, config, deps);
  if (breached.length > 0) {
    // Stop first: the traffic goes back to the control whatever happens next.
    await serveOnly(config.controlVariant, config, deps);
  }
  const daysElapsed = Math.max(0, (now.getTime() - Date.parse(startedAt)) / DAY_MS);
  const [control, challenger] = await readArms(config, new Date(startedAt), now, deps);
  const decision = ExperimentMath.decide({
    spec: config.spec,
    control,
    challenger,
    daysElapsed,
    breachedGuardrails: breached,
    previousPValue: before?.pValue,
  });
  const analyzed: ExperimentRecord = {
    experiment: config.spec.name,
    status: 'RUNNING',
    startedAt,
    analyses: (before?.analyses ?? 0) + 1,
    pValue: decision.pValue,
    lastAnalysisAt: now.toISOString(),
  };
  if (decision.kind === ExperimentDecisionKind.CONTINUE) {
    await publish(config, decision, daysElapsed, control, challenger, now, deps);
    await deps.state.put(JSON.stringify(analyzed));
    return { outcome: decision.kind, record: analyzed };
  }
  const winner = decision.kind === ExperimentDecisionKind.CHALLENGER_WINS ? config.challengerVariant : config.controlVariant;
  await serveOnly(winner, config, deps);
  const finished: ExperimentRecord = {
    ...analyzed,
    status: 'FINISHED',
    result: {
      decision: decision.kind,
      pValue: decision.pValue,
      estimate: decision.estimate,
      lower: decision.lower,
      upper: decision.upper,
      reason: decision.reason,
      decidedAt: now.toISOString(),
      daysElapsed,
      control,
      challenger,
      servingVariant: winner,
      breachedGuardrails: breached,
    },
  };
  await deps.state.put(JSON.stringify(finished));
  await publish(config, decision, daysElapsed, control, challenger, now, deps);
  return { outcome: decision.kind, record: finished };
}

/**
 * The guardrails breached: the one whose alarm's ALARM state sent this event, and every guardrail
 * alarm in ALARM now (a stop whose weight update failed is retried by the next scheduled run).
 */
async function breachedGuardrails(event: ExperimentEvent, config: ExperimentConfig, deps: ExperimentDeps): Promise<string[]> {
  const names = new Set<string>();
  const alarmName = event.detail?.alarmName;
  if (event['detail-type'] === 'CloudWatch Alarm State Change' && event.detail?.state?.value === 'ALARM' && alarmName && config.guardrailAlarms[alarmName]) {
    names.add(config.guardrailAlarms[alarmName]);
  }
  const alarmNames = Object.keys(config.guardrailAlarms);
  if (alarmNames.length > 0) {
    const answer = await deps.cloudwatch.send(new DescribeAlarmsCommand({ AlarmNames: alarmNames, StateValue: 'ALARM', AlarmTypes: ['MetricAlarm'] }));
    // The state is checked here too: with AlarmNames given, an emulator (moto) ignores StateValue.
    for (const alarm of (answer.MetricAlarms ?? []).filter((a) => a.StateValue === 'ALARM')) {
      const guardrail = alarm.AlarmName ? config.guardrailAlarms[alarm.AlarmName] : undefined;
      if (guardrail) {
        names.add(guardrail);
      }
    }
  }
  return [...names].sort();
}

/**
 * Give `winner` all of the two variants' current weight and the other 0 (other variants of the
 * endpoint keep theirs); nothing when it has it already. Throws when the endpoint is not InService
 * (an update in progress: Lambda retries, and the next scheduled run stops it too).
 */
export async function serveOnly(winner: string, config: ExperimentConfig, deps: ExperimentDeps): Promise<void> {
  const loser = winner === config.controlVariant ? config.challengerVariant : config.controlVariant;
  const endpoint = await deps.sagemaker.describeEndpoint(config.endpointName);
  const weightOf = (name: string): number => {
    const variant = (endpoint.ProductionVariants ?? []).find((v) => v.VariantName === name);
    if (!variant) {
      throw new Error(`endpoint ${config.endpointName} has no variant ${name}`);
    }
    return variant.CurrentWeight ?? variant.DesiredWeight ?? 0;
  };
  const [winnerWeight, loserWeight] = [weightOf(winner), weightOf(loser)];
  if (loserWeight === 0 && winnerWeight > 0) {
    return;
  }
  if (endpoint.EndpointStatus !== 'InService') {
    throw new Error(`endpoint ${config.endpointName} is ${endpoint.EndpointStatus}, not InService: its weights cannot be updated now`);
  }
  const total = winnerWeight + loserWeight > 0 ? winnerWeight + loserWeight : 1;
  await deps.sagemaker.updateEndpointWeights(config.endpointName, [
    { VariantName: winner, DesiredWeight: total },
    { VariantName: loser, DesiredWeight: 0 },
  ]);
}

/** Both arms' summaries since `start` (daily periods: CloudWatch keeps them 455 days). */
export async function readArms(config: ExperimentConfig, start: Date, end: Date, deps: ExperimentDeps): Promise<[ArmSummary, ArmSummary]> {
  const metric = config.spec.primaryMetric;
  const mean = metric.kind === ExperimentMetricKind.MEAN;
  const query = (id: string, variant: string, metricName: string, stat: string): MetricDataQuery => ({
    Id: id,
    MetricStat: {
      Metric: { Namespace: config.metricsNamespace, MetricName: metricName, Dimensions: [{ Name: 'Variant', Value: variant }] },
      Period: 86_400,
      Stat: stat,
    },
    ReturnData: true,
  });
  const arms = [['c', config.controlVariant], ['h', config.challengerVariant]] as const;
  const queries = arms.flatMap(([id, variant]) => [
    query(`${id}n`, variant, metric.name, 'SampleCount'),
    query(`${id}s`, variant, metric.name, 'Sum'),
    ...(mean ? [query(`${id}q`, variant, `${metric.name}${SQUARED_SUFFIX}`, 'Sum')] : []),
  ]);
  const totals: Record<string, number> = {};
  // GetMetricData needs EndTime after StartTime.
  const endTime = end.getTime() > start.getTime() ? end : new Date(start.getTime() + 60_000);
  let nextToken: string | undefined;
  do {
    const answer = await deps.cloudwatch.send(new GetMetricDataCommand({
      MetricDataQueries: queries,
      StartTime: start,
      EndTime: endTime,
      NextToken: nextToken,
    }));
    for (const result of answer.MetricDataResults ?? []) {
      totals[result.Id!] = (totals[result.Id!] ?? 0) + (result.Values ?? []).reduce((a, b) => a + b, 0);
    }
    nextToken = answer.NextToken;
  } while (nextToken);
  const arm = (id: string): ArmSummary => ({
    units: totals[`${id}n`] ?? 0,
    sum: totals[`${id}s`] ?? 0,
    ...(mean ? { sumOfSquares: totals[`${id}q`] ?? 0 } : {}),
  });
  return [arm('c'), arm('h')];
}

/** The statistic and the decision in `CdkMlops/Experiment`, dimension `Experiment` (finite values only). */
async function publish(
  config: ExperimentConfig,
  decision: { kind: ExperimentDecisionKind; pValue: number; estimate: number; lower: number; upper: number },
  daysElapsed: number,
  control: ArmSummary,
  challenger: ArmSummary,
  now: Date,
  deps: ExperimentDeps,
): Promise<void> {
  const values: Array<[string, number, StandardUnit]> = [
    ['PValue', decision.pValue, StandardUnit.None],
    ['Estimate', decision.estimate, StandardUnit.None],
    ['Lower', decision.lower, StandardUnit.None],
    ['Upper', decision.upper, StandardUnit.None],
    ['Decision', DECISION_CODES[decision.kind], StandardUnit.None],
    ['DaysElapsed', daysElapsed, StandardUnit.None],
    ['ControlUnits', control.units, StandardUnit.Count],
    ['ChallengerUnits', challenger.units, StandardUnit.Count],
  ];
  await deps.cloudwatch.send(new PutMetricDataCommand({
    Namespace: EXPERIMENT_RESULT_NAMESPACE,
    MetricData: values.filter(([, v]) => Number.isFinite(v)).map(([name, value, unit]) => ({
      MetricName: name,
      Dimensions: [{ Name: 'Experiment', Value: config.spec.name }],
      Timestamp: now,
      Value: value,
      Unit: unit,
    })),
  }));
}
