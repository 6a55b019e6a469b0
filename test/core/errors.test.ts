import { describe, expect, it } from 'vitest';
import { Errors, MlopsValidationError, callerLanguage, spellProperty } from '../../lib/core/errors';

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

describe('errors seen from other jsii languages', () => {
  const problem = {
    constructPath: 'FraudStack/Fraud',
    property: 'autoscaling.maxInstances',
    received: '1',
    allowed: 'must be at least minInstances (2)',
  };

  it('finds the problems of a thrown error by its message, also inside a longer text', () => {
    const e = new MlopsValidationError([problem, { ...problem, property: 'instanceType', received: '"g5.xlarge"', allowed: 'must start with "ml."' }]);
    expect(Errors.problemsOf(e.message)).toEqual(e.problems);
    expect(Errors.problemsOf(`RuntimeError: ${e.message}\n  at …`)).toEqual(e.problems);
    expect(Errors.problemsOf('Error: something else')).toBeUndefined();
  });

  it('spells property paths as jsii does in each language', () => {
    expect(spellProperty('variants[0].instanceType', 'python')).toBe('variants[0].instance_type');
    expect(spellProperty('autoscaling.targetGpuUtilizationPercent', 'python')).toBe('autoscaling.target_gpu_utilization_percent');
    expect(spellProperty('rollbackTriggers[1].p99LatencyMillis', 'python')).toBe('rollback_triggers[1].p99_latency_millis');
    expect(spellProperty('environment.MY_VAR', 'python')).toBe('environment.MY_VAR');
    expect(spellProperty('modelDataUrl', 'go')).toBe('ModelDataUrl');
    expect(spellProperty('modelDataUrl', 'java')).toBe('modelDataUrl');
    expect(spellProperty('', 'python')).toBe('');
  });

  it('knows the calling language from JSII_AGENT, which jsii host runtimes set', () => {
    expect(callerLanguage({ JSII_AGENT: 'Python/3.11.7/cpython' })).toBe('python');
    expect(callerLanguage({ JSII_AGENT: 'Java/17.0.15' })).toBe('java');
    expect(callerLanguage({ JSII_AGENT: 'DotNet/8.0' })).toBe('dotnet');
    expect(callerLanguage({ JSII_AGENT: 'Go/1.26' })).toBe('go');
    expect(callerLanguage({})).toBe('typescript');
  });

  it('names the Python property in messages when called from Python, and keeps spec-file keys as written', () => {
    const before = process.env.JSII_AGENT;
    process.env.JSII_AGENT = 'Python/3.11.7';
    try {
      const api = new MlopsValidationError([problem]);
      expect(api.message).toBe('FraudStack/Fraud: autoscaling.max_instances must be at least minInstances (2); got 1');
      expect(Errors.problemsOf(api.message)?.[0].property).toBe('autoscaling.max_instances');
      const file = new MlopsValidationError([{ ...problem, property: 'models[0].serving.canaryPercent' }], 'document');
      expect(file.problems[0].property).toBe('models[0].serving.canaryPercent');
    } finally {
      if (before === undefined) delete process.env.JSII_AGENT; else process.env.JSII_AGENT = before;
    }
  });
});
