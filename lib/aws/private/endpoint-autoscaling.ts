import { Duration } from 'aws-cdk-lib';
import * as appscaling from 'aws-cdk-lib/aws-applicationautoscaling';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import { Construct } from 'constructs';
import { SCALE_IN_COOLDOWN_SECONDS } from '../../core/policy';
import { SAGEMAKER_AUTOSCALING_ROLE_NAME } from '../../core/sagemaker-endpoint';
import { addWarning } from '../../core/warnings';
import type { EndpointAutoscalingOptions } from '../gpu-serving-endpoint';

/** Autoscaling cooldowns: scale in slowly (a GPU instance is slow to come back, core policy), out quickly. */
const DEFAULT_SCALE_OUT_COOLDOWN_SECONDS = 120;

/** The endpoint's variant that autoscales. */
export interface AutoscaledVariant {
  readonly endpoint: sagemaker.CfnEndpoint;
  readonly endpointName: string;
  readonly variantName: string;
  readonly gpusPerInstance: number;
  /** The variant's GPUUtilization (`/aws/sagemaker/Endpoints`). */
  readonly gpuUtilization: cloudwatch.IMetric;
}

/**
 * The variant's scalable target (`ScalableTarget` in `scope`) with target tracking on invocations
 * per instance and/or GPU utilization; none, with a warning naming the next step, while
 * `registered` is false (the first deployment of an instance-type change).
 */
export function configureEndpointAutoscaling(scope: Construct, a: EndpointAutoscalingOptions, v: AutoscaledVariant): void {
  if (!(a.registered ?? true)) {
    addWarning(scope, 'cdk-mlops:gpu-serving-endpoint:autoscaling-deregistered',
      `autoscaling.registered is false: the ${v.variantName} variant is not autoscaled. After deploying this, change instanceType and `
      + 'set autoscaling.registered back to true in the next deployment (SageMaker refuses to change the instance type of an autoscaled variant).');
    return;
  }
  const target = new appscaling.ScalableTarget(scope, 'ScalableTarget', {
    serviceNamespace: appscaling.ServiceNamespace.SAGEMAKER,
    resourceId: `endpoint/${v.endpointName}/variant/${v.variantName}`,
    scalableDimension: 'sagemaker:variant:DesiredInstanceCount',
    minCapacity: a.minInstances ?? 1,
    maxCapacity: a.maxInstances,
    // Application Auto Scaling scales SageMaker variants with its service-linked role: naming it
    // creates no role of our own (core/sagemaker-endpoint.ts).
    role: iam.Role.fromRoleName(scope, 'ScalingRole', SAGEMAKER_AUTOSCALING_ROLE_NAME, { mutable: false }),
  });
  target.node.addDependency(v.endpoint);
  const cooldowns = {
    scaleInCooldown: a.scaleInCooldown ?? Duration.seconds(SCALE_IN_COOLDOWN_SECONDS),
    scaleOutCooldown: a.scaleOutCooldown ?? Duration.seconds(DEFAULT_SCALE_OUT_COOLDOWN_SECONDS),
  };
  if (a.targetInvocationsPerInstance !== undefined) {
    target.scaleToTrackMetric('InvocationsPerInstance', {
      // Unique per scalable target is enough; aws-cdk-lib's default hashes the construct path,
      // which names the stack: a model's template would then not be another's with its name.
      policyName: 'InvocationsPerInstance',
      targetValue: a.targetInvocationsPerInstance,
      predefinedMetric: appscaling.PredefinedMetric.SAGEMAKER_VARIANT_INVOCATIONS_PER_INSTANCE,
      ...cooldowns,
    });
  }
  if (a.targetGpuUtilizationPercent !== undefined) {
    // GPUUtilization adds up across the instance's GPUs (100% per GPU).
    target.scaleToTrackMetric('GpuUtilization', {
      policyName: 'GpuUtilization',
      targetValue: a.targetGpuUtilizationPercent * v.gpusPerInstance,
      customMetric: v.gpuUtilization,
      ...cooldowns,
    });
  }
}
