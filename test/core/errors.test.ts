import { describe, expect, it } from 'vitest';
import { Errors, MlopsValidationError } from '../../lib/core/errors';

describe('MlopsValidationError', () => {
  const problem = {
    constructPath: 'FraudStack/Registry',
    property: 'crossAccountReadAccountIds[0]',
    received: '"12345"',
    allowed: 'must be a 12-digit AWS account id',
  };

  it('names the construct path, the property, the value and what is allowed', () => {
    const e = new MlopsValidationError([problem]);
    expect(e.message).toBe(
      'FraudStack/Registry: crossAccountReadAccountIds[0] must be a 12-digit AWS account id; got "12345"',
    );
    expect(e.name).toBe('MlopsValidationError');
    expect(e).toBeInstanceOf(Error);
    expect(e).toBeInstanceOf(MlopsValidationError);
  });

  it('lists every problem of one construct together', () => {
    const e = new MlopsValidationError([
      problem,
      { constructPath: 'FraudStack/Registry', property: 'modelPackageGroupName', received: '""', allowed: 'must not be empty' },
    ]);
    expect(e.problems).toHaveLength(2);
    expect(e.message.split('\n')).toEqual([
      '2 problems:',
      '  - FraudStack/Registry: crossAccountReadAccountIds[0] must be a 12-digit AWS account id; got "12345"',
      '  - FraudStack/Registry: modelPackageGroupName must not be empty; got ""',
    ]);
  });

  it('calls a whole-object problem "props"', () => {
    const e = new MlopsValidationError([{ ...problem, property: '' }]);
    expect(e.message).toMatch(/^FraudStack\/Registry: props must be/);
  });

  it('is recognised by Errors.isMlopsValidationError, and other errors are not', () => {
    expect(Errors.isMlopsValidationError(new MlopsValidationError([problem]))).toBe(true);
    expect(Errors.isMlopsValidationError(new Error('x'))).toBe(false);
    expect(Errors.isMlopsValidationError(undefined)).toBe(false);
    expect(Errors.isMlopsValidationError({ problems: [] })).toBe(false);
  });
});
