/**
 * CPU and memory for a container, always explicit: cdk8s-plus applies small defaults when
 * resources are omitted, which would silently cap a model server.
 */
export interface ComputeResources {
  /** CPU request, e.g. `500m` or `2`. */
  readonly cpuRequest: string;
  /** CPU limit, at least the request. */
  readonly cpuLimit: string;
  /** Memory request, e.g. `1Gi`. */
  readonly memoryRequest: string;
  /** Memory limit, at least the request. */
  readonly memoryLimit: string;
}

/**
 * A key of a Kubernetes Secret, referenced (never copied) by a workload.
 */
export interface SecretKeyReference {
  /** Name of the Secret, in the workload's namespace. */
  readonly name: string;
  /** Key inside the Secret. */
  readonly key: string;
}
