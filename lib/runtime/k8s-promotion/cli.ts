/**
 * Command-line entry point of the Kubernetes promoter (bundled to assets/k8s-promotion/index.js and
 * copied into the drift job's image as /opt/cdk-mlops/promotion.js), run by the ApprovalPromotion
 * CronJob (lib/k8s/approval-promotion.ts). Configured by environment variables:
 *
 * - `MLFLOW_TRACKING_URI`, optional `MLFLOW_TRACKING_TOKEN` (a bearer token);
 * - `REGISTERED_MODEL_NAME`, `APPROVAL_ALIAS` (default `champion`);
 * - `TARGET_KIND` (`Rollout` or `InferenceService`), `TARGET_NAME`, `TARGET_NAMESPACE`;
 * - `REQUIRED_LINEAGE_KEYS` (comma-separated; default every `Lineage.metadataKeys()`), `ALLOW_OLDER` (`true`/`false`);
 * - `PUSHGATEWAY_URL` (optional; without it the metrics are printed), `PUSHGATEWAY_JOB` (default `cdk-mlops-promotion`);
 * - the Kubernetes API: in-cluster, or `KUBE_API_URL` / `KUBE_TOKEN_FILE` / `KUBE_CA_FILE`.
 *
 * Prints one JSON line (the decision). Exit code 0 when it decided (a refusal too: it is recorded and
 * its metric set), 1 when it could not (MLflow or the API server unreachable, Forbidden, Conflict):
 * the failure metric is pushed then as well, when the Pushgateway answers.
 */

import { KubeClient, MlflowClient, kubeConnection } from './clients';
import { K8sPromotionConfig, TargetKind, renderPromotionMetrics, runPromotion } from './promoter';
import { DEFAULT_APPROVAL_ALIAS, PromotionDecisionKind, defaultPromotionRules } from '../../core/mlflow-promotion';
import { pushToGateway } from '../drift-job/prometheus';

/** Pushgateway job name when none is set. */
export const DEFAULT_PROMOTION_JOB = 'cdk-mlops-promotion';

/** The config from the environment; throws naming what is missing or wrong. */
export function configFromEnv(env: NodeJS.ProcessEnv): K8sPromotionConfig {
  const kind = need(env, 'TARGET_KIND');
  if (kind !== 'Rollout' && kind !== 'InferenceService') {
    throw new Error(`TARGET_KIND is ${JSON.stringify(kind)}: Rollout or InferenceService`);
  }
  const allowOlder = (env.ALLOW_OLDER ?? 'false').trim();
  if (allowOlder !== 'true' && allowOlder !== 'false') {
    throw new Error(`ALLOW_OLDER is ${JSON.stringify(allowOlder)}: true or false`);
  }
  const keys = env.REQUIRED_LINEAGE_KEYS;
  return {
    registeredModelName: need(env, 'REGISTERED_MODEL_NAME'),
    alias: env.APPROVAL_ALIAS?.trim() || DEFAULT_APPROVAL_ALIAS,
    kind: kind as TargetKind,
    name: need(env, 'TARGET_NAME'),
    namespace: need(env, 'TARGET_NAMESPACE'),
    rules: {
      requiredLineageKeys: keys === undefined ? defaultPromotionRules().requiredLineageKeys : keys.split(',').map((k) => k.trim()).filter((k) => k !== ''),
      allowOlder: allowOlder === 'true',
    },
  };
}

export async function main(env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let config: K8sPromotionConfig;
  try {
    config = configFromEnv(env);
  } catch (e) {
    console.error(`promotion: ${e instanceof Error ? e.message : String(e)}`);
    return 2;
  }
  const at = new Date();
  const publish = async (failed: boolean, servedVersion?: number): Promise<void> => {
    const body = renderPromotionMetrics(config.registeredModelName, { failed, servedVersion }, at);
    if (env.PUSHGATEWAY_URL) {
      await pushToGateway(env.PUSHGATEWAY_URL, env.PUSHGATEWAY_JOB || DEFAULT_PROMOTION_JOB, config.registeredModelName, body);
    } else {
      process.stdout.write(body);
    }
  };
  try {
    const mlflow = new MlflowClient(need(env, 'MLFLOW_TRACKING_URI'), env.MLFLOW_TRACKING_TOKEN);
    const kube = new KubeClient(kubeConnection(env));
    const run = await runPromotion(config, mlflow, kube, () => at);
    const d = run.decision;
    console.log(JSON.stringify({ model: config.registeredModelName, alias: config.alias, target: `${config.kind} ${config.namespace}/${config.name}`, ...d, patched: run.patched }));
    await publish(run.failed, d.kind === PromotionDecisionKind.PROMOTE ? d.version : d.servedVersion);
    return 0;
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    console.log(JSON.stringify({ model: config.registeredModelName, alias: config.alias, target: `${config.kind} ${config.namespace}/${config.name}`, kind: 'ERROR', reason: message }));
    await publish(true).catch((p) => console.error(`promotion: could not push the failure metric: ${p instanceof Error ? p.message : String(p)}`));
    return 1;
  }
}

function need(env: NodeJS.ProcessEnv, k: string): string {
  const v = env[k];
  if (v === undefined || v.trim() === '') throw new Error(`${k} is not set`);
  return v.trim();
}

if (require.main === module) {
  // Exit when decided: an idle socket of a client library must not hold the CronJob's pod.
  main().then((code) => process.exit(code), (e) => { console.error(e); process.exit(1); });
}
