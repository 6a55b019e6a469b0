import { Token } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import type { z } from 'zod';
import { validateOrThrow } from '../../core/validation';

/**
 * Validate a construct's (plain) props against a core schema, naming the construct's path and
 * leaving deploy-time tokens unjudged.
 */
export function validateProps(scope: IConstruct, schema: z.ZodType, input: unknown): void {
  validateOrThrow(scope.node.path, schema, input, (v) => v !== undefined && v !== null && Token.isUnresolved(v));
}
