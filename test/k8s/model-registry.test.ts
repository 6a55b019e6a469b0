import { ApiObject, Testing } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { ModelRegistry, ModelRegistryProps } from '../../lib/k8s/model-registry';
import { expectValidationError } from '../support/aws';
import { one, synthValid } from '../support/k8s';

const IMAGE = `registry.example.com/mlflow@sha256:${'b'.repeat(64)}`;
const REQUIRED: ModelRegistryProps = {
  image: IMAGE,
  backendStoreUriSecret: { name: 'mlflow-db', key: 'uri' },
  artifactRoot: 's3://acme-ml/mlflow',
};

function render(props: Partial<ModelRegistryProps> = {}) {
  const chart = Testing.chart();
  new ModelRegistry(chart, 'Registry', { ...REQUIRED, ...props });
  return synthValid(chart);
}

describe('ModelRegistry (Kubernetes, MLflow)', () => {
  describe('default', () => {
    const objects = render();
    const deployment = one(objects, 'Deployment');
    const pod = deployment.spec.template.spec;
    const container = pod.containers[0];

    it('renders namespace, config, service account, deployment, service, network policy and PDB, all valid', () => {
      expect(objects.map((o) => o.kind)).toEqual([
        'Namespace', 'ConfigMap', 'ServiceAccount', 'Deployment', 'Service', 'NetworkPolicy', 'PodDisruptionBudget',
      ]);
      for (const o of objects.filter((x) => x.kind !== 'Namespace')) {
        expect(o.metadata.namespace).toBe('mlflow');
      }
    });

    it('enforces the restricted Pod Security Standard on its namespace', () => {
      expect(one(objects, 'Namespace').metadata).toMatchObject({
        name: 'mlflow',
        labels: { 'pod-security.kubernetes.io/enforce': 'restricted' },
      });
    });

    it('runs two replicas of the pinned image with explicit requests and limits', () => {
      expect(deployment.spec.replicas).toBe(2);
      expect(container.image).toBe(IMAGE);
      expect(container.resources).toEqual({
        requests: { cpu: '500m', memory: '1024Mi' },
        limits: { cpu: '2', memory: '2048Mi' },
      });
    });

    it('runs as non-root with a read-only root filesystem and no capabilities', () => {
      expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 10001, runAsGroup: 10001 });
      expect(container.securityContext).toEqual({
        allowPrivilegeEscalation: false,
        capabilities: { drop: ['ALL'] },
        privileged: false,
        readOnlyRootFilesystem: true,
        runAsGroup: 10001,
        runAsNonRoot: true,
        runAsUser: 10001,
        seccompProfile: { type: 'RuntimeDefault' },
      });
      expect(pod.automountServiceAccountToken).toBe(false);
      expect(container.volumeMounts).toContainEqual({ mountPath: '/tmp', name: 'tmp' });
    });

    it('has startup and liveness probes on /health, readiness on the API with the in-cluster Host header', () => {
      for (const probe of ['startupProbe', 'livenessProbe']) {
        expect(container[probe].httpGet).toEqual({ path: '/health', port: 5000, scheme: 'HTTP' });
      }
      expect(container.readinessProbe.httpGet).toEqual({
        path: '/api/2.0/mlflow/experiments/search?max_results=1',
        port: 5000,
        scheme: 'HTTP',
        httpHeaders: [{ name: 'Host', value: 'mlflow.mlflow.svc.cluster.local:5000' }],
      });
      // migrations at start get 30 x 10 s
      expect(container.startupProbe.failureThreshold * container.startupProbe.periodSeconds).toBe(300);
    });

    it('reads the backend store URI from the Secret as a file, never as a value or env var', () => {
      expect(pod.volumes).toContainEqual({
        name: 'backend-store',
        secret: { secretName: 'mlflow-db', defaultMode: 0o400, items: [{ key: 'uri', path: 'uri' }] },
      });
      expect(container.volumeMounts).toContainEqual({ mountPath: '/etc/mlflow/backend', name: 'backend-store', readOnly: true });
      expect(container.args[0]).toContain('--backend-store-uri "$(cat /etc/mlflow/backend/uri)"');
      expect(JSON.stringify(container.env)).not.toContain('secretKeyRef');
      expect(objects.map((o) => o.kind)).not.toContain('Secret');
    });

    it('takes the artifact root from its ConfigMap and proxies artifacts', () => {
      expect(one(objects, 'ConfigMap').data).toEqual({ artifactRoot: 's3://acme-ml/mlflow' });
      expect(container.env).toContainEqual({
        name: 'MLFLOW_ARTIFACTS_DESTINATION',
        valueFrom: { configMapKeyRef: { key: 'artifactRoot', name: 'mlflow-config' } },
      });
      expect(container.args[0]).toContain('--serve-artifacts --artifacts-destination "$MLFLOW_ARTIFACTS_DESTINATION"');
    });

    it('exposes port 5000 through a ClusterIP service', () => {
      const service = one(objects, 'Service');
      expect(service.spec.type).toBe('ClusterIP');
      expect(service.spec.ports).toEqual([{ name: 'http', port: 5000, targetPort: 5000, protocol: 'TCP' }]);
      expect(service.spec.selector).toEqual({ 'app.kubernetes.io/name': 'mlflow', 'app.kubernetes.io/instance': 'mlflow' });
      const podLabels = deployment.spec.template.metadata.labels;
      for (const [k, v] of Object.entries(service.spec.selector)) {
        expect(podLabels[k]).toBe(v);
      }
    });

    it('admits only its own namespace and lets out only DNS, the database and HTTPS', () => {
      const np = one(objects, 'NetworkPolicy');
      expect(np.spec.podSelector.matchLabels).toEqual(deployment.spec.selector.matchLabels);
      expect(np.spec.policyTypes).toEqual(['Ingress', 'Egress']);
      expect(np.spec.ingress).toEqual([{ from: [{ podSelector: {} }], ports: [{ protocol: 'TCP', port: 5000 }] }]);
      expect(np.spec.egress[1].ports).toEqual([
        { protocol: 'TCP', port: 5432 },
        { protocol: 'TCP', port: 443 },
      ]);
    });

    it('keeps one replica serving through voluntary disruptions', () => {
      expect(one(objects, 'PodDisruptionBudget').spec).toEqual({
        maxUnavailable: 1,
        selector: { matchLabels: deployment.spec.selector.matchLabels },
      });
    });
  });

  describe('configured', () => {
    it('runs in an existing namespace without creating it', () => {
      const objects = render({ namespace: 'ml', createNamespace: false, name: 'registry' });
      expect(objects.map((o) => o.kind)).not.toContain('Namespace');
      expect(one(objects, 'Deployment').metadata).toMatchObject({ name: 'registry', namespace: 'ml' });
    });

    it('annotates the service account for IRSA', () => {
      const sa = one(render({ serviceAccountRoleArn: 'arn:aws:iam::123456789012:role/mlflow' }), 'ServiceAccount');
      expect(sa.metadata.annotations).toEqual({ 'eks.amazonaws.com/role-arn': 'arn:aws:iam::123456789012:role/mlflow' });
      expect(sa.automountServiceAccountToken).toBe(false);
    });

    it('admits clients from the namespaces it is told to', () => {
      const np = one(render({ allowedClientNamespaces: ['training'] }), 'NetworkPolicy');
      expect(np.spec.ingress[0].from).toEqual([
        { podSelector: {} },
        { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'training' } } },
      ]);
    });

    it('takes resources, port and database port', () => {
      const objects = render({
        resources: { cpuRequest: '1', cpuLimit: '4', memoryRequest: '2Gi', memoryLimit: '8Gi' },
        port: 8080,
        backendStorePort: 3306,
      });
      const c = one(objects, 'Deployment').spec.template.spec.containers[0];
      expect(c.resources).toEqual({ requests: { cpu: '1', memory: '2048Mi' }, limits: { cpu: '4', memory: '8192Mi' } });
      expect(c.readinessProbe.httpGet.port).toBe(8080);
      expect(one(objects, 'NetworkPolicy').spec.egress[1].ports[0]).toEqual({ protocol: 'TCP', port: 3306 });
    });

    it('drops the PDB for a single replica (it would block node drains)', () => {
      const objects = render({ replicas: 1 });
      expect(objects.map((o) => o.kind)).not.toContain('PodDisruptionBudget');
    });

    it('accepts a pinned version tag', () => {
      expect(() => render({ image: 'ghcr.io/mlflow/mlflow:v2.17.2' })).not.toThrow();
    });
  });

  describe('objects', () => {
    it('exposes the server Deployment as defaultChild and every other object as a property', () => {
      const reg = new ModelRegistry(Testing.chart(), 'Registry', REQUIRED);
      expect(reg.defaultChild).toBe(ApiObject.of(reg.deployment));
      expect(reg.node.defaultChild).toBe(reg.defaultChild);
      expect(reg.defaultChild.kind).toBe('Deployment');
      expect(ApiObject.of(reg.service).kind).toBe('Service');
      expect(ApiObject.of(reg.config).kind).toBe('ConfigMap');
      expect(ApiObject.of(reg.serviceAccount).kind).toBe('ServiceAccount');
      expect(reg.networkPolicy.kind).toBe('NetworkPolicy');
      expect(reg.disruptionBudget?.kind).toBe('PodDisruptionBudget');
      expect(ApiObject.of(reg.namespaceObject!).kind).toBe('Namespace');
    });
  });

  describe('addAllowedClientNamespace', () => {
    it('admits a namespace added after construction exactly as the prop does', () => {
      const chart = Testing.chart();
      const reg = new ModelRegistry(chart, 'Registry', { ...REQUIRED, allowedClientNamespaces: ['training'] });
      reg.addAllowedClientNamespace('serving');
      const objects = synthValid(chart);
      expect(objects).toEqual(render({ allowedClientNamespaces: ['training', 'serving'] }));
      expect(one(objects, 'NetworkPolicy').spec.ingress[0].from).toEqual([
        { podSelector: {} },
        { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'training' } } },
        { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'serving' } } },
      ]);
    });

    it('rejects a name that is not a namespace, naming the argument', () => {
      const reg = new ModelRegistry(Testing.chart(), 'Registry', REQUIRED);
      const e = expectValidationError(() => reg.addAllowedClientNamespace('Serving Team'));
      expect(e.problems).toEqual([expect.objectContaining({ constructPath: 'test/Registry', property: 'namespace', allowed: expect.stringContaining('DNS-1123 label') })]);
    });

    it('fails synthesis on a namespace listed twice, naming the construct', () => {
      const chart = Testing.chart();
      const reg = new ModelRegistry(chart, 'Registry', { ...REQUIRED, allowedClientNamespaces: ['serving'] });
      reg.addAllowedClientNamespace('serving');
      expect(() => Testing.synth(chart)).toThrow('test/Registry: allowedClientNamespaces must not list a namespace twice');
    });
  });

  describe('rejected', () => {
    it.each([
      [{ image: 'ghcr.io/mlflow/mlflow:latest' }, 'image', 'moving tag'],
      [{ image: 'ghcr.io/mlflow/mlflow' }, 'image', 'untagged image means :latest'],
      [{ artifactRoot: '/var/mlflow' }, 'artifactRoot', 'must be an s3:// URI'],
      [{ namespace: 'ML_Team' }, 'namespace', 'must be a DNS-1123 label'],
      [{ replicas: 0 }, 'replicas', 'must be at least 1'],
      [{ backendStoreUriSecret: { name: 'db', key: 'a b' } }, 'backendStoreUriSecret.key', 'must be a Secret key'],
      [{ resources: { cpuRequest: '4', cpuLimit: '2', memoryRequest: '1Gi', memoryLimit: '1Gi' } }, 'resources.cpuRequest', 'must not exceed cpuLimit (2)'],
      [{ resources: { cpuRequest: '1', cpuLimit: '2', memoryRequest: '1G', memoryLimit: '2Gi' } }, 'resources.memoryRequest', 'must be a memory quantity'],
      [{ serviceAccountRoleArn: 'mlflow-role' }, 'serviceAccountRoleArn', 'must be an IAM role ARN'],
      [{ allowedClientNamespaces: ['serving', 'serving'] }, 'allowedClientNamespaces', 'must not list a namespace twice'],
    ])('%j', (props, property, allowed) => {
      const chart = Testing.chart();
      const e = expectValidationError(() => new ModelRegistry(chart, 'Registry', { ...REQUIRED, ...(props as any) }));
      expect(e.problems).toHaveLength(1);
      expect(e.problems[0].constructPath).toBe(`${chart.node.path}/Registry`);
      expect(e.problems[0].property).toBe(property);
      expect(e.problems[0].allowed).toContain(allowed);
    });
  });
});
