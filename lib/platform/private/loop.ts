/**
 * What the two renderings of a platform model say alike about its loop (`loop()`): the gate, the
 * canary and the rollback triggers come from the same spec on both targets, so they are described
 * once here; each target adds what implements them.
 */
import { rollbackTriggersOf, rolloutOf } from './serving-policy';
import { LOOP_LINKS, LoopLink, LoopStage, loopLinkName } from '../../core/lifecycle-loop';
import { GateComparison } from '../../core/pipeline';
import { PlatformModelSpec } from '../../core/platform-spec';
import { DEFAULT_CAPTURE_PERCENT } from '../../core/policy';
import { RollbackTriggerKind } from '../../core/rollback';
import { expandSteps } from '../../core/rollout';

const GATE_SYMBOL: Record<GateComparison, string> = {
  [GateComparison.GREATER_THAN_OR_EQUAL]: '≥',
  [GateComparison.GREATER_THAN]: '>',
  [GateComparison.LESS_THAN_OR_EQUAL]: '≤',
  [GateComparison.LESS_THAN]: '<',
};

/** "metrics.auc.value ≥ 0.8 (and not worse than the served version)" */
export function gateText(m: PlatformModelSpec): string {
  const g = m.pipeline.gate;
  return `${g.metric} of step ${g.evaluationStep} ${GATE_SYMBOL[g.comparison]} ${g.threshold}${g.compareToProduction ? ' and not worse than the served version' : ''}`;
}

/** "50 % for 15 min, then 100 %" */
export function canaryText(m: PlatformModelSpec): string {
  const steps = expandSteps(rolloutOf(m.serving)._spec);
  return steps.map((s) => (s.percent === 100 ? '100 %' : `${s.percent} % for ${Math.round(s.bakeSeconds / 60)} min`)).join(', then ');
}

/** "5xx rate > 1 %, p99 latency > 250 ms, SLO burn: 5xx rate > 5 %, requests slower than 250 ms > 10 %" */
export function triggersText(m: PlatformModelSpec): string {
  return rollbackTriggersOf(m.serving, m.slo)
    .map((t) => {
      const slo = t.name.startsWith('burn-') ? 'SLO burn: ' : '';
      switch (t.kind) {
        case RollbackTriggerKind.ERROR_RATE: return `${slo}5xx rate > ${t.threshold} %`;
        case RollbackTriggerKind.P99_LATENCY: return `p99 latency > ${t.threshold} ms`;
        case RollbackTriggerKind.SLOW_REQUESTS: return `${slo}requests slower than ${t._spec.latencyThresholdMillis} ms > ${t.threshold} %`;
        default: return `${t.name} ${t.threshold}`;
      }
    })
    .join(', ');
}

/** The capture sampling of a model's serving spec, in percent. */
export function samplingPercentOf(m: PlatformModelSpec): number {
  return m.serving.captureSamplingPercent ?? DEFAULT_CAPTURE_PERCENT;
}

/** The stages in loop order; every link must be given exactly once. */
export function inLoopOrder(stages: Record<LoopLink, Omit<LoopStage, 'link'>>): LoopStage[] {
  return LOOP_LINKS.map(({ link }) => ({ link, ...stages[link] }));
}

/**
 * The loop as Markdown table rows (`link | rendered by | resources`), for a runbook. A link the
 * platform does not render says so in its row.
 */
export function loopRows(stages: LoopStage[]): string[][] {
  return stages.map((s) => [
    loopLinkName(s.link),
    s.rendered ? s.implementation : `**not rendered**: ${s.implementation}`,
    s.resources.map((r) => `\`${r}\``).join(', '),
  ]);
}

/**
 * The loop of one model on several targets as Markdown: a Mermaid diagram of the links (the same on
 * every target) and a table, one row per link, one column per target (README's loop section is this,
 * rendered from the example platform on both targets and checked by test/platform/loop.test.ts).
 */
export function loopMarkdown(targets: Array<{ readonly name: string; readonly stages: LoopStage[] }>): string {
  const ids = LOOP_LINKS.map(({ link }) => link.toLowerCase());
  const diagram = [
    '```mermaid',
    'flowchart LR',
    ...LOOP_LINKS.map(({ name }, i) => `  ${ids[i]}["${name}"]`),
    `  ${ids.join(' --> ')}`,
    `  ${ids[ids.length - 1]} -. the version that serves is captured .-> ${ids[0]}`,
    '```',
  ];
  const table = [
    `| link | ${targets.map((t) => t.name).join(' | ')} |`,
    `| --- | ${targets.map(() => '---').join(' | ')} |`,
    ...LOOP_LINKS.map(({ link, name }) => `| ${name} | ${targets.map((t) => {
      const stage = t.stages.find((s) => s.link === link)!;
      return (stage.rendered ? stage.implementation : `**not rendered**: ${stage.implementation}`).replace(/\|/g, '\\|');
    }).join(' | ')} |`),
  ];
  return [...diagram, '', ...table].join('\n') + '\n';
}
