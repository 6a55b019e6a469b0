/**
 * What SageMaker, Application Auto Scaling and CloudFormation do with an endpoint's template: the
 * AWS facts the AWS `GpuServingEndpoint` relies on, each beside the documentation page that states it.
 */

/**
 * The service-linked role Application Auto Scaling scales SageMaker endpoint variants with (path and
 * name, after `role/`). It creates it on the first `RegisterScalableTarget`; a scalable target needs
 * no role of its own.
 *
 * - Application Auto Scaling User Guide, "Service-linked roles for Application Auto Scaling",
 *   Service-linked role ARN reference (SageMaker:
 *   `arn:aws:iam::<account>:role/aws-service-role/sagemaker.application-autoscaling.amazonaws.com/AWSServiceRoleForApplicationAutoScaling_SageMakerEndpoint`).
 * - CloudFormation, `AWS::ApplicationAutoScaling::ScalableTarget` `RoleARN`: "To automatically create a
 *   service-linked role (recommended), specify the full ARN of the service-linked role in your stack template."
 */
export const SAGEMAKER_AUTOSCALING_ROLE_NAME =
  'aws-service-role/sagemaker.application-autoscaling.amazonaws.com/AWSServiceRoleForApplicationAutoScaling_SageMakerEndpoint';

/**
 * The variant properties an endpoint update keeps from the running endpoint (`RetainAllVariantProperties`)
 * or takes from the new endpoint config (`ExcludeRetainedVariantProperties`) — SageMaker API Reference,
 * "VariantProperty": `DesiredInstanceCount` (from `InitialInstanceCount`), `DesiredWeight` (from
 * `InitialVariantWeight`), `DataCaptureConfig` ("Not currently supported" as an exclusion);
 * CloudFormation, `AWS::SageMaker::Endpoint` `RetainAllVariantProperties` / `ExcludeRetainedVariantProperties`.
 *
 * An autoscaled variant keeps the instance count autoscaling reached (otherwise every update resets it to
 * `InitialInstanceCount`, "Update endpoints that use auto scaling") and takes the weights of the new config.
 * A fixed-size endpoint keeps `RetainAllVariantProperties` false: nothing else sets its count, so a
 * changed `initialInstanceCount` must apply. Not documented, so not relied on: whether SageMaker keeps
 * the running endpoint's data capture configuration on a retaining update (`DataCaptureConfig` is a
 * `VariantPropertyType`, and excluding it is "Not currently supported").
 */
export const RETAINED_VARIANT_PROPERTY_OVERRIDES = ['DesiredWeight'];

/**
 * SageMaker refuses an update that changes the instance type of a variant registered with Application
 * Auto Scaling, or removes such a variant: deregister it first, update, register again ("Update
 * endpoints that use auto scaling", SageMaker Developer Guide). CloudFormation deletes a removed or
 * replaced resource only after every create and update of the stack operation (the
 * `UPDATE_COMPLETE_CLEANUP_IN_PROGRESS` phase, "Update behaviors of stack resources" / stack status
 * codes), so one deployment cannot deregister the old target before the endpoint update: it takes two
 * (`autoscaling.registered: false`, then the new instance type).
 */
export const AUTOSCALED_INSTANCE_TYPE_CHANGE =
  'SageMaker refuses to change the instance type of a variant registered with Application Auto Scaling ("Update endpoints that use auto scaling")';
