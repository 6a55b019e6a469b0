/**
 * What the MLflow tracking server checks on each request, and the values the Kubernetes
 * ModelRegistry renders for it. Pure functions, no construct.
 *
 * Source: mlflow/mlflow, mlflow/server/security_utils.py and mlflow/server/fastapi_security.py
 * (MLflow 3.5 and later, read at 3.17.2 from PyPI): every request whose path is not `/health` or
 * `/version` must carry a Host header that equals an entry of MLFLOW_SERVER_ALLOWED_HOSTS (a comma
 * separated list; an entry holding `*` is an fnmatch pattern, `*` alone allows any host), else 403
 * "Invalid Host header - possible DNS rebinding attack detected". Unset, the list is localhost,
 * 127.0.0.1, [::1] and 0.0.0.0 (with any port) and the private IPv4/IPv6 ranges: a Service name is
 * never in it. The Host header carries the port whenever it is not the scheme's default, so
 * `mlflow.mlflow.svc.cluster.local:5000` must be listed with its port. The environment variable
 * is read by every version that checks hosts and ignored by older ones, where the `--allowed-hosts`
 * option would stop the server ("No such option"). The check is verified against the real server
 * by scripts/mlflow-host-check.sh.
 */

/** The environment variable MLflow reads its allowed Host headers from. */
export const MLFLOW_ALLOWED_HOSTS_ENV = 'MLFLOW_SERVER_ALLOWED_HOSTS';

/** Paths MLflow answers whatever the Host header (so a probe on them cannot see a bad host list). */
export const MLFLOW_HOST_CHECK_EXEMPT_PATHS: ReadonlyArray<string> = ['/health', '/version'];

/**
 * A cheap read of the tracking API (the first experiment), checked for its Host header like every
 * call of the pipeline's register step. GET is served for it (mlflow/server/handlers.py maps
 * `/mlflow/experiments/search` to GET and POST).
 */
export const MLFLOW_HOST_CHECKED_PROBE_PATH = '/api/2.0/mlflow/experiments/search?max_results=1';

/**
 * The Host headers a client in the cluster sends for the Service `name` in `namespace` on `port`
 * (the short name in the same namespace, `name.namespace`, `.svc` and the full
 * `.svc.cluster.local` name, each with the port), localhost with any port (`kubectl
 * port-forward`), then `extra` as given. On port 80 the names are listed without the port too:
 * clients leave a scheme's default port out of the Host header.
 */
export function mlflowAllowedHosts(name: string, namespace: string, port: number, extra: ReadonlyArray<string> = []): string[] {
  const names = [name, `${name}.${namespace}`, `${name}.${namespace}.svc`, `${name}.${namespace}.svc.cluster.local`];
  const withPort = names.map((n) => `${n}:${port}`);
  return [...(port === 80 ? [...names, ...withPort] : withPort), 'localhost', 'localhost:*', '127.0.0.1', '127.0.0.1:*', ...extra];
}
