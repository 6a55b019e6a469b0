// Either target's Duration fits a core policy (core.IDuration); the document's seconds become one here.
import { Duration } from 'aws-cdk-lib';
import { PipelineSpec } from '../../core/pipeline';
import { PlatformPipelineSpec } from '../../core/platform-spec';

/** The pipeline of a platform spec as the MlPipeline constructs take it: each step's `maxRuntimeSeconds` as the Duration `maxRuntime`. */
export function pipelineSpecOf(p: PlatformPipelineSpec): PipelineSpec {
  return {
    ...p,
    steps: p.steps.map(({ maxRuntimeSeconds, ...step }) => ({
      ...step,
      ...(maxRuntimeSeconds === undefined ? {} : { maxRuntime: Duration.seconds(maxRuntimeSeconds) }),
    })),
  };
}
