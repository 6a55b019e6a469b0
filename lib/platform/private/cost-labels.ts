/**
 * Cost allocation labels on Kubernetes (core/cost-allocation.ts): `model`, `owner`, `platform` (and
 * the spec's tags) on every object of the platform's charts and on every pod they make (OpenCost and
 * Kubecost allocate a pod's cost by the pod's labels, not its controller's). Added to the rendered
 * objects, so objects added after the platform was built are labelled too; where pods keep their
 * labels is k8s/private/cost-labels.ts's (shared with `k8s.CostAllocation`).
 */
import { ApiObject, Chart, DependencyGraph } from 'cdk8s';
import { IConstruct } from 'constructs';
import { addLabels, podMetadataPlaces } from '../../k8s/private/cost-labels';

/** Object key: apiVersion, kind, namespace and name (unique in a chart). */
function keyOf(apiVersion: string, kind: string, namespace: string | undefined, name: string): string {
  return `${apiVersion}|${kind}|${namespace ?? ''}|${name}`;
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
    for (const { path, parent, metadata } of podMetadataPlaces(o)) {
      const last = path[path.length - 1];
      parent[last] = metadata ?? {};
      addLabels(parent[last], labels);
    }
    return o;
  });
}
