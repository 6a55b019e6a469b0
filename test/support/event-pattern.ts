import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

/**
 * EventBridge's matching of an event pattern, as moto implements it (moto.events.models.EventPattern,
 * in the emulator venv of scripts/install-emulator.sh): aws-cdk-lib has no matcher. Each event is
 * matched against the pattern; the answers in order.
 */
export const EMULATOR_PYTHON = path.join(__dirname, '..', '..', '.tools', 'emulator-venv', 'bin', 'python');
export const HAS_EMULATOR = fs.existsSync(EMULATOR_PYTHON);

const MATCH = `
import json, sys
from moto.events.models import EventPattern
d = json.load(sys.stdin)
p = EventPattern.load(json.dumps(d["pattern"]))
print(json.dumps([p.matches_event(e) for e in d["events"]]))
`;

export function eventBridgeMatches(pattern: unknown, events: unknown[]): boolean[] {
  const out = execFileSync(EMULATOR_PYTHON, ['-c', MATCH], { input: JSON.stringify({ pattern, events }), encoding: 'utf-8' });
  return JSON.parse(out);
}

/** `value` with every `{ Ref: ... }` / `{ 'Fn::…': ... }` object replaced by `replacement` (a deployed value). */
export function withDeployedValue(value: unknown, replacement: string): unknown {
  if (Array.isArray(value)) return value.map((v) => withDeployedValue(v, replacement));
  if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value);
    if (keys.length === 1 && (keys[0] === 'Ref' || keys[0].startsWith('Fn::'))) return replacement;
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withDeployedValue(v, replacement)]));
  }
  return value;
}

/**
 * The sample of "Endpoint deployment state change" in "Events that Amazon SageMaker AI sends to
 * Amazon EventBridge" (https://docs.aws.amazon.com/sagemaker/latest/dg/automating-sagemaker-with-eventbridge.html):
 * a blue/green canary deployment baking, endpoint `UPDATING` (its `StartTime: Timestamp` placeholder
 * written as a number).
 */
export function sageMakerDeploymentSample(endpointName = 'sample-endpoint'): any {
  return {
    'version': '0',
    'id': '0bd4a141-0a02-9d8a-f977-3924c3fb259c',
    'detail-type': 'SageMaker Endpoint Deployment State Change',
    'source': 'aws.sagemaker',
    'account': '123456789012',
    'time': '2021-10-25T01:52:12Z',
    'region': 'us-west-2',
    'resources': [`arn:aws:sagemaker:us-west-2:651393343886:endpoint/${endpointName}`],
    'detail': {
      EndpointName: endpointName,
      EndpointArn: `arn:aws:sagemaker:us-west-2:651393343886:endpoint/${endpointName}`,
      EndpointConfigName: 'sample-endpoint-config-1',
      ProductionVariants: [{ VariantName: 'AllTraffic', CurrentWeight: 1, DesiredWeight: 1, CurrentInstanceCount: 3, DesiredInstanceCount: 3 }],
      EndpointStatus: 'UPDATING',
      CreationTime: 1635195148181,
      LastModifiedTime: 1635195148181,
      Tags: {},
      PendingDeploymentSummary: {
        EndpointConfigName: 'sample-endpoint-config-2',
        StartTime: 1635195269181,
        ProductionVariants: [{
          VariantName: 'AllTraffic',
          CurrentWeight: 1,
          DesiredWeight: 1,
          CurrentInstanceCount: 1,
          DesiredInstanceCount: 3,
          VariantStatus: [{
            Status: 'Baking',
            StatusMessage: 'Baking for 600 seconds (TerminationWaitInSeconds) with traffic enabled on canary capacity of 1 instance(s).',
            StartTime: 1635195269181,
          }],
        }],
      },
    },
  };
}

/** The sample of "Endpoint state change" (same page): endpoint `IN_SERVICE`. */
export function sageMakerEndpointStateSample(endpointName = 'MyEndpoint'): any {
  return {
    'version': '0',
    'id': 'd2921b5a-b0ad-cace-a8e3-0f159d018e06',
    'detail-type': 'SageMaker Endpoint State Change',
    'source': 'aws.sagemaker',
    'account': '123456789012',
    'time': '1583831889050',
    'region': 'us-west-2',
    'resources': ['arn:aws:sagemaker:us-west-2:123456789012:endpoint/myendpoint'],
    'detail': {
      EndpointName: endpointName,
      EndpointArn: 'arn:aws:sagemaker:us-west-2:123456789012:endpoint/myendpoint',
      EndpointConfigName: 'MyEndpointConfig',
      ProductionVariants: [{ DesiredWeight: 1.0, DesiredInstanceCount: 1.0 }],
      EndpointStatus: 'IN_SERVICE',
      CreationTime: 1592411992203.0,
      LastModifiedTime: 1592411994287.0,
      Tags: {},
    },
  };
}

/**
 * The shape of "Stack Status Change event detail" (CloudFormation User Guide,
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/event-detail-stack-status-change.html),
 * its example's values (stack `teststack` created) with the stack and status given.
 */
export function stackStatusSample(stackId: string, status = 'CREATE_COMPLETE'): any {
  return {
    'version': '0',
    'id': '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
    'detail-type': 'CloudFormation Stack Status Change',
    'source': 'aws.cloudformation',
    'account': '111122223333',
    'time': '2017-12-22T18:43:48Z',
    'region': 'us-west-1',
    'resources': [stackId],
    'detail': {
      'stack-id': stackId,
      'status-details': { 'status': status, 'status-reason': '' },
      'client-request-token': '',
    },
  };
}
