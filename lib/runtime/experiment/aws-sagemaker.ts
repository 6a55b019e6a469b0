/**
 * The two SageMaker calls of the experiment handler, on SageMaker's JSON API (awsJson1_1,
 * `X-Amz-Target: SageMaker.<Action>`, signing name `sagemaker`; SageMaker API reference,
 * "DescribeEndpoint", "UpdateEndpointWeightsAndCapacities"), signed as aws-state.ts signs SSM's:
 * without the SageMaker SDK client, whose bundle would add about 215 KiB gzipped to the package.
 */

import { AwsJsonTarget, awsJsonCall } from './aws-state';

/** A variant as DescribeEndpoint reports it (the fields the handler reads). */
export interface VariantWeight {
  readonly VariantName?: string;
  readonly CurrentWeight?: number;
  readonly DesiredWeight?: number;
}

/** What the handler calls on SageMaker. */
export interface SageMakerApi {
  describeEndpoint(endpointName: string): Promise<{ readonly EndpointStatus?: string; readonly ProductionVariants?: VariantWeight[] }>;
  updateEndpointWeights(endpointName: string, weights: Array<{ VariantName: string; DesiredWeight: number }>): Promise<void>;
}

/** The SageMaker API at `target` (service and target prefix set here). */
export function sageMakerApi(target: Omit<AwsJsonTarget, 'service' | 'targetPrefix'>): SageMakerApi {
  const api: AwsJsonTarget = { ...target, service: 'sagemaker', targetPrefix: 'SageMaker' };
  return {
    describeEndpoint: (endpointName) => awsJsonCall(api, 'DescribeEndpoint', { EndpointName: endpointName }),
    updateEndpointWeights: async (endpointName, weights) => {
      await awsJsonCall(api, 'UpdateEndpointWeightsAndCapacities', { EndpointName: endpointName, DesiredWeightsAndCapacities: weights });
    },
  };
}
