import { ApiObject, Cron, Duration, Testing } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import * as YAML from 'yaml';
import { EntityDefinition, FeatureType, Features } from '../../lib/core/features';
import { FeatureStore, FeatureStoreProps } from '../../lib/k8s/feature-store';
import { expectValidationError } from '../support/aws';
import { one, synthValid } from '../support/k8s';

const USER: EntityDefinition = {
  name: 'user',
  recordIdentifier: 'user_id',
  eventTime: 'event_time',
  features: [
    { name: '30d_spend', type: FeatureType.FRACTIONAL },
    { name: 'txn_count', type: FeatureType.INTEGRAL },
  ],
};
const BASE: FeatureStoreProps = {
  entities: [USER],
  image: `registry.example.com/feast@sha256:${'d'.repeat(64)}`,
  redisConnectionSecret: { name: 'redis', key: 'conn' },
  registry: 's3://features/registry.db',
  offlineStore: { region: 'eu-west-1', workGroup: 'features', s3StagingLocation: 's3://features/athena/', tables: { user: 'user_features_v' } },
};

function render(props: Partial<FeatureStoreProps> = {}) {
  const chart = Testing.chart();
  const fs = new FeatureStore(chart, 'Feast', { ...BASE, ...props });
  return { fs, objects: synthValid(chart) };
}

describe('FeatureStore (Kubernetes, Feast)', () => {
  describe('default', () => {
    const { fs, objects } = render();
    const config = one(objects, 'ConfigMap');
    const deployment = one(objects, 'Deployment');
    const pod = deployment.spec.template.spec;

    it('generates feature_store.yaml with Redis online and Athena offline, without the secret', () => {
      expect(YAML.parse(config.data['feature_store.yaml'])).toEqual({
        project: 'cdk_mlops',
        registry: 's3://features/registry.db',
        provider: 'aws',
        online_store: { type: 'redis', connection_string: '__REDIS_CONNECTION_STRING__' },
        offline_store: {
          type: 'athena',
          region: 'eu-west-1',
          data_source: 'AwsDataCatalog',
          database: 'sagemaker_featurestore',
          workgroup: 'features',
          s3_staging_location: 's3://features/athena/',
        },
        entity_key_serialization_version: 3,
      });
    });

    it('generates the Feast definitions from the same entities', () => {
      const py = config.data['features.py'];
      expect(py).toContain(`version ${Features.version([USER])}`);
      expect(py).toContain('_user_entity = Entity(name="user", join_keys=["user_id"], value_type=ValueType.STRING)');
      expect(py).toContain('Field(name="30d_spend", dtype=Float64),');
      expect(py).toContain('Field(name="txn_count", dtype=Int64),');
      // The source is a query over the offline table (issue 13.12): the event time column converted.
      expect(py).toContain('timestamp_field="c1_event_time"');
      expect(py).toContain('ttl=None,');
      expect(fs.version).toBe(Features.version([USER]));
    });

    it('reads the Redis connection string from the Secret file in an init container', () => {
      const init = pod.initContainers[0];
      expect(init.args[0]).toContain('/etc/feast/redis/connection-string');
      expect(pod.volumes).toContainEqual({
        name: 'redis',
        secret: { secretName: 'redis', defaultMode: 0o400, items: [{ key: 'conn', path: 'connection-string' }] },
      });
      expect(JSON.stringify(objects)).not.toContain('secretKeyRef');
    });

    it('serves on 6566, non-root, read-only, with explicit resources and probes', () => {
      const c = pod.containers[0];
      expect(c.command).toEqual(['feast', '--chdir', '/etc/feast/repo', 'serve', '--host', '0.0.0.0', '--port', '6566']);
      expect(c.resources).toEqual({ requests: { cpu: '500m', memory: '1024Mi' }, limits: { cpu: '2', memory: '2048Mi' } });
      expect(c.securityContext).toMatchObject({ runAsNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
      expect(c.readinessProbe.tcpSocket.port).toBe(6566);
      expect(one(objects, 'Service').spec.ports).toEqual([{ name: 'http', port: 6566, targetPort: 6566, protocol: 'TCP' }]);
    });

    it('materializes hourly, never two runs at once, with a restricted pod', () => {
      const cron = one(objects, 'CronJob');
      expect(cron.spec.schedule).toBe('0 * * * *');
      expect(cron.spec.concurrencyPolicy).toBe('Forbid');
      // A run the controller reaches late still starts until the next is due (was cdk8s-plus' 10 s: issue 13.13).
      expect(cron.spec.startingDeadlineSeconds).toBe(3600);
      const jobPod = cron.spec.jobTemplate.spec.template.spec;
      expect(jobPod.securityContext.seccompProfile).toEqual({ type: 'RuntimeDefault' });
      expect(jobPod.containers[0].args[0]).toContain('"materialize-incremental", now');
      // apply runs first, so the registry holds these definitions
      expect(jobPod.containers[0].args[0].indexOf('"apply"')).toBeLessThan(jobPod.containers[0].args[0].indexOf('materialize-incremental'));
    });

    it('registers the definitions with a Job named after their version', () => {
      const job = one(objects, 'Job');
      expect(job.metadata.name).toBe(`feast-apply-${Features.version([USER])}`);
      expect(job.spec.template.spec.containers[0].command).toEqual(['feast', '--chdir', '/etc/feast/repo', 'apply']);
      expect(job.spec.template.spec.securityContext.seccompProfile).toEqual({ type: 'RuntimeDefault' });
    });

    it('allows Redis and HTTPS egress only, and keeps a replica through disruptions', () => {
      expect(one(objects, 'NetworkPolicy').spec.egress[1].ports).toEqual([
        { protocol: 'TCP', port: 6379 },
        { protocol: 'TCP', port: 443 },
      ]);
      expect(one(objects, 'PodDisruptionBudget').spec.maxUnavailable).toBe(1);
    });
  });

  describe('configured', () => {
    it('TTL, tables, schedule, project, IRSA', () => {
      const { objects } = render({
        ttl: Duration.hours(1),
        offlineStore: { ...BASE.offlineStore, tables: { user: 'user_features_v' } },
        materializationSchedule: Cron.schedule({ minute: '*/15' }),
        project: 'fraud',
        serviceAccountRoleArn: 'arn:aws:iam::123456789012:role/feast',
      });
      const config = one(objects, 'ConfigMap');
      expect(config.data['features.py']).toContain('ttl=timedelta(seconds=3600),');
      expect(config.data['features.py']).toContain('FROM \\"AwsDataCatalog\\".\\"sagemaker_featurestore\\".\\"user_features_v\\"');
      expect(YAML.parse(config.data['feature_store.yaml']).project).toBe('fraud');
      expect(one(objects, 'CronJob').spec.schedule).toBe('*/15 * * * *');
      expect(one(objects, 'ServiceAccount').metadata.annotations).toEqual({ 'eks.amazonaws.com/role-arn': 'arn:aws:iam::123456789012:role/feast' });
    });
  });

  describe('objects', () => {
    it('exposes the feature server Deployment as defaultChild and every other object as a property', () => {
      const { fs } = render();
      expect(fs.defaultChild).toBe(ApiObject.of(fs.deployment));
      expect(fs.node.defaultChild).toBe(fs.defaultChild);
      expect(fs.defaultChild.kind).toBe('Deployment');
      expect(ApiObject.of(fs.service).kind).toBe('Service');
      expect(ApiObject.of(fs.config).kind).toBe('ConfigMap');
      expect(ApiObject.of(fs.serviceAccount).kind).toBe('ServiceAccount');
      expect(ApiObject.of(fs.materializeJob).kind).toBe('CronJob');
      expect(ApiObject.of(fs.applyJob).kind).toBe('Job');
      expect(fs.networkPolicy.kind).toBe('NetworkPolicy');
      expect(fs.disruptionBudget?.kind).toBe('PodDisruptionBudget');
      expect(ApiObject.of(fs.namespaceObject!).kind).toBe('Namespace');
    });

    it('has no disruption budget with one replica and no namespace object when told not to create it', () => {
      const { fs } = render({ replicas: 1, createNamespace: false });
      expect(fs.disruptionBudget).toBeUndefined();
      expect(fs.namespaceObject).toBeUndefined();
    });
  });

  describe('addFeatureView and addFeature', () => {
    const MERCHANT: EntityDefinition = {
      name: 'merchant',
      recordIdentifier: 'merchant_id',
      eventTime: 'ts',
      features: [{ name: 'risk_score', type: FeatureType.FRACTIONAL }],
    };

    it('renders a view and a feature added after construction, and the version labels and apply Job follow', () => {
      const chart = Testing.chart();
      const fs = new FeatureStore(chart, 'Feast', BASE);
      fs.addFeatureView(MERCHANT, 'merchant_features_v');
      fs.addFeature('user', { name: 'country', type: FeatureType.STRING });
      const objects = synthValid(chart);
      const user = { ...USER, features: [...USER.features, { name: 'country', type: FeatureType.STRING }] };
      const version = Features.version([user, MERCHANT]);
      expect(fs.version).toBe(version);
      const py = one(objects, 'ConfigMap').data['features.py'];
      expect(py).toContain(`version ${version}`);
      expect(py).toContain('\\"sagemaker_featurestore\\".\\"merchant_features_v\\"');
      expect(py).toContain('Field(name="country", dtype=String),');
      expect(one(objects, 'Job').metadata.name).toBe(`feast-apply-${version}`);
      expect(objects.every((o) => o.metadata.labels['cdk-mlops.io/feature-set-version'] === version)).toBe(true);
    });

    it('renders exactly what the same definitions in props render', () => {
      const chart = Testing.chart();
      const fs = new FeatureStore(chart, 'Feast', BASE);
      fs.addFeatureView(MERCHANT, 'merchant_features_v');
      const viaProps = Testing.chart();
      new FeatureStore(viaProps, 'Feast', { ...BASE, entities: [USER, MERCHANT], offlineStore: { ...BASE.offlineStore, tables: { user: 'user_features_v', merchant: 'merchant_features_v' } } });
      expect(Testing.synth(chart)).toEqual(Testing.synth(viaProps));
    });

    it('admits a client namespace added after construction', () => {
      const chart = Testing.chart();
      const fs = new FeatureStore(chart, 'Feast', { ...BASE, allowedClientNamespaces: ['serving'] });
      fs.addAllowedClientNamespace('training');
      expect(one(synthValid(chart), 'NetworkPolicy').spec.ingress[0].from).toEqual([
        { podSelector: {} },
        { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'serving' } } },
        { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'training' } } },
      ]);
    });

    it.each<[string, (fs: FeatureStore) => void, string, string]>([
      ['a bad namespace', (fs) => fs.addAllowedClientNamespace('Serving'), 'namespace', 'DNS-1123 label'],
      ['a view without features', (fs) => fs.addFeatureView({ ...MERCHANT, features: [] }, 'm'), 'entity.features', 'must define at least one feature'],
      ['a view on a bad table name', (fs) => fs.addFeatureView(MERCHANT, 'Merchant Features'), 'offlineTable', 'must be a Glue table name'],
      ['a feature of an unknown entity', (fs) => fs.addFeature('merchant', { name: 'risk', type: FeatureType.FRACTIONAL }), 'entityName', 'must name an entity of the store (user)'],
    ])('rejects %s when it is added, naming the argument', (_w, add, property, allowed) => {
      const fs = new FeatureStore(Testing.chart(), 'Feast', BASE);
      const e = expectValidationError(() => add(fs));
      expect(e.problems).toEqual([expect.objectContaining({ constructPath: 'test/Feast', property, allowed: expect.stringContaining(allowed) })]);
    });

    it.each<[string, (fs: FeatureStore) => void, string]>([
      ['a view added twice', (fs) => fs.addFeatureView({ ...MERCHANT, name: 'user' }, 'u2'), 'test/Feast: entities[1].name must be unique; "user" is defined twice'],
      ['a client namespace listed twice', (fs) => fs.addAllowedClientNamespace('serving'), 'test/Feast: allowedClientNamespaces must not list a namespace twice'],
      ['a feature name already used', (fs) => fs.addFeature('user', { name: 'TXN_COUNT', type: FeatureType.INTEGRAL }), 'test/Feast: entities[0].features[2].name must be unique in the entity'],
    ])('fails synthesis on %s, naming the construct', (_w, add, message) => {
      const chart = Testing.chart();
      add(new FeatureStore(chart, 'Feast', { ...BASE, allowedClientNamespaces: ['serving'] }));
      expect(() => Testing.synth(chart)).toThrow(message);
    });
  });

  describe('rejected', () => {
    it.each<[string, Partial<FeatureStoreProps>, string, string]>([
      ['a moving image tag', { image: 'feastdev/feature-server:latest' }, 'image', 'moving tag'],
      ['a table for an unknown entity', { offlineStore: { ...BASE.offlineStore, tables: { merchant: 'm' } } }, 'offlineStore.tables.merchant', 'must name a defined entity'],
      ['a registry outside S3', { registry: '/data/registry.db' }, 'registry', 'must be an s3:// URI'],
      ['a missing event time', { entities: [{ ...USER, eventTime: undefined } as any] }, 'entities[0].eventTime', 'must be a string'],
      ['an entity without its table', { offlineStore: { ...BASE.offlineStore, tables: {} } }, 'offlineStore.tables.user', 'must be set'],
      ['a TTL under a second', { ttl: Duration.millis(500) }, 'ttl', 'must be a whole number of seconds'],
      ['a bad region', { offlineStore: { ...BASE.offlineStore, region: 'europe' } }, 'offlineStore.region', 'must be an AWS region'],
    ])('%s', (_w, props, property, allowed) => {
      const e = expectValidationError(() => render(props));
      const p = e.problems.find((x) => x.property === property);
      expect(p, e.message).toBeDefined();
      expect(p!.allowed).toContain(allowed);
    });
  });
});
