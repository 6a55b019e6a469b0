import { Annotations as CoreAnnotations, App, Stack } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { Construct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { addWarning, warningsOf } from '../../lib/core/warnings';

/** The one warning mechanism (lib/core/warnings.ts) is aws-cdk-lib's own on AWS. */
describe('addWarning on AWS', () => {
  const build = () => {
    const stack = new Stack(new App(), 'Stack');
    const thing = new Construct(stack, 'Thing');
    addWarning(thing, 'cdk-mlops:test:advice', 'Consider this.');
    addWarning(thing, 'cdk-mlops:test:advice', 'Consider this.'); // the same warning is kept once
    return { stack, thing };
  };

  it('is what Annotations.addWarningV2 writes: the assertions library and the CLI read it', () => {
    const { stack } = build();
    Annotations.fromStack(stack).hasWarning('/Stack/Thing', 'Consider this. [ack: cdk-mlops:test:advice]');
    expect(Annotations.fromStack(stack).findWarning('*', Match.anyValue())).toHaveLength(1);
  });

  it('is removed by Annotations.acknowledgeWarning with its id', () => {
    const { stack, thing } = build();
    CoreAnnotations.of(thing).acknowledgeWarning('cdk-mlops:test:advice', 'reviewed');
    Annotations.fromStack(stack).hasNoWarning('*', Match.anyValue());
    expect(warningsOf(stack)).toEqual([]);
  });
});
