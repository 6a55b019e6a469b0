import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { MlopsValidationError } from '../../lib/core/errors';

export const ENV = { account: '123456789012', region: 'eu-west-1' };

/** A fresh app and stack with an explicit environment (no lookups, no credentials). */
export function newStack(id = 'TestStack'): Stack {
  return new Stack(new App(), id, { env: ENV });
}

export function template(stack: Stack): Template {
  return Template.fromStack(stack);
}

/** Run `fn`, expect it to throw the one validation error, and return that error. */
export function expectValidationError(fn: () => unknown): MlopsValidationError {
  try {
    fn();
  } catch (e) {
    if (MlopsValidationError.isMlopsValidationError(e)) {
      return e as MlopsValidationError;
    }
    throw new Error(`expected MlopsValidationError, got: ${String(e)}`);
  }
  throw new Error('expected MlopsValidationError, nothing was thrown');
}
