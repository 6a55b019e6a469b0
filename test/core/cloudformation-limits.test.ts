import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, CfnParameter, CfnResource, Stack } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import {
  MAX_NESTED_STACK_OPERATION_RESOURCES,
  MAX_STACKS_PER_ACCOUNT_REGION,
  MAX_TEMPLATE_BODY_BYTES,
  MAX_TEMPLATE_DESCRIPTION_BYTES,
  MAX_TEMPLATE_MAPPINGS,
  MAX_TEMPLATE_OUTPUTS,
  MAX_TEMPLATE_PARAMETERS,
  MAX_TEMPLATE_RESOURCES,
  exportNameProblems,
  nestedOperationProblem,
  stackCountProblem,
  templateLimitCounts,
  templateLimitProblems,
} from '../../lib/core/cloudformation-limits';

/**
 * The limit checks `bench/scale.ts` fails on (issue 15): each CloudFormation limit is caught one
 * over it and not at it. A template is a parsed `*.template.json`.
 */
const section = (n: number, entry: (i: number) => unknown) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`E${i}`, entry(i)]));
const resources = (n: number) => section(n, () => ({ Type: 'AWS::SNS::Topic' }));

describe('templateLimitProblems', () => {
  it.each([
    ['resources', MAX_TEMPLATE_RESOURCES, (n: number) => ({ Resources: resources(n) })],
    ['parameters', MAX_TEMPLATE_PARAMETERS, (n: number) => ({ Parameters: section(n, () => ({ Type: 'String' })), Resources: resources(1) })],
    ['outputs', MAX_TEMPLATE_OUTPUTS, (n: number) => ({ Outputs: section(n, () => ({ Value: 'x' })), Resources: resources(1) })],
    ['mappings', MAX_TEMPLATE_MAPPINGS, (n: number) => ({ Mappings: section(n, () => ({ k: { v: 'x' } })), Resources: resources(1) })],
    ['bytes of description', MAX_TEMPLATE_DESCRIPTION_BYTES, (n: number) => ({ Description: 'd'.repeat(n), Resources: resources(1) })],
  ])('%s: refused one over the limit (%i), accepted at it', (what, max, make) => {
    expect(templateLimitProblems('T', make(max))).toEqual([]);
    expect(templateLimitProblems('T', make(max + 1))).toEqual([`T: ${max + 1} ${what}, CloudFormation allows at most ${max}`]);
  });

  it('body: the file size given (what is deployed), else the compact JSON; 1,000,000 bytes allowed', () => {
    const template = { Resources: resources(1) };
    expect(templateLimitProblems('T', template, MAX_TEMPLATE_BODY_BYTES)).toEqual([]);
    expect(templateLimitProblems('T', template, MAX_TEMPLATE_BODY_BYTES + 1)).toEqual([
      `T: ${MAX_TEMPLATE_BODY_BYTES + 1} bytes of template body (deployed from S3), CloudFormation allows at most ${MAX_TEMPLATE_BODY_BYTES}`,
    ]);
    // Multi-byte characters count as bytes, not characters.
    expect(templateLimitCounts({ Description: 'é' }).descriptionBytes).toBe(2);
    expect(templateLimitCounts(template).bodyBytes).toBe(JSON.stringify(template).length);
  });

  it('reports every limit a template breaks, not only the first', () => {
    const template = { Parameters: section(201, () => ({ Type: 'String' })), Outputs: section(201, () => ({ Value: 'x' })), Resources: resources(501) };
    expect(templateLimitProblems('T', template)).toHaveLength(3);
  });

  // aws-cdk-lib refuses a stack of more than 500 resources itself, unless its check is turned off
  // (context @aws-cdk/core:stackResourceLimit 0), and says nothing about 201 parameters: the
  // synthesized file is what the bench judges.
  it('catches a synthesized CDK template that aws-cdk-lib lets through', () => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'cfn-limits-'));
    try {
      const app = new App({ outdir, context: { '@aws-cdk/core:stackResourceLimit': 0 } });
      const stack = new Stack(app, 'Big');
      for (let i = 0; i < 501; i++) new CfnResource(stack, `Topic${i}`, { type: 'AWS::SNS::Topic' });
      for (let i = 0; i < 200; i++) new CfnParameter(stack, `P${i}`, { type: 'String', default: 'x' });
      app.synth();
      const file = path.join(outdir, 'Big.template.json');
      const text = fs.readFileSync(file, 'utf-8');
      // 200 parameters of ours + BootstrapVersion, added by the default synthesizer.
      expect(templateLimitProblems('Big', JSON.parse(text), fs.statSync(file).size)).toEqual([
        'Big: 501 resources, CloudFormation allows at most 500',
        'Big: 201 parameters, CloudFormation allows at most 200',
      ]);
    } finally {
      fs.rmSync(outdir, { recursive: true, force: true });
    }
  });
});

describe('account and operation limits', () => {
  it('stacks per account and Region: 2,000 by default, nested stacks included', () => {
    expect(stackCountProblem('aws://1/r', MAX_STACKS_PER_ACCOUNT_REGION)).toBeUndefined();
    expect(stackCountProblem('aws://1/r', MAX_STACKS_PER_ACCOUNT_REGION + 1)).toContain('2001 stacks');
    expect(stackCountProblem('aws://1/r', 2001, 5000)).toBeUndefined();
  });

  it('resources of a stack with its nested stacks in one operation: 2,500', () => {
    expect(nestedOperationProblem('Root', MAX_NESTED_STACK_OPERATION_RESOURCES)).toBeUndefined();
    expect(nestedOperationProblem('Root', MAX_NESTED_STACK_OPERATION_RESOURCES + 1)).toContain('2501 resources');
  });

  it('export names unique per account and Region', () => {
    expect(exportNameProblems('aws://1/r', ['a', 'b'])).toEqual([]);
    expect(exportNameProblems('aws://1/r', ['a', 'b', 'a'])).toEqual(['aws://1/r: export name a declared 2 times, export names must be unique per account and Region']);
  });
});
