import { Token } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import type { z } from 'zod';
import { collectProblems, validateOrThrow } from '../../core/validation';

/**
 * Validate a construct's (plain) props against a core schema, naming the construct's path and
 * leaving deploy-time tokens unjudged.
 */
export function validateProps(scope: IConstruct, schema: z.ZodType, input: unknown): void {
  validateOrThrow(scope.node.path, schema, input, (v) => v !== undefined && v !== null && Token.isUnresolved(v));
}

/**
 * The problems of a construct's current state (props plus what `addX` methods added) as
 * `node.addValidation` messages: the construct re-runs its one schema at synth, so construction-time
 * and synth-time checks cannot diverge.
 */
export function synthProblems(scope: IConstruct, schema: z.ZodType, input: unknown): string[] {
  return collectProblems(scope.node.path, schema, input, (v) => v !== undefined && v !== null && Token.isUnresolved(v)).map(
    (p) => `${p.constructPath}: ${p.property} ${p.allowed} (received ${p.received})`,
  );
}
