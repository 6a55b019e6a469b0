/**
 * A picture of a platform (issue 19): per model its lifecycle loop (capture → drift → retrain → gate →
 * register → approval → canary deploy → auto-rollback) and its alarms with their owners, as Graphviz
 * DOT and as Mermaid text. Target-neutral: `MlPlatform.diagram()` and `MlPlatformChart.diagram()` fill
 * the same model from their loops and alarms. Deterministic: the same platform, the same bytes.
 */
import { LOOP_LINKS, LoopLink, LoopStage } from './lifecycle-loop';

/** One alarm (or alert) of a model in the diagram. */
export interface DiagramAlarm {
  /** The alarm's or alert's name. */
  readonly name: string;
  /** Who owns it. */
  readonly owner: string;
  /**
   * The link of the loop it watches (drawn beside it).
   * @default - beside the model (not a link of the loop: batch scoring, SLOs of the whole service)
   */
  readonly link?: LoopLink;
}

/** One model of the diagram. */
export interface DiagramModel {
  /** The model's name. */
  readonly name: string;
  /** Who owns the model. */
  readonly owner: string;
  /** Its loop, link by link (`loop()` of a platform model). */
  readonly stages: LoopStage[];
  /** Its alarms. */
  readonly alarms: DiagramAlarm[];
}

/** The diagram of a platform, in two notations. */
export interface PlatformDiagram {
  /** Graphviz DOT (`dot -Tsvg`). */
  readonly dot: string;
  /** Mermaid flowchart text (GitHub renders it in a ```mermaid block). */
  readonly mermaid: string;
}

const LINK_ORDER = LOOP_LINKS.map((l) => l.link);
const NAME: Record<string, string> = Object.fromEntries(LOOP_LINKS.map((l) => [l.link, l.name]));

/** A DOT string literal. */
function dq(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}

/** A Mermaid label: quoted, with the characters Mermaid would read as syntax escaped as entities. */
function mq(s: string): string {
  return `"${s.replace(/&/g, '#amp;').replace(/"/g, '#quot;').replace(/</g, '#lt;').replace(/>/g, '#gt;').replace(/\n/g, '<br/>')}"`;
}

/** An identifier safe in both notations. */
function ident(...parts: string[]): string {
  return parts.join('_').replace(/[^A-Za-z0-9_]/g, '_');
}

/** The links of a model in loop order (those its target renders, and those left to the user, dashed). */
function linksOf(m: DiagramModel): Array<{ link: LoopLink; rendered: boolean }> {
  return LINK_ORDER.map((link) => ({ link, rendered: m.stages.find((s) => s.link === link)?.rendered ?? false }));
}

/** Alarms of a model sorted by link (in loop order, then unattached) and name: stable output. */
function sortedAlarms(m: DiagramModel): DiagramAlarm[] {
  const rank = (a: DiagramAlarm) => (a.link === undefined ? LINK_ORDER.length : LINK_ORDER.indexOf(a.link));
  return [...m.alarms].sort((a, b) => rank(a) - rank(b) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** The platform as Graphviz DOT: one cluster per model, its loop as a cycle, its alarms as notes. */
export function platformDot(platform: string, models: DiagramModel[]): string {
  const lines = [
    `digraph ${dq(platform)} {`,
    '  graph [rankdir=LR, fontname="Helvetica", labelloc=t, label=' + dq(`${platform}: the lifecycle loop of each model and who owns its alarms`) + '];',
    '  node [shape=box, style="rounded,filled", fillcolor="#e8f1fb", fontname="Helvetica", fontsize=10];',
    '  edge [fontname="Helvetica", fontsize=9];',
  ];
  for (const m of models) {
    lines.push(`  subgraph ${dq(`cluster_${m.name}`)} {`, `    label=${dq(`${m.name} (owner ${m.owner})`)};`, '    style="rounded"; color="#7a8ca3";');
    const links = linksOf(m);
    for (const l of links) {
      lines.push(`    ${ident(m.name, l.link)} [label=${dq(NAME[l.link])}${l.rendered ? '' : ', style="rounded,dashed", fillcolor=white'}];`);
    }
    links.forEach((l, i) => {
      const next = links[(i + 1) % links.length];
      const back = i === links.length - 1;
      lines.push(`    ${ident(m.name, l.link)} -> ${ident(m.name, next.link)}${back ? ' [style=dashed, label="serves, captured again", constraint=false]' : ''};`);
    });
    sortedAlarms(m).forEach((a, i) => {
      const id = ident(m.name, 'alarm', String(i + 1));
      lines.push(`    ${id} [shape=note, fillcolor="#fdecea", label=${dq(`${a.name}\nowner: ${a.owner}`)}];`);
      if (a.link !== undefined) lines.push(`    ${id} -> ${ident(m.name, a.link)} [style=dotted, arrowhead=none];`);
    });
    lines.push('  }');
  }
  lines.push('}');
  return lines.join('\n') + '\n';
}

/** The platform as a Mermaid flowchart: one subgraph per model, its loop, its alarms. */
export function platformMermaid(platform: string, models: DiagramModel[]): string {
  const lines = ['flowchart LR'];
  for (const m of models) {
    lines.push(`  subgraph ${ident(m.name)}[${mq(`${m.name} (owner ${m.owner})`)}]`);
    const links = linksOf(m);
    for (const l of links) {
      lines.push(`    ${ident(m.name, l.link)}(${mq(NAME[l.link] + (l.rendered ? '' : ' (yours)'))})`);
    }
    links.forEach((l, i) => {
      const next = links[(i + 1) % links.length];
      lines.push(`    ${ident(m.name, l.link)} ${i === links.length - 1 ? '-.->' : '-->'} ${ident(m.name, next.link)}`);
    });
    sortedAlarms(m).forEach((a, i) => {
      const id = ident(m.name, 'alarm', String(i + 1));
      lines.push(`    ${id}[/${mq(`${a.name}\nowner: ${a.owner}`)}/]`);
      if (a.link !== undefined) lines.push(`    ${id} -.- ${ident(m.name, a.link)}`);
    });
    lines.push('  end');
  }
  lines.push(`  %% ${platform}: generated by cdk-mlops`);
  return lines.join('\n') + '\n';
}

/** Both notations of a platform. */
export function platformDiagram(platform: string, models: DiagramModel[]): PlatformDiagram {
  return { dot: platformDot(platform, models), mermaid: platformMermaid(platform, models) };
}
