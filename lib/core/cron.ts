// Cron schedules as Kubernetes and Argo Workflows parse them, so that a schedule passing synth is
// not refused when applied (a CronJob) or never run (a CronWorkflow).
//
// Both use robfig/cron v3's standard parser, `cron.ParseStandard`: kube-apiserver on a CronJob's
// `spec.schedule` (k8s.io/kubernetes pkg/apis/batch/validation/validation.go,
// validateScheduleFormat) and Argo Workflows on a CronWorkflow's schedules
// (workflow/validate/validate.go, ValidateCronWorkflow). Its rules (github.com/robfig/cron/v3,
// parser.go getRange / parseIntOrName / mustParseInt, spec.go bounds): five fields; each a comma
// list of `*` or `?`, `N` or `N-M`, each optionally `/step`; `N/step` means N to the field's
// maximum; steps of at least 1; no negative numbers; names only in the month (JAN-DEC) and day of
// week (SUN-SAT) fields, in any case; minute 0-59, hour 0-23, day of month 1-31, month 1-12, day of
// week 0-6 (7 is refused). Descriptors (@yearly, @annually, @monthly, @weekly, @daily, @midnight,
// @hourly, @every <Go duration>) and the count of fields are left to the callers' own patterns.

import { z } from 'zod';
import { unlessToken } from './validation';

interface Bounds {
  readonly field: string;
  readonly min: number;
  readonly max: number;
  readonly names?: readonly string[];
}

const FIELDS: readonly Bounds[] = [
  { field: 'minute', min: 0, max: 59 },
  { field: 'hour', min: 0, max: 23 },
  { field: 'day of month', min: 1, max: 31 },
  { field: 'month', min: 1, max: 12, names: ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'] },
  { field: 'day of week', min: 0, max: 6, names: ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] },
];

function valueOf(text: string, b: Bounds): number | undefined {
  const named = b.names?.indexOf(text.toLowerCase()) ?? -1;
  if (named >= 0) {
    return b.field === 'month' ? named + 1 : named;
  }
  return /^\d+$/.test(text) ? Number(text) : undefined;
}

function rangeProblem(expr: string, b: Bounds): string | undefined {
  const [range, step, ...extraSlashes] = expr.split('/');
  if (extraSlashes.length > 0) {
    return `"${expr}" in the ${b.field} field has more than one "/"`;
  }
  if (step !== undefined && (!/^\d+$/.test(step) || Number(step) < 1)) {
    return `"${expr}" in the ${b.field} field has a step that is not a whole number of at least 1`;
  }
  if (range === '*' || range === '?') {
    return undefined;
  }
  const [low, high, ...extraHyphens] = range.split('-');
  if (extraHyphens.length > 0) {
    return `"${expr}" in the ${b.field} field has more than one "-"`;
  }
  const start = valueOf(low, b);
  const end = high === undefined ? (step === undefined ? start : b.max) : valueOf(high, b);
  if (start === undefined || end === undefined) {
    const names = b.names ? ` or ${b.names[0].toUpperCase()}-${b.names[b.names.length - 1].toUpperCase()}` : '';
    return `"${expr}" in the ${b.field} field is not a number${names}`;
  }
  if (start < b.min || end > b.max) {
    return `${b.field} "${expr}" is outside ${b.min}-${b.max}`;
  }
  if (start > end) {
    return `${b.field} "${expr}" starts after it ends`;
  }
  return undefined;
}

/**
 * What Kubernetes' and Argo's cron parser (robfig/cron v3 `ParseStandard`) would refuse in a
 * five-field schedule, in words, or `undefined` when it parses. Descriptors (`@daily`, `@every 6h`)
 * and the number of fields are the callers' own patterns' to judge.
 *
 * @internal
 */
export function cronFieldsProblem(expression: string): string | undefined {
  const fields = expression.trim().split(/\s+/);
  if (fields.length !== 5 || fields[0].startsWith('@')) {
    return undefined;
  }
  for (const [i, field] of fields.entries()) {
    for (const expr of field.split(',')) {
      const problem = expr === '' ? `the ${FIELDS[i].field} field has an empty list item` : rangeProblem(expr, FIELDS[i]);
      if (problem) {
        return problem;
      }
    }
  }
  return undefined;
}

/**
 * @internal A five-field cron schedule (or what `pattern` also allows) that Kubernetes and Argo
 * parse: `pattern` with its message first, then robfig/cron's field rules.
 */
export function parsableCron(pattern: RegExp, patternMessage: string) {
  return z
    .string()
    .regex(pattern, patternMessage)
    .superRefine(unlessToken((expression: string, ctx) => {
      const problem = cronFieldsProblem(expression);
      if (problem) {
        ctx.addIssue({ code: 'custom', message: `must be a cron schedule Kubernetes and Argo parse (robfig/cron): ${problem}` });
      }
    }));
}
