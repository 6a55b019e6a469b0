/**
 * Cost allocation labels on Kubernetes (core/cost-allocation.ts): where the pods an object makes keep
 * their labels (OpenCost and Kubecost allocate a pod's cost by the pod's labels, not its
 * controller's), shared by `k8s.CostAllocation` and `MlPlatformChart`'s render pass.
 */
import { ApiObject, JsonPatch } from 'cdk8s';

/** Where a kind keeps the metadata of the pods it makes. */
export const POD_METADATA: Record<string, string[][]> = {
  Deployment: [['spec', 'template', 'metadata']],
  StatefulSet: [['spec', 'template', 'metadata']],
  DaemonSet: [['spec', 'template', 'metadata']],
  ReplicaSet: [['spec', 'template', 'metadata']],
  Job: [['spec', 'template', 'metadata']],
  Rollout: [['spec', 'template', 'metadata']],
  CronJob: [['spec', 'jobTemplate', 'spec', 'template', 'metadata']],
  Workflow: [['spec', 'podMetadata']],
  WorkflowTemplate: [['spec', 'podMetadata']],
  ClusterWorkflowTemplate: [['spec', 'podMetadata']],
  CronWorkflow: [['spec', 'workflowSpec', 'podMetadata']],
  // KServe copies the predictor's labels to its pods.
  InferenceService: [['spec', 'predictor']],
};

/** Set `labels` on `target` (an object with a `labels` map), the object's own values winning. */
export function addLabels(target: any, labels: Record<string, string>): void {
  target.labels = { ...labels, ...(target.labels ?? {}) };
}

/**
 * The label keys cost allocation set on each object, per place (`metadata` or a pod template's
 * pointer): a later, nearer `apply` may replace them; the object's own labels it may not.
 */
const setByCostAllocation = new WeakMap<ApiObject, Map<string, Set<string>>>();

/** JSON Pointer of a path (RFC 6901: `~` → `~0`, `/` → `~1`). */
function pointer(path: string[]): string {
  return path.map((p) => `/${p.replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');
}

/**
 * Label an object and the pods it makes, through its public API (`metadata.addLabel`, JSON patches
 * of its rendering): a label the object sets itself is kept, one an earlier (outer) cost allocation
 * set is replaced.
 */
export function labelApiObject(obj: ApiObject, labels: Record<string, string>): void {
  const places = setByCostAllocation.get(obj) ?? new Map<string, Set<string>>();
  setByCostAllocation.set(obj, places);
  /** The labels to set at a place (those absent, or set there by cost allocation), remembered as ours. */
  const settable = (place: string, existing: (key: string) => string | undefined) => {
    const ours = places.get(place) ?? new Set<string>();
    places.set(place, ours);
    const keys = Object.entries(labels).filter(([k]) => existing(k) === undefined || ours.has(k));
    keys.forEach(([k]) => ours.add(k));
    return keys;
  };
  for (const [k, v] of settable('metadata', (key) => obj.metadata.getLabel(key))) {
    obj.metadata.addLabel(k, v);
  }
  const paths = POD_METADATA[obj.kind];
  if (paths === undefined) return;
  const rendered = obj.toJson();
  for (const path of paths) {
    const parent = path.slice(0, -1).reduce((at: any, step) => at?.[step], rendered);
    if (parent === undefined || parent === null || typeof parent !== 'object') continue; // nothing makes pods here
    const metadata = parent[path[path.length - 1]];
    const add = settable(pointer(path), (k) => metadata?.labels?.[k]);
    if (add.length === 0) continue;
    if (metadata === undefined) {
      obj.addJsonPatch(JsonPatch.add(pointer(path), { labels: Object.fromEntries(add) }));
    } else if (metadata.labels === undefined) {
      obj.addJsonPatch(JsonPatch.add(pointer([...path, 'labels']), Object.fromEntries(add)));
    } else {
      for (const [k, v] of add) obj.addJsonPatch(JsonPatch.add(pointer([...path, 'labels', k]), v));
    }
  }
}
