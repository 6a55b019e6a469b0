import { Lazy } from 'cdk8s';
import { IConstruct } from 'constructs';
import type { z } from 'zod';
import { collectProblems, validateOrThrow } from '../../core/validation';

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
 * `node.addValidation`: one message per problem, `<path>: <property> <allowed> (received <value>)`,
 * so construction-time and synth-time checks cannot diverge.
 */
export function addStateValidation(scope: IConstruct, schema: z.ZodType, state: () => unknown): void {
  scope.node.addValidation({ validate: () => synthProblems(scope, schema, state()) });
}

/** The problems of a construct's current state as `node.addValidation` messages (as on AWS). */
export function synthProblems(scope: IConstruct, schema: z.ZodType, input: unknown): string[] {
  return collectProblems(scope.node.path, schema, input, isLazy).map((p) => `${p.constructPath}: ${p.property} ${p.allowed} (received ${p.received})`);
}
