import { describe, expect, it } from 'vitest';
import { modelPackageVersionArnPattern, parseModelPackageVersionArn, sameModelPackageGroup } from '../../lib/core/model-package';

describe('model package version ARNs', () => {
  it('parses a version ARN into its parts', () => {
    expect(parseModelPackageVersionArn('arn:aws-cn:sagemaker:cn-north-1:123456789012:model-package/fraud-v2/17')).toEqual({
      partition: 'aws-cn',
      region: 'cn-north-1',
      account: '123456789012',
      group: 'fraud-v2',
      version: 17,
    });
  });

  it.each([
    ['a group ARN', 'arn:aws:sagemaker:eu-west-1:123456789012:model-package-group/fraud'],
    ['an unversioned package', 'arn:aws:sagemaker:eu-west-1:123456789012:model-package/fraud'],
    ['version 0', 'arn:aws:sagemaker:eu-west-1:123456789012:model-package/fraud/0'],
    ['another service', 'arn:aws:s3:::models/fraud/1'],
    ['a short account', 'arn:aws:sagemaker:eu-west-1:1234:model-package/fraud/1'],
  ])('does not parse %s', (_what, arn) => {
    expect(parseModelPackageVersionArn(arn)).toBeUndefined();
  });

  it('compares groups without case', () => {
    expect(sameModelPackageGroup('Fraud', 'fraud')).toBe(true);
    expect(sameModelPackageGroup('fraud', 'fraud-v2')).toBe(false);
  });

  it('renders an anchored pattern for one group, or any valid part when not given', () => {
    const one = new RegExp(modelPackageVersionArnPattern({ group: 'Fraud-2', region: 'eu-west-1', account: '123456789012' }));
    expect(one.test('arn:aws:sagemaker:eu-west-1:123456789012:model-package/fraud-2/3')).toBe(true);
    expect(one.test('arn:aws:sagemaker:eu-west-1:123456789012:model-package/fraud-22/3')).toBe(false);
    expect(one.test('xarn:aws:sagemaker:eu-west-1:123456789012:model-package/fraud-2/3')).toBe(false);
    const any = new RegExp(modelPackageVersionArnPattern());
    expect(any.test('arn:aws-us-gov:sagemaker:us-gov-west-1:210987654321:model-package/ranking/12')).toBe(true);
    expect(any.test('arn:aws:sagemaker:us-gov-west-1:210987654321:model-package/ranking/12/extra')).toBe(false);
  });
});
