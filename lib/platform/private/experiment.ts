/**
 * The platform's experiments, on both targets: the core spec out of a model's `experiment` section
 * (without the platform's own keys, which the constructs do not take).
 */

import { cell } from './runbook';
import { canonicalExperimentSpec } from '../../core/experiment/canonical';
import { ExperimentGuardrail, ExperimentGuardrailKind, ExperimentSpec, ExperimentTestKind } from '../../core/experiment/spec';
import { ExperimentDesign } from '../../core/experiment/types';
import { PlatformExperimentSpec } from '../../core/platform-spec';

/** The challenger's production variant on AWS (the control is the endpoint's primary variant). */
export const CHALLENGER_VARIANT = 'challenger';

/** The target-neutral ExperimentSpec of a model's experiment section. */
export function experimentSpecOf(e: PlatformExperimentSpec): ExperimentSpec {
  return canonicalExperimentSpec(e);
}

/** Where a target records and publishes an experiment's result (the runbook's "how to read it"). */
export interface ExperimentReading {
  /** Where the analyses' statistic and decision are published (metrics). */
  readonly metrics: string;
  /** Where the final result is recorded. */
  readonly record: string;
  /** What happens to the traffic at a decision or a guardrail breach on this target. */
  readonly traffic: string;
  /** How users are kept on one arm on this target. */
  readonly assignment: string;
}

const GUARDRAIL_TEXT: Record<ExperimentGuardrailKind, (g: ExperimentGuardrail) => string> = {
  [ExperimentGuardrailKind.ERROR_RATE]: (g) => `the challenger's 5xx share above ${g.threshold * 100} %`,
  [ExperimentGuardrailKind.LATENCY_P99]: (g) => `the challenger's p99 latency above ${g.threshold} ms`,
  [ExperimentGuardrailKind.METRIC_DROP]: (g) => `the challenger's \`${g.metric}\` more than ${g.threshold * 100} % below the control's`,
};

/**
 * The runbook's part on a model's experiment: the pre-registered design (what was decided before
 * it started) and how to read the result.
 */
export function experimentRunbook(e: PlatformExperimentSpec, design: ExperimentDesign, reading: ExperimentReading): string[] {
  const m = e.primaryMetric;
  const n = (x: number) => x.toLocaleString('en-US');
  const sequential = design.test === ExperimentTestKind.SEQUENTIAL;
  const rows: Array<[string, string]> = [
    ['primary metric', `\`${m.name}\` (${m.kind}, ${m.higherIsBetter === false ? 'lower' : 'higher'} is better): baseline ${m.baseline}${m.standardDeviation !== undefined ? `, sd ${m.standardDeviation}` : ''}, minimum detectable effect ${m.minimumDetectableEffect} (absolute)`],
    ['test', sequential
      ? 'SEQUENTIAL: mSPRT, an always-valid p-value checked at every analysis; stops at the first significant one'
      : 'FIXED_HORIZON: no decision before the planned runtime, then one two-sided z-test'],
    ['alpha / power', `${design.alpha} / ${design.power}`],
    ['traffic', `${n(design.expectedDailyUnits)} units a day, ${Math.round(design.challengerFraction * 100)} % to the challenger`],
    ['sample', `${n(design.sampleSizeControl)} control + ${n(design.sampleSizeChallenger)} challenger (a fixed-horizon test needs ${n(design.fixedHorizonSampleSizeTotal)} in all)`],
    ['planned runtime', `${design.plannedDays} days (the sample takes ${design.daysForSampleSize}; at least ${design.minimumDays}; whole weeks)`],
    ['guardrails', (e.guardrails ?? []).map((g) => `\`${g.name}\`: ${GUARDRAIL_TEXT[g.kind](g)}`).join('; ') || 'none'],
    ['assignment', reading.assignment],
  ];
  return [
    `### Experiment \`${e.name}\`: the served version (control) against version ${e.challengerVersion} (challenger)`,
    '',
    '| design | |',
    '| --- | --- |',
    ...rows.map(([k, v]) => `| ${k} | ${cell(v)} |`),
    '',
    `Reading it: each analysis publishes ${reading.metrics}; the result is recorded in ${reading.record}.`,
    '',
    '- `CONTINUE`: not decided, keep both arms (do not act on an interim p-value' + (sequential ? '; the sequential p-value may be read at any time, it is what stops the test' : ', the test is pre-registered') + ').',
    '- `CHALLENGER_WINS` / `CONTROL_WINS`: the difference (challenger − control, with its confidence ' + (sequential ? 'sequence' : 'interval') + ') is significant at alpha.',
    '- `NO_DIFFERENCE`: the planned runtime ended without a significant difference, the control stays (absence of evidence: the effect is below the minimum detectable one, probably).',
    `- \`STOP_GUARDRAIL\`: a guardrail breached. ${reading.traffic}`,
  ];
}
