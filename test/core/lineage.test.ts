import { describe, expect, it } from 'vitest';
import { Lineage, LineageProps } from '../../lib/core/lineage';
import { expectValidationError } from '../support/aws';

const good: LineageProps = {
  datasetVersion: 'transactions@2026-11-01',
  codeCommit: '0123456789abcdef0123456789abcdef01234567',
  featureSetVersion: 'fs-3f9a2c1b',
  evaluationReportUri: 's3://acme-ml/fraud/eval/run-42/evaluation.json',
};

describe('Lineage', () => {
  it('renders the four fields as model package customer metadata', () => {
    expect(Lineage.toCustomerMetadata(good)).toEqual({
      'lineage:dataset-version': 'transactions@2026-11-01',
      'lineage:code-commit': '0123456789abcdef0123456789abcdef01234567',
      'lineage:feature-set-version': 'fs-3f9a2c1b',
      'lineage:evaluation-report': 's3://acme-ml/fraud/eval/run-42/evaluation.json',
    });
  });

  it('lists its metadata keys, the ones the promotion on approval requires by default', () => {
    expect(Lineage.metadataKeys()).toEqual(Object.keys(Lineage.toCustomerMetadata(good)));
  });

  it('reads back what it wrote', () => {
    expect(Lineage.fromCustomerMetadata(Lineage.toCustomerMetadata(good))).toEqual(good);
  });

  it.each([
    ['codeCommit', 'abc', 'must be a full 40-character lowercase hex git commit SHA'],
    ['codeCommit', '0123456789ABCDEF0123456789ABCDEF01234567', 'must be a full 40-character lowercase hex git commit SHA'],
    ['evaluationReportUri', 'https://example.com/eval.json', 'must be an s3:// URI with a bucket and a key'],
    ['evaluationReportUri', 's3://bucket-only', 'must be an s3:// URI with a bucket and a key'],
    ['datasetVersion', '', 'must be 1-200 characters'],
    ['featureSetVersion', 'has spaces', 'must be 1-200 characters'],
  ])('rejects %s = %j', (field, value, allowed) => {
    const e = expectValidationError(() => Lineage.toCustomerMetadata({ ...good, [field]: value }, 'Pipeline/Register'));
    expect(e.problems).toHaveLength(1);
    expect(e.problems[0].constructPath).toBe('Pipeline/Register');
    expect(e.problems[0].property).toBe(field);
    expect(e.problems[0].received).toBe(JSON.stringify(value));
    expect(e.problems[0].allowed).toContain(allowed);
  });

  it('rejects missing fields, all of them at once', () => {
    const e = expectValidationError(() => Lineage.validate({ codeCommit: good.codeCommit } as LineageProps));
    expect(e.problems.map((p) => p.property)).toEqual(['datasetVersion', 'featureSetVersion', 'evaluationReportUri']);
    expect(e.problems.every((p) => p.received === 'undefined')).toBe(true);
  });

  it('rejects metadata of a model package registered without lineage', () => {
    const e = expectValidationError(() => Lineage.fromCustomerMetadata({ owner: 'someone' }, 'arn:aws:sagemaker:eu-west-1:123456789012:model-package/fraud/3'));
    expect(e.problems).toHaveLength(4);
    expect(e.message).toContain('arn:aws:sagemaker:eu-west-1:123456789012:model-package/fraud/3: datasetVersion');
  });
});
