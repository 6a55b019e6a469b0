/**
 * Every `{"Get": "Execution.<name>"}` of every SageMaker pipeline the examples render (the training
 * pipelines of MlPipeline and the platforms, batch scoring's) names an execution variable SageMaker
 * has: the SageMaker Python SDK's `ExecutionVariables` (lib/core/sagemaker-limits.ts). A reference to
 * anything else (as `Execution.ExecutionId` was) fails when the pipeline is created or run.
 */
import { Stack } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { buildExamples } from '../../examples';
import { SAGEMAKER_EXECUTION_VARIABLES } from '../../lib/core/sagemaker-limits';

const KNOWN = new Set<string>(Object.values(SAGEMAKER_EXECUTION_VARIABLES));

/** A pipeline definition's text as the template holds it: a JSON string, or an Fn::Join of its parts (tokens as placeholders). */
function definitionText(definition: any): string {
  const body = definition.PipelineDefinitionBody;
  if (typeof body === 'string') return body;
  return (body['Fn::Join'][1] as unknown[]).map((p) => (typeof p === 'string' ? p : 'TOKEN')).join('');
}

/** Every `{"Get": "Execution.<name>"}` of a definition's text. */
function executionReferences(text: string): string[] {
  return [...text.matchAll(/"Get"\s*:\s*"(Execution\.[^"]*)"/g)].map((m) => m[1]);
}

describe('SageMaker pipeline definitions read only execution variables SageMaker has', () => {
  it('every Execution.* reference of every example pipeline is one of the SDK\'s ExecutionVariables', () => {
    const examples = buildExamples({ nag: false });
    const assembly = examples.awsApp.synth();
    const references = examples.awsApp.node.findAll().filter(Stack.isStack).flatMap((stack) => {
      const resources = Object.values<any>(assembly.getStackArtifact(stack.artifactId).template.Resources ?? {});
      return resources.filter((r) => r.Type === 'AWS::SageMaker::Pipeline')
        .flatMap((r) => executionReferences(definitionText(r.Properties.PipelineDefinition)));
    });
    expect(references.length).toBeGreaterThan(5);
    expect(references.filter((g) => !KNOWN.has(g.slice('Execution.'.length)))).toEqual([]);
  });
});
