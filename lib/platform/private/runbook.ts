import { pascalName } from '../../core/model-stamping';
/**
 * The runbook document both renderings of a platform write (Markdown): a title, a few lines on how
 * to read it, then per model a line on what it runs and one table row per alarm or alert.
 */

/** One model's part of a runbook. */
export interface RunbookSection {
  /** The model's name (the section heading). */
  readonly heading: string;
  /** What the model runs, in one paragraph. */
  readonly summary: string;
  /** One row per alarm or alert: the cells, in the order of the document's columns. */
  readonly rows: string[][];
  /** The model's loop, one row per link (`link | what does it | resources`), printed before the alarms. */
  readonly loop?: string[][];
  /** The model's experiment (Markdown lines), printed after the alarms. */
  readonly experiment?: string[];
  /** The model's service-level objectives (Markdown lines), printed after the experiment. */
  readonly slo?: string[];
  /** The model's batch scoring (Markdown lines), printed after the SLO. */
  readonly batch?: string[];
  /** The model's cost estimate and budget (Markdown lines), printed last. */
  readonly cost?: string[];
}

/** A table cell: no line breaks, `|` escaped (also inside code spans, as GitHub tables need). */
export function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

/** The Markdown runbook: `# title`, the intro lines, then per section its summary and its table. */
export function renderRunbook(title: string, intro: string[], columns: string[], sections: RunbookSection[], mermaid?: string): string {
  const lines = [`# ${title}`, '', ...intro];
  if (mermaid !== undefined) {
    lines.push('', '## The platform at a glance', '', 'Each model\'s loop and its alarms with their owners (`diagram()`; dashed: a link left to you).', '', '```mermaid', mermaid.trimEnd(), '```');
  }
  for (const section of sections) {
    lines.push('', `## ${section.heading}`, '', section.summary);
    if (section.loop !== undefined) {
      lines.push('', '| link | what does it | resources |', '| --- | --- | --- |', ...section.loop.map((row) => `| ${row.map(cell).join(' | ')} |`));
    }
    lines.push('', `| ${columns.join(' | ')} |`, `| ${columns.map(() => '---').join(' | ')} |`);
    for (const row of section.rows) {
      lines.push(`| ${row.join(' | ')} |`);
    }
    for (const part of [section.experiment, section.slo, section.batch, section.cost]) {
      if (part !== undefined) {
        lines.push('', ...part);
      }
    }
  }
  return lines.join('\n') + '\n';
}

/** "fraud-v2" → "FraudV2" (construct ids of the models and node pools). */
export const pascal = pascalName;
