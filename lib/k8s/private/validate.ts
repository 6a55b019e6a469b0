import { Lazy } from 'cdk8s';
import { IConstruct } from 'constructs';
import type { z } from 'zod';
import { ValidationProblem } from '../../core/errors';
import { durationUnitAt, renderDuration } from '../../core/schemas/duration-value';
import { isCdkTokenText } from '../../core/token-text';
import { collectProblems, throwIfAny } from '../../core/validation';

/**
 * cdk8s values resolved at synth (`Lazy`) are not judged, nor aws-cdk-lib tokens (a chart delivered
 * by EKS `addCdk8sChart` may carry them: its stack resolves them).
 */
const isLazy = (v: unknown) => v instanceof Lazy || isCdkTokenText(v);

/**
 * Validate a construct's (plain) props against a core schema, naming the construct's path.
 * cdk8s values resolved at synth (`Lazy`) are not judged.
 */
export function validateProps(scope: IConstruct, schema: z.ZodType, input: unknown): void {
  throwIfAny(inUserTerms(schema, collectProblems(scope.node.path, schema, input, isLazy)));
}

/**
 * Run a construct's schema on its current state (props plus what `addX` methods added) from
 * `node.addValidation`, so construction-time and synth-time checks cannot diverge; problems are
 * thrown as `MlopsValidationError`.
 */
export function addStateValidation(scope: IConstruct, schema: z.ZodType, state: () => unknown): void {
  scope.node.addValidation({ validate: () => synthProblems(scope, schema, state()) });
}

/** Check a construct's current state at synth: throws `MlopsValidationError` (as on AWS), returns no messages. */
export function synthProblems(scope: IConstruct, schema: z.ZodType, input: unknown): string[] {
  throwIfAny(inUserTerms(schema, collectProblems(scope.node.path, schema, input, isLazy)));
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
