import { Testing } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { MLFLOW_HOST_CHECK_EXEMPT_PATHS } from '../../lib/core/mlflow';
import { ModelRegistry, ModelRegistryProps } from '../../lib/k8s/model-registry';
import { expectValidationError } from '../support/aws';
import { one, synthValid } from '../support/k8s';

// Issue 13.10: MLflow >= 3.5 answers a Host header it does not list with 403, except on /health
// and /version (mlflow/server/security_utils.py); the real server is asked by
// scripts/mlflow-host-check.sh. These tests fail on the output before the fix (no
// MLFLOW_SERVER_ALLOWED_HOSTS, readiness on /health without a Host header).

const REQUIRED: ModelRegistryProps = {
  image: `registry.example.com/mlflow@sha256:${'b'.repeat(64)}`,
  backendStoreUriSecret: { name: 'mlflow-db', key: 'uri' },
  artifactRoot: 's3://acme-ml/mlflow',
};

function render(props: Partial<ModelRegistryProps> = {}) {
  const chart = Testing.chart();
  const registry = new ModelRegistry(chart, 'Registry', { ...REQUIRED, ...props });
  const container = one(synthValid(chart), 'Deployment').spec.template.spec.containers[0];
  const env = Object.fromEntries(container.env.map((e: any) => [e.name, e.value]));
  return { registry, container, hosts: String(env.MLFLOW_SERVER_ALLOWED_HOSTS ?? '').split(',') };
}

describe('ModelRegistry (Kubernetes) and MLflow\'s Host header check', () => {
  it('allows the Host header of its own tracking URI and every in-cluster name of its Service, with the port', () => {
    const { registry, hosts } = render();
    expect(hosts).toContain(new URL(registry.trackingUri).host);
    expect(hosts).toEqual(expect.arrayContaining(['mlflow:5000', 'mlflow.mlflow:5000', 'mlflow.mlflow.svc:5000', 'mlflow.mlflow.svc.cluster.local:5000']));
    // kubectl port-forward sends localhost:<local port>.
    expect(hosts).toEqual(expect.arrayContaining(['localhost:*', '127.0.0.1:*']));
  });

  it('follows the name, namespace and port', () => {
    const { registry, hosts } = render({ name: 'registry', namespace: 'ml', port: 8080 });
    expect(registry.trackingUri).toBe('http://registry.ml.svc.cluster.local:8080');
    expect(hosts).toEqual(expect.arrayContaining(['registry:8080', 'registry.ml:8080', 'registry.ml.svc:8080', 'registry.ml.svc.cluster.local:8080']));
    expect(hosts.filter((h) => h.startsWith('mlflow'))).toEqual([]);
  });

  it('lists the names without the port too on port 80 (clients leave a default port out)', () => {
    expect(render({ port: 80 }).hosts).toEqual(expect.arrayContaining(['mlflow.mlflow.svc.cluster.local', 'mlflow.mlflow.svc.cluster.local:80']));
  });

  it('adds allowedHosts (e.g. an Ingress host) after its own names', () => {
    const { hosts } = render({ allowedHosts: ['mlflow.example.com', '*.internal.example.com'] });
    expect(hosts.slice(-2)).toEqual(['mlflow.example.com', '*.internal.example.com']);
  });

  it('sets the list through the environment (older MLflow ignores it; it refuses --allowed-hosts)', () => {
    const { container } = render();
    expect(container.args.join(' ')).not.toContain('--allowed-hosts');
  });

  it('is ready only when the API answers the in-cluster Host header (a path MLflow checks, not /health)', () => {
    const { registry, container } = render();
    const httpGet = container.readinessProbe.httpGet;
    expect(MLFLOW_HOST_CHECK_EXEMPT_PATHS).not.toContain(httpGet.path.split('?')[0]);
    expect(httpGet.path).toBe('/api/2.0/mlflow/experiments/search?max_results=1');
    expect(httpGet.httpHeaders).toEqual([{ name: 'Host', value: new URL(registry.trackingUri).host }]);
    // Liveness and startup stay on /health: a database outage must not restart the server.
    expect(container.livenessProbe.httpGet.path).toBe('/health');
    expect(container.startupProbe.httpGet.path).toBe('/health');
  });

  it('rejects an allowed host MLflow would split or never match', () => {
    expect(expectValidationError(() => render({ allowedHosts: ['a.example.com,b.example.com'] })).message).toMatch(/allowedHosts.*no commas/s);
    expect(expectValidationError(() => render({ allowedHosts: ['http://mlflow.example.com'] })).message).toMatch(/allowedHosts/);
    expect(expectValidationError(() => render({ allowedHosts: ['x.example.com', 'x.example.com'] })).message).toMatch(/allowedHosts.*twice/s);
  });
});
