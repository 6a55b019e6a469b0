/**
 * Cost allocation labels on Kubernetes (core/cost-allocation.ts): where the pods an object makes keep
 * their labels (OpenCost and Kubecost allocate a pod's cost by the pod's labels, not its
 * controller's), shared by `k8s.CostAllocation` and `MlPlatformChart`'s render pass.
 */
import { ApiObject, Chart, JsonPatch } from 'cdk8s';

/**
 * Where a kind keeps the metadata of the pods it makes. The last step is created when absent (under
 * an existing parent), except for the kinds of `COMPONENT_KINDS`, whose entries are components.
 */
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
  // Argo Events: the pods of an EventSource and a Sensor (Template.metadata), and a JetStream or NATS EventBus.
  EventSource: [['spec', 'template', 'metadata']],
  Sensor: [['spec', 'template', 'metadata']],
  EventBus: [['spec', 'jetstream', 'metadata'], ['spec', 'nats', 'native', 'metadata']],
  // KServe copies a component's labels to its pods: the predictor, and the transformer and explainer when there are.
  InferenceService: [['spec', 'predictor'], ['spec', 'transformer'], ['spec', 'explainer']],
};

/** Kinds whose POD_METADATA entries are components, labelled only when present. */
const COMPONENT_KINDS = new Set(['InferenceService']);

/** Where a rendered object's pods keep their metadata: the path, its parent, and the metadata when present. */
export function podMetadataPlaces(rendered: any): Array<{ path: string[]; parent: any; metadata: any }> {
  const places: Array<{ path: string[]; parent: any; metadata: any }> = [];
  for (const path of POD_METADATA[rendered?.kind] ?? []) {
    const parent = path.slice(0, -1).reduce((at: any, step) => at?.[step], rendered);
    if (parent === undefined || parent === null || typeof parent !== 'object') continue; // nothing makes pods here (a Workflow by reference)
    const metadata = parent[path[path.length - 1]];
    if (metadata === undefined && COMPONENT_KINDS.has(rendered.kind)) continue;
    places.push({ path, parent, metadata });
  }
  return places;
}

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
 * or the object's chart set is replaced.
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
  // A chart's labels (ChartProps.labels) are not the object's own: they never reach its pods, so the
  // object and its pods would be billed apart.
  const chartLabels = Chart.of(obj).labels;
  const own = (key: string) => {
    const value = obj.metadata.getLabel(key);
    return value !== undefined && value === chartLabels[key] ? undefined : value;
  };
  for (const [k, v] of settable('metadata', own)) {
    obj.metadata.addLabel(k, v);
  }
  if (POD_METADATA[obj.kind] === undefined) return;
  for (const { path, metadata } of podMetadataPlaces(obj.toJson())) {
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
