/**
 * The events that say a deployment was rolled back, as EventBridge patterns (plain objects: the AWS
 * constructs turn them into rules, the tests match the documentation's sample events against them).
 * Not exported from the package index: constants and functions are no jsii API.
 */

/**
 * SageMaker endpoint events. "Events that Amazon SageMaker AI sends to Amazon EventBridge"
 * (https://docs.aws.amazon.com/sagemaker/latest/dg/automating-sagemaker-with-eventbridge.html):
 * source `aws.sagemaker`; "Endpoint state change" (`SageMaker Endpoint State Change`) and "Endpoint
 * deployment state change" (`SageMaker Endpoint Deployment State Change`, the blue/green deployment's
 * progress), both with `detail.EndpointName` and `detail.EndpointStatus` spelled in capitals
 * (`IN_SERVICE`, `UPDATING` in the samples).
 */
export const SAGEMAKER_EVENT_SOURCE = 'aws.sagemaker';
export const ENDPOINT_STATE_CHANGE = 'SageMaker Endpoint State Change';
export const ENDPOINT_DEPLOYMENT_STATE_CHANGE = 'SageMaker Endpoint Deployment State Change';

/**
 * The endpoint statuses of a deployment that did not complete. The page above names no rollback
 * state in either event (its deployment sample's `VariantStatus` values are `Creating`, `Deleting`,
 * `Updating`, `ActivatingTraffic`, `Baking`). DescribeEndpoint's `EndpointStatus`
 * (https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_DescribeEndpoint.html) has
 * `RollingBack`, `Failed` and `UpdateRollbackFailed` ("both the rolling deployment and auto-rollback
 * failed"): matched in the API's spelling and in the events' capitals, as nothing documents which
 * one the events use for these.
 */
export const ENDPOINT_ROLLBACK_STATUSES = ['RollingBack', 'ROLLING_BACK', 'Failed', 'FAILED', 'UpdateRollbackFailed', 'UPDATE_ROLLBACK_FAILED'];

/**
 * A blue/green auto-rollback returns the endpoint to `InService` on its old fleet: DescribeEndpoint's
 * `FailureReason` is set "if the status of the endpoint is Failed, or the status is InService but
 * update operation fails" (same page). So an endpoint event carrying a `FailureReason` is a rolled
 * back (or failed) update too, whatever its status.
 */
export const ENDPOINT_FAILURE_REASON_KEY = 'FailureReason';

/**
 * CloudFormation stack status changes. "Stack Status Change event detail"
 * (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/event-detail-stack-status-change.html):
 * source `aws.cloudformation`, detail-type `CloudFormation Stack Status Change`, `detail.stack-id`
 * (the stack's ARN, also in `resources`) and `detail.status-details.status`.
 */
export const CLOUDFORMATION_EVENT_SOURCE = 'aws.cloudformation';
export const STACK_STATUS_CHANGE = 'CloudFormation Stack Status Change';

/**
 * Stack statuses after a failed update ("Stack status codes", CloudFormation User Guide,
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/view-stack-events.html):
 * `UPDATE_ROLLBACK_COMPLETE` (the previous template and parameters are back) and
 * `UPDATE_ROLLBACK_FAILED` (they are not all back: ContinueUpdateRollback is needed).
 */
export const STACK_ROLLBACK_STATUSES = ['UPDATE_ROLLBACK_COMPLETE', 'UPDATE_ROLLBACK_FAILED'];

/** An EventBridge event pattern as JSON. */
export type EventPatternJson = Record<string, unknown>;

/**
 * The pattern of an endpoint's rolled back or failed deployments: a state change or deployment state
 * change of this endpoint with a rollback or failure status, or with a failure reason.
 */
export function endpointRollbackPattern(endpointName: string): EventPatternJson {
  return {
    'source': [SAGEMAKER_EVENT_SOURCE],
    'detail-type': [ENDPOINT_STATE_CHANGE, ENDPOINT_DEPLOYMENT_STATE_CHANGE],
    'detail': {
      EndpointName: [endpointName],
      $or: [
        { EndpointStatus: [...ENDPOINT_ROLLBACK_STATUSES] },
        { [ENDPOINT_FAILURE_REASON_KEY]: [{ exists: true }] },
      ],
    },
  };
}

/**
 * The pattern of rolled back or failed deployments of any of these endpoints (`endpointRollbackPattern`
 * for several). With none, a pattern no endpoint event matches (every one names its endpoint), as a
 * rule needs a pattern.
 */
export function endpointsRollbackPattern(endpointNames: readonly string[]): EventPatternJson {
  const pattern = endpointRollbackPattern('');
  const detail = pattern.detail as Record<string, unknown>;
  return { ...pattern, detail: { ...detail, EndpointName: endpointNames.length > 0 ? [...endpointNames] : [{ exists: false }] } };
}

/**
 * The pattern of a stack's update rolled back (or failing to roll back): the stack by its id, or, with
 * `byPrefix`, every stack whose id starts with the given ARN prefix (`arn:…:stack/<name>/`: a stack
 * named by its name, whose id's suffix is assigned when it is created).
 */
export function stackRollbackPattern(stackId: string, byPrefix = false): EventPatternJson {
  return {
    'source': [CLOUDFORMATION_EVENT_SOURCE],
    'detail-type': [STACK_STATUS_CHANGE],
    'detail': {
      'stack-id': [byPrefix ? { prefix: stackId } : stackId],
      'status-details': { status: [...STACK_ROLLBACK_STATUSES] },
    },
  };
}
