import { Token } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import type { z } from 'zod';
import { collectProblems, throwIfAny, validateOrThrow } from '../../core/validation';

/**
 * Validate a construct's (plain) props against a core schema, naming the construct's path and
 * leaving deploy-time tokens unjudged.
 */
export function validateProps(scope: IConstruct, schema: z.ZodType, input: unknown): void {
  validateOrThrow(scope.node.path, schema, input, (v) => v !== undefined && v !== null && Token.isUnresolved(v));
}

/**
 * Check a construct's current state (props plus what `addX` methods added) from
 * `node.addValidation`: the construct re-runs its one schema at synth, so construction-time and
 * synth-time checks cannot diverge, and a problem found at synth is thrown as the same
 * `MlopsValidationError` (every problem of the construct at once) rather than as the framework's
 * "Validation failed" text. Returns no messages when the state is valid.
 */
export function synthProblems(scope: IConstruct, schema: z.ZodType, input: unknown): string[] {
  throwIfAny(collectProblems(scope.node.path, schema, input, (v) => v !== undefined && v !== null && Token.isUnresolved(v)));
  return [];
}
