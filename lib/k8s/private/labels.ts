/** The recommended `app.kubernetes.io/*` labels for an object of a cdk-mlops component. */
export function standardLabels(name: string, instance: string, component: string): Record<string, string> {
  return {
    'app.kubernetes.io/name': name,
    'app.kubernetes.io/instance': instance,
    'app.kubernetes.io/component': component,
    'app.kubernetes.io/part-of': 'cdk-mlops',
    'app.kubernetes.io/managed-by': 'cdk8s',
  };
}

/** Labels that select the pods of one instance (stable across versions). */
export function selectorLabels(name: string, instance: string): Record<string, string> {
  return { 'app.kubernetes.io/name': name, 'app.kubernetes.io/instance': instance };
}
