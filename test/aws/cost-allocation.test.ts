import { Lazy, Stack, Tags } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { CostAllocation } from '../../lib/aws/cost-allocation';
import { expectValidationError, newStack, template } from '../support/aws';

/** A resource's tags as a map (Key/Value list). */
function tagsOf(stack: Stack, type: string): Array<Record<string, string>> {
  return Object.values(template(stack).findResources(type))
    .map((r: any) => Object.fromEntries((r.Properties?.Tags ?? []).map((t: any) => [t.Key, t.Value])));
}

describe('aws.CostAllocation', () => {
  it('tags every taggable resource below the scope with model, owner, platform and the user\'s tags', () => {
    const stack = newStack();
    new sqs.Queue(stack, 'Queue');
    new iam.Role(stack, 'Role', { assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com') });
    CostAllocation.apply(stack, { platform: 'acme', model: 'fraud', owner: 'fraud-ml-oncall', tags: { 'cost-center': 'ml-42' } });
    // Added after apply: tagged too (Tags.of is an aspect).
    new s3.Bucket(stack, 'Bucket');
    const expected = { 'cost-center': 'ml-42', 'model': 'fraud', 'owner': 'fraud-ml-oncall', 'platform': 'acme' };
    for (const type of ['AWS::SQS::Queue', 'AWS::IAM::Role', 'AWS::S3::Bucket']) {
      expect(tagsOf(stack, type), type).toEqual([expected]);
    }
  });

  it('tags what the models share as model=shared, and a nearer scope\'s apply wins', () => {
    const stack = newStack();
    const model = new Construct(stack, 'Fraud');
    new sqs.Queue(stack, 'Shared');
    new sqs.Queue(model, 'Own');
    CostAllocation.apply(model, { platform: 'acme', model: 'fraud', owner: 'fraud-ml-oncall' });
    CostAllocation.apply(stack, { platform: 'acme', owner: 'ml-platform-oncall' });
    const queues = template(stack).findResources('AWS::SQS::Queue');
    const tags = (id: string) => Object.fromEntries(
      Object.entries(queues).find(([k]) => k.startsWith(id))![1].Properties.Tags.map((t: any) => [t.Key, t.Value]),
    );
    expect(tags('Shared')).toEqual({ model: 'shared', owner: 'ml-platform-oncall', platform: 'acme' });
    expect(tags('Fraud')).toEqual({ model: 'fraud', owner: 'fraud-ml-oncall', platform: 'acme' });
  });

  it('keeps a tag the user sets with a higher priority', () => {
    const stack = newStack();
    new sqs.Queue(stack, 'Queue');
    CostAllocation.apply(stack, { platform: 'acme', model: 'fraud', owner: 'fraud-ml-oncall' });
    Tags.of(stack).add('owner', 'finance', { priority: 200 });
    expect(tagsOf(stack, 'AWS::SQS::Queue')[0].owner).toBe('finance');
  });

  it('refuses every bad value at once, naming the scope, the property and what is allowed', () => {
    const stack = newStack();
    const scope = new Construct(stack, 'Serving');
    const error = expectValidationError(() => CostAllocation.apply(scope, {
      platform: '', owner: 'ml#oncall', model: 'x'.repeat(257), tags: { 'model': 'a', 'aws:x': 'b', 'ok': 'bad|value' },
    }));
    expect(error.problems.map((p) => [p.constructPath, p.property])).toEqual(expect.arrayContaining([
      ['TestStack/Serving', 'platform'], ['TestStack/Serving', 'owner'], ['TestStack/Serving', 'model'],
      ['TestStack/Serving', 'tags.model'], ['TestStack/Serving', 'tags.aws:x'], ['TestStack/Serving', 'tags.ok'],
    ]));
    expect(error.problems).toHaveLength(6);
    expect(error.problems.find((p) => p.property === 'tags.model')!.allowed).toMatch(/must not be model, owner, platform/);
    expect(error.problems.find((p) => p.property === 'owner')!.allowed).toMatch(/letters, digits, spaces and _\.:\/=\+-@/);
    // Nothing was applied.
    new sqs.Queue(scope, 'Queue');
    expect(tagsOf(stack, 'AWS::SQS::Queue')).toEqual([{}]);
  });

  it('does not judge a token (its value is known at deployment)', () => {
    const stack = newStack();
    new sqs.Queue(stack, 'Queue');
    const owner = Lazy.string({ produce: () => 'team-from-context' });
    CostAllocation.apply(stack, { platform: 'acme', owner });
    expect(tagsOf(stack, 'AWS::SQS::Queue')[0].owner).toBe('team-from-context');
  });

  it('tagsOf says what apply sets', () => {
    expect(CostAllocation.tagsOf({ platform: 'acme', owner: 'o', tags: { team: 't' } })).toEqual({ team: 't', model: 'shared', owner: 'o', platform: 'acme' });
  });
});
