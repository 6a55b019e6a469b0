/**
 * The Kubernetes promoter, one run (a CronJob runs it every minute, one at a time): read the version
 * MLflow's alias names and the serving object (an Argo Rollout or a KServe InferenceService), decide
 * with the rules of lib/core/mlflow-promotion.ts, then patch that one object:
 *
 * - PROMOTE: the pod template's `MODEL_URI_ANNOTATION` / `MODEL_VERSION_ANNOTATION` (the server's
 *   `MODEL_URI` reads the first through the Downward API) and the object's stable version, in one
 *   JSON merge patch carrying the `resourceVersion` read (a concurrent change answers 409 Conflict
 *   and the next run decides again). Argo Rollouts then runs the canary with its analysis.
 * - REFUSE, or a canary found aborted: the refusal goes into the dead letter (`REFUSED_ANNOTATION`
 *   of the object) and, best effort, onto the MLflow version as the `MLFLOW_PROMOTION_TAG` tag.
 *
 * Every run pushes `cdk_mlops_promotion_failed` (1 while the approved version is refused or the
 * run failed), `cdk_mlops_promotion_served_version` and `cdk_mlops_promotion_last_run_timestamp_seconds`
 * to the Pushgateway; the `PromotionFailed` / `PromotionStale` alerts (lib/k8s/approval-promotion.ts)
 * read them.
 */

import { KubeClient, MlflowClient } from './clients';
import {
  EXPERIMENT_ANNOTATION,
  MLFLOW_PROMOTION_TAG, MODEL_URI_ANNOTATION, MODEL_VERSION_ANNOTATION, PROMOTED_AT_ANNOTATION, PromotionDecision, PromotionDecisionKind,
  PromotionRules, REFUSED_ANNOTATION, Refusal, STABLE_VERSION_ANNOTATION, ServedState, decidePromotion, parseRefused, versionNumber, withRefusal,
} from '../../core/mlflow-promotion';
import { escapeLabelValue } from '../drift-job/prometheus';

/** The serving object's kind. */
export type TargetKind = 'Rollout' | 'InferenceService';

/** What one promoter watches and serves. */
export interface K8sPromotionConfig {
  readonly registeredModelName: string;
  readonly alias: string;
  readonly kind: TargetKind;
  readonly name: string;
  readonly namespace: string;
  readonly rules: PromotionRules;
}

/** The object's API path. */
export function targetPath(c: Pick<K8sPromotionConfig, 'kind' | 'name' | 'namespace'>): string {
  const ns = encodeURIComponent(c.namespace);
  const name = encodeURIComponent(c.name);
  return c.kind === 'Rollout'
    ? `/apis/argoproj.io/v1alpha1/namespaces/${ns}/rollouts/${name}`
    : `/apis/serving.kserve.io/v1beta1/namespaces/${ns}/inferenceservices/${name}`;
}

/** The pod template's annotations of the object (Rollout: spec.template.metadata; InferenceService: spec.predictor). */
function templateAnnotations(kind: TargetKind, obj: Record<string, any>): Record<string, string> {
  return (kind === 'Rollout' ? obj.spec?.template?.metadata?.annotations : obj.spec?.predictor?.annotations) ?? {};
}

/** What the object says it serves. */
export function servedStateOf(kind: TargetKind, obj: Record<string, any>): ServedState {
  const t = templateAnnotations(kind, obj);
  const a: Record<string, string> = obj.metadata?.annotations ?? {};
  return {
    templateVersion: versionNumber(t[MODEL_VERSION_ANNOTATION]),
    templateUri: t[MODEL_URI_ANNOTATION],
    stableVersion: versionNumber(a[STABLE_VERSION_ANNOTATION]),
    // Argo Rollouts sets status.abort when its analysis fails (or on `kubectl argo rollouts abort`);
    // a new pod template (the next promotion) starts a new canary (README: not verified here).
    aborted: kind === 'Rollout' && obj.status?.abort === true,
    refused: parseRefused(a[REFUSED_ANNOTATION]),
  };
}

/** The JSON merge patch of a decision (undefined: nothing to write). */
export function patchOf(kind: TargetKind, obj: Record<string, any>, decision: PromotionDecision, now: Date): Record<string, unknown> | undefined {
  const state = servedStateOf(kind, obj);
  let refused: Record<string, Refusal> | undefined;
  if (decision.rolledBack !== undefined) {
    refused = withRefusal(state.refused, decision.rolledBack.version, { reason: decision.rolledBack.reason, at: now.toISOString() });
  }
  if (decision.kind === PromotionDecisionKind.REFUSE && decision.version !== undefined) {
    refused = withRefusal(refused ?? state.refused, decision.version, { reason: decision.reason, at: now.toISOString() });
  }
  const annotations: Record<string, string> = {};
  if (refused !== undefined) annotations[REFUSED_ANNOTATION] = JSON.stringify(refused);
  let spec: Record<string, unknown> | undefined;
  if (decision.kind === PromotionDecisionKind.PROMOTE) {
    annotations[STABLE_VERSION_ANNOTATION] = decision.servedVersion !== undefined ? String(decision.servedVersion) : '';
    annotations[PROMOTED_AT_ANNOTATION] = now.toISOString();
    const served = { [MODEL_URI_ANNOTATION]: decision.uri!, [MODEL_VERSION_ANNOTATION]: String(decision.version) };
    spec = kind === 'Rollout' ? { template: { metadata: { annotations: served } } } : { predictor: { annotations: served } };
  }
  if (Object.keys(annotations).length === 0 && spec === undefined) {
    return undefined;
  }
  return {
    // Optimistic concurrency: the patch applies only to the object as read (else 409 Conflict).
    metadata: { resourceVersion: obj.metadata?.resourceVersion, annotations },
    ...(spec !== undefined ? { spec } : {}),
  };
}

/** What a run did. */
export interface PromotionRun {
  readonly decision: PromotionDecision;
  /** The failure metric's value: 1 while the approval is refused (or the run failed). */
  readonly failed: boolean;
  readonly patched: boolean;
}

/** One run of the promoter. */
export async function runPromotion(
  config: K8sPromotionConfig, mlflow: MlflowClient, kube: KubeClient, now: () => Date = () => new Date(),
): Promise<PromotionRun> {
  const approved = await mlflow.versionByAlias(config.registeredModelName, config.alias);
  const path = targetPath(config);
  const obj = await kube.get(path);
  const experiment = templateAnnotations(config.kind, obj)[EXPERIMENT_ANNOTATION];
  if (experiment !== undefined) {
    // The experiment owns the served version: a patch would restart it (a new pod template).
    const reason = `experiment ${experiment} runs on ${config.kind} ${config.namespace}/${config.name}: approvals wait until it is removed from the spec`;
    const decision = { kind: PromotionDecisionKind.EXPERIMENT_RUNNING, reason, version: versionNumber(approved?.version) };
    return { decision, failed: false, patched: false };
  }
  const decision = decidePromotion(approved, servedStateOf(config.kind, obj), config.rules);
  const patch = patchOf(config.kind, obj, decision, now());
  if (patch !== undefined) {
    await kube.mergePatch(path, patch);
  }
  const failed = decision.kind === PromotionDecisionKind.REFUSE || decision.kind === PromotionDecisionKind.REFUSED_BEFORE;
  // The approver's view in MLflow: best effort (the object's dead letter is the record).
  const tagged = decision.kind === PromotionDecisionKind.PROMOTE || decision.kind === PromotionDecisionKind.REFUSE;
  if (tagged && approved !== undefined) {
    const value = decision.kind === PromotionDecisionKind.PROMOTE
      ? `promoted to ${config.kind} ${config.namespace}/${config.name} at ${now().toISOString()}`
      : `refused at ${now().toISOString()}: ${decision.reason}`;
    await mlflow.setVersionTag(config.registeredModelName, approved.version, MLFLOW_PROMOTION_TAG, value.slice(0, 5000))
      .catch((e) => console.error(`promotion: could not tag the MLflow version (${e instanceof Error ? e.message : String(e)})`));
  }
  return { decision, failed, patched: patch !== undefined };
}

/** The run's metrics in the text exposition format (label `endpoint`: the registered model's name). */
export function renderPromotionMetrics(endpoint: string, run: { failed: boolean; servedVersion?: number }, at: Date): string {
  const l = `endpoint="${escapeLabelValue(endpoint)}"`;
  const lines = [
    '# HELP cdk_mlops_promotion_failed 1 while the approved version is refused (dead letter) or the promoter fails, else 0.',
    '# TYPE cdk_mlops_promotion_failed gauge',
    `cdk_mlops_promotion_failed{${l}} ${run.failed ? 1 : 0}`,
    '# HELP cdk_mlops_promotion_last_run_timestamp_seconds When the promoter last ran, in seconds since the Unix epoch.',
    '# TYPE cdk_mlops_promotion_last_run_timestamp_seconds gauge',
    `cdk_mlops_promotion_last_run_timestamp_seconds{${l}} ${at.getTime() / 1000}`,
  ];
  if (run.servedVersion !== undefined) {
    lines.push(
      '# HELP cdk_mlops_promotion_served_version The MLflow version the serving object serves (after an aborted canary: its stable one).',
      '# TYPE cdk_mlops_promotion_served_version gauge',
      `cdk_mlops_promotion_served_version{${l}} ${run.servedVersion}`,
    );
  }
  return lines.join('\n') + '\n';
}
