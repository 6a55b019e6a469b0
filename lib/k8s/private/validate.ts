import { Lazy } from 'cdk8s';
import { IConstruct } from 'constructs';
import type { z } from 'zod';
import { validateOrThrow } from '../../core/validation';

/**
 * Validate a construct's (plain) props against a core schema, naming the construct's path.
 * cdk8s values resolved at synth (`Lazy`) are not judged.
 */
export function validateProps(scope: IConstruct, schema: z.ZodType, input: unknown): void {
  validateOrThrow(scope.node.path, schema, input, (v) => v instanceof Lazy);
}
