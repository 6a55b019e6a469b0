/**
 * Which link of the loop an alarm or alert watches, for the platform diagram (core/diagram.ts), on
 * either target: from the construct that made it (AWS: the path under the model; Kubernetes: the
 * PrometheusRule and the alert). Unattached (beside the model) when it watches no link.
 */
import { LoopLink } from '../../core/lifecycle-loop';

/** AWS: the alarm's path relative to its model (`Serving/Rollback-error-rate`), and whether it rolls back. */
export function awsAlarmLink(pathInModel: string, rollsBack: boolean): LoopLink | undefined {
  const top = pathInModel.split('/')[0];
  if (rollsBack) return LoopLink.AUTO_ROLLBACK;
  switch (top) {
    case 'Drift':
    case 'BatchDrift':
      return LoopLink.DRIFT;
    case 'Training': return LoopLink.GATE;
    case 'Registry': return LoopLink.REGISTER;
    case 'Promotion': return LoopLink.APPROVAL;
    case 'Serving':
    case 'Experiment':
    case 'Slo':
      return LoopLink.CANARY_DEPLOY;
    default: return undefined;
  }
}

/** Kubernetes: the alert's PrometheusRule (`namespace/name`), its name, and whether it aborts a rollout. */
export function k8sAlertLink(rule: string, alert: string, aborts: boolean): LoopLink | undefined {
  if (aborts) return LoopLink.AUTO_ROLLBACK;
  const text = `${rule} ${alert}`.toLowerCase();
  const rules: Array<[RegExp, LoopLink]> = [
    [/capture/, LoopLink.CAPTURE],
    [/drift/, LoopLink.DRIFT],
    [/promot/, LoopLink.APPROVAL],
    [/pipeline|training|workflow/, LoopLink.GATE],
    [/experiment|serving|endpoint|rollout|inference|slo|errorbudget/, LoopLink.CANARY_DEPLOY],
  ];
  return rules.find(([re]) => re.test(text))?.[1];
}
