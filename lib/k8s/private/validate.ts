import { Lazy } from 'cdk8s';
import { IConstruct } from 'constructs';
import type { z } from 'zod';
import { collectProblems, validateOrThrow } from '../../core/validation';

/**
 * Validate a construct's (plain) props against a core schema, naming the construct's path.
 * cdk8s values resolved at synth (`Lazy`) are not judged.
 */
export function validateProps(scope: IConstruct, schema: z.ZodType, input: unknown): void {
  validateOrThrow(scope.node.path, schema, input, (v) => v instanceof Lazy);
}

/**
 * The problems of a construct's current state (props plus what `addX` methods added) as
 * `node.addValidation` messages: the construct re-runs its one schema at synth, so construction-time
 * and synth-time checks cannot diverge.
 */
export function synthProblems(scope: IConstruct, schema: z.ZodType, input: unknown): string[] {
  return collectProblems(scope.node.path, schema, input, (v) => v instanceof Lazy).map(
    (p) => `${p.constructPath}: ${p.property} ${p.allowed} (received ${p.received})`,
  );
}
