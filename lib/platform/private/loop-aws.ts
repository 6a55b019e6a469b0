import { IConstruct } from 'constructs';
import { LoopLink, LoopStage } from '../../core/lifecycle-loop';
import { PlatformModelSpec } from '../../core/platform-spec';
import type { PlatformModel } from '../platform-model';
import { canaryText, gateText, inLoopOrder, samplingPercentOf, triggersText } from './loop';

const paths = (...cs: IConstruct[]) => cs.map((c) => c.node.path);

/** What implements each link of a model's loop on AWS (`PlatformModel.loop()`). */
export function awsLoop(model: PlatformModel, m: PlatformModelSpec): LoopStage[] {
  const endpoint = model.endpoint.endpointName;
  return inLoopOrder({
    [LoopLink.CAPTURE]: {
      rendered: true,
      implementation: `SageMaker data capture on endpoint ${endpoint}: ${samplingPercentOf(m)} % of requests and responses as JSON Lines in S3`,
      resources: paths(model.endpoint),
    },
    [LoopLink.DRIFT]: {
      rendered: true,
      implementation: `the drift job (Lambda on an EventBridge schedule) computes PSI of ${m.drift.features.length} features and the predictions; alarms at 0.1 and 0.2`,
      resources: paths(model.drift.job),
    },
    [LoopLink.RETRAIN]: {
      rendered: true,
      implementation: `the sustained-drift composite alarm starts the pipeline ${model.pipeline.pipelineName} (EventBridge rule, StartPipelineExecution)`,
      resources: paths(model.drift.sustainedDrift, model.retrainOnDrift),
    },
    [LoopLink.GATE]: {
      rendered: true,
      implementation: `the pipeline's condition step: ${gateText(m)}`,
      resources: paths(model.pipeline),
    },
    [LoopLink.REGISTER]: {
      rendered: true,
      implementation: `RegisterModel into the model package group ${model.registry.modelPackageGroupName} with the lineage metadata, PendingManualApproval`,
      resources: paths(model.registry),
    },
    [LoopLink.APPROVAL]: {
      rendered: true,
      implementation: 'approving a version (ModelApprovalStatus Approved) runs the promotion function: lineage checked, the stack\'s ModelPackageArn updated; refused or failed approvals go to its dead-letter queue and alarm',
      resources: paths(model.promotion.handler, model.promotion.rule, model.promotion.deadLetterQueue),
    },
    [LoopLink.CANARY_DEPLOY]: {
      rendered: true,
      implementation: `CloudFormation updates the endpoint; SageMaker's blue/green canary shifts ${canaryText(m)}`,
      resources: paths(model.endpoint),
    },
    [LoopLink.AUTO_ROLLBACK]: {
      rendered: true,
      implementation: `SageMaker rolls the deployment back on its alarms (${triggersText(m)}), defined before the deployment`,
      resources: paths(...model.endpoint.rollbackAlarms),
    },
  });
}
