/**
 * Cost allocation labels on Kubernetes (core/cost-allocation.ts): `model`, `owner`, `platform` (and
 * the spec's tags) on every object of the platform's charts and on every pod they make (OpenCost and
 * Kubecost allocate a pod's cost by the pod's labels, not its controller's). Added to the rendered
 * objects, so objects added after the platform was built are labelled too.
 */
import { ApiObject, Chart, DependencyGraph } from 'cdk8s';
import { IConstruct } from 'constructs';

/** Where a kind keeps the metadata of the pods it makes. */
const POD_METADATA: Record<string, string[][]> = {
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

/** Object key: apiVersion, kind, namespace and name (unique in a chart). */
function keyOf(apiVersion: string, kind: string, namespace: string | undefined, name: string): string {
  return `${apiVersion}|${kind}|${namespace ?? ''}|${name}`;
}

/** Set `labels` on `target` (an object with a `labels` map), the object's own values winning. */
function addLabels(target: any, labels: Record<string, string>): void {
  target.labels = { ...labels, ...(target.labels ?? {}) };
}

/**
 * The chart's rendered objects with the cost allocation labels of each (`labelsOf` its ApiObject):
 * on the object and on the pods it makes. A label the object already sets is kept.
 */
export function withCostLabels(chart: Chart, rendered: any[], labelsOf: (o: IConstruct) => Record<string, string>): any[] {
  const byKey = new Map<string, Record<string, string>>();
  for (const c of new DependencyGraph(chart.node).topology()) {
    if (c instanceof ApiObject && Chart.of(c) === chart) {
      byKey.set(keyOf(c.apiVersion, c.kind, c.metadata.namespace, c.name), labelsOf(c));
    }
  }
  return rendered.map((o) => {
    const labels = o?.metadata ? byKey.get(keyOf(o.apiVersion, o.kind, o.metadata.namespace, o.metadata.name)) : undefined;
    if (labels === undefined) return o;
    addLabels(o.metadata, labels);
    for (const path of POD_METADATA[o.kind] ?? []) {
      let at = o;
      for (const step of path) {
        at[step] = at[step] ?? {};
        at = at[step];
      }
      addLabels(at, labels);
    }
    return o;
  });
}
