import { Token } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import type { z } from 'zod';
import { ValidationProblem } from '../../core/errors';
import { durationUnitAt, renderDuration } from '../../core/schemas/duration-value';
import { collectProblems, throwIfAny } from '../../core/validation';

/**
 * A deploy-time value: a token, or one element of a list token (`Token.asList` encodes each element
 * as a string that `Token.isUnresolved` only recognises inside a list).
 */
function isDeployTime(v: unknown): boolean {
  return v !== undefined && v !== null && (Token.isUnresolved(v) || (typeof v === 'string' && Token.isUnresolved([v])));
}

/**
 * Validate a construct's (plain) props against a core schema, naming the construct's path and
 * leaving deploy-time tokens unjudged.
 */
export function validateProps(scope: IConstruct, schema: z.ZodType, input: unknown): void {
  throwIfAny(inUserTerms(schema, collectProblems(scope.node.path, schema, input, isDeployTime)));
}

/**
 * Check a construct's current state (props plus what `addX` methods added) from
 * `node.addValidation`: the construct re-runs its one schema at synth, so construction-time and
 * synth-time checks cannot diverge, and a problem found at synth is thrown as the same
 * `MlopsValidationError` (every problem of the construct at once) rather than as the framework's
 * "Validation failed" text. Returns no messages when the state is valid.
 */
export function synthProblems(scope: IConstruct, schema: z.ZodType, input: unknown): string[] {
  throwIfAny(inUserTerms(schema, collectProblems(scope.node.path, schema, input, isDeployTime)));
  return [];
}

/**
 * The problems with values shown as the user gave them: a `Duration` prop, which the schema checks
 * as a number of seconds (or days), is shown as a duration (`got Duration 1 minute 30 seconds`, not
 * `got 90`; issue 14).
 */
function inUserTerms(schema: z.ZodType, problems: ValidationProblem[]): ValidationProblem[] {
  return problems.map((p) => {
    const unit = durationUnitAt(schema, propertyPath(p.property));
    return unit ? { ...p, received: renderDuration(p.received, unit) } : p;
  });
}

/** `spec.steps[1].maxRuntime` → `['spec', 'steps', 1, 'maxRuntime']` */
function propertyPath(property: string): Array<string | number> {
  return [...property.matchAll(/([^.[\]]+)|\[(\d+)\]/g)].map((m) => (m[2] !== undefined ? Number(m[2]) : m[1]));
}
