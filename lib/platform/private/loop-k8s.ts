import { ApiObject } from 'cdk8s';
import { LoopLink, LoopStage } from '../../core/lifecycle-loop';
import { PlatformModelSpec } from '../../core/platform-spec';
import { ServingRenderer } from '../../k8s/gpu-serving-endpoint';
import type { KubernetesPlatformModel } from '../kubernetes-platform-model';
import { canaryText, gateText, inLoopOrder, samplingPercentOf, triggersText } from './loop';

/** `Kind namespace/name` of a Kubernetes object. */
export function objectRef(o: ApiObject): string {
  return o.metadata.namespace !== undefined ? `${o.kind} ${o.metadata.namespace}/${o.name}` : `${o.kind} ${o.name}`;
}

/** What implements each link of a model's loop on Kubernetes (`KubernetesPlatformModel.loop()`). */
export function kubernetesLoop(model: KubernetesPlatformModel, m: PlatformModelSpec): LoopStage[] {
  const rollout = model.renderer === ServingRenderer.ARGO_ROLLOUT;
  const server = objectRef(model.endpoint.defaultChild);
  return inLoopOrder({
    [LoopLink.CAPTURE]: {
      rendered: true,
      implementation: rollout
        ? `a capture proxy in each server pod posts ${samplingPercentOf(m)} % of the requests and responses to the capture service, which writes them as SageMaker data capture (JSON Lines) under the drift job's prefix`
        : `KServe's logger posts the requests and responses to the capture service, which writes ${samplingPercentOf(m)} % of them as SageMaker data capture (JSON Lines) under the drift job's prefix`,
      resources: [objectRef(model._capture.deployment), server],
    },
    [LoopLink.DRIFT]: {
      rendered: true,
      implementation: `the drift CronJob computes PSI of ${m.drift.features.length} features and the predictions and pushes them to the Pushgateway; PrometheusRule alerts at 0.1 and 0.2`,
      resources: [objectRef(ApiObject.of(model.drift.job)), objectRef(model.drift.alerts)],
    },
    [LoopLink.RETRAIN]: model.retrainOnDrift !== undefined
      ? {
        rendered: true,
        implementation: `Alertmanager sends the firing sustained-drift alert to the platform's Argo Events webhook; its Sensor creates a Workflow from ${model.pipeline.name} (its data version suffixed with @ and the alert's start), allowed by the model's Role`,
        resources: [objectRef(model.drift.alerts), objectRef(model.retrainOnDrift.sensor), objectRef(model.retrainOnDrift.role)],
      }
      : {
        rendered: false,
        implementation: `route the sustained-drift alert (labelled with the WorkflowTemplate) from Alertmanager to a webhook that submits ${model.pipeline.name}`,
        resources: [objectRef(model.drift.alerts)],
      },
    [LoopLink.GATE]: {
      rendered: true,
      implementation: `the WorkflowTemplate's register step runs only when ${gateText(m)} (a when expression on the evaluation's output)`,
      resources: [objectRef(model.pipeline.workflowTemplate)],
    },
    [LoopLink.REGISTER]: {
      rendered: true,
      implementation: `the register step creates a version of the MLflow registered model ${model.registeredModelName} with the lineage tags`,
      resources: [objectRef(model.pipeline.workflowTemplate)],
    },
    [LoopLink.APPROVAL]: {
      rendered: true,
      implementation: `moving the MLflow alias to a version runs the promoter (a CronJob, every minute): lineage tags checked, the ${model.promotion.targetKind}'s model annotation patched; refusals are recorded on it and alert`,
      resources: [objectRef(ApiObject.of(model.promotion.job)), objectRef(model.promotion.role), objectRef(model.promotion.alerts)],
    },
    [LoopLink.CANARY_DEPLOY]: {
      rendered: true,
      implementation: rollout
        ? `the Argo Rollout's canary shifts ${canaryText(m)}`
        : `KServe keeps the previous revision and sends the canary's share to the new one (${canaryText(m)}: promote by hand)`,
      resources: [server],
    },
    [LoopLink.AUTO_ROLLBACK]: rollout
      ? {
        rendered: true,
        implementation: `the canary's analysis (${triggersText(m)}) aborts the Rollout back to the stable version, defined before the deployment`,
        resources: [objectRef(model.endpoint.analysisTemplate!), server],
      }
      : {
        rendered: false,
        implementation: `KServe does not abort a canary: the alerts (${triggersText(m)}) notify the owner, who rolls back by hand`,
        resources: [objectRef(model.endpoint.prometheusRule)],
      },
  });
}
