import { Lazy } from 'cdk8s';
import { IConstruct } from 'constructs';
import type { z } from 'zod';
import { collectProblems, throwIfAny, validateOrThrow } from '../../core/validation';

/** cdk8s values resolved at synth (`Lazy`) are not judged. */
const isLazy = (v: unknown) => v instanceof Lazy;

/**
 * Validate a construct's (plain) props against a core schema, naming the construct's path.
 * cdk8s values resolved at synth (`Lazy`) are not judged.
 */
export function validateProps(scope: IConstruct, schema: z.ZodType, input: unknown): void {
  validateOrThrow(scope.node.path, schema, input, isLazy);
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
  throwIfAny(collectProblems(scope.node.path, schema, input, isLazy));
  return [];
}
