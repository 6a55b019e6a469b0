import { ApiObject, Lazy } from 'cdk8s';
import { IConstruct } from 'constructs';
import { labelApiObject } from './private/cost-labels';
import { validateProps } from './private/validate';
import { CostAllocationProps, costAllocationTags, labelValue } from '../core/cost-allocation';
import { kubernetesCostAllocationSchema } from '../core/schemas/cost-allocation';
import { isCdkTokenText } from '../core/token-text';

/**
 * Cost allocation labels outside a platform (issue 19): `model`, `owner` and `platform` (and the
 * user's own tags) on every object below a scope and on every pod those objects make (OpenCost and
 * Kubecost allocate a pod's cost by the pod's labels), as `MlPlatformChart` labels its own.
 *
 * ```ts
 * k8s.CostAllocation.apply(chart, { platform: 'acme', model: 'fraud', owner: 'fraud-ml-oncall' });
 * ```
 *
 * Applied at synthesis (before the objects render), so objects added after `apply` are labelled
 * too; a label an object sets itself is kept (a chart's labels are not the object's own: they never
 * reach its pods); a nearer scope's `apply` wins over an outer one. Values are made label-safe
 * (`ml team@acme` → `ml-team-acme`, see `labelsOf`; an aws-cdk-lib token is kept for its stack to
 * resolve). Pods are labelled where the kind keeps its pod template: Deployment, StatefulSet,
 * DaemonSet, ReplicaSet, Job, CronJob, Argo Rollout, Argo Workflows' Workflow, WorkflowTemplate,
 * ClusterWorkflowTemplate and CronWorkflow (`podMetadata`), Argo Events' EventSource, Sensor
 * (`template.metadata`) and EventBus, KServe InferenceService (each component's labels).
 */
export class CostAllocation {
  /**
   * Label every object below `scope`, and the pods they make, with the model, its owner and the platform.
   * @throws MlopsValidationError naming every bad value (a tag key that is no label key, a reserved key, …)
   */
  public static apply(scope: IConstruct, props: CostAllocationProps): void {
    validateProps(scope, kubernetesCostAllocationSchema, props);
    const done = new WeakSet<ApiObject>();
    scope.node.addValidation({
      validate: () => {
        // At synthesis, a value given as a cdk8s Lazy is known.
        const labels = CostAllocation.labelsOf(props);
        // Pre-order: an outer scope's apply runs first, so a nearer one's labels replace its.
        for (const c of scope.node.findAll()) {
          if (c instanceof ApiObject && !done.has(c)) {
            done.add(c);
            labelApiObject(c, labels);
          }
        }
        return [];
      },
    });
  }

  /** The labels `apply` sets for these props (label-safe values), without applying them. */
  public static labelsOf(props: CostAllocationProps): Record<string, string> {
    const tags = costAllocationTags(props.platform, props.model, props.owner, props.tags);
    const known = (v: unknown) => (v instanceof Lazy ? String(v.produce()) : String(v));
    // An aws-cdk-lib token (a chart delivered by EKS addCdk8sChart) is resolved by its stack: kept as it is, not made label-safe.
    const label = (v: unknown) => (isCdkTokenText(v) ? (v as string) : labelValue(known(v)));
    return Object.fromEntries(Object.entries(tags).map(([k, v]) => [k, label(v)]));
  }

  private constructor() {}
}
