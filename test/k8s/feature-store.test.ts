import { Cron, Testing } from 'cdk8s';
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
      expect(py).toContain('timestamp_field="event_time"');
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
        ttlSeconds: 3600,
        offlineStore: { ...BASE.offlineStore, tables: { user: 'user_features_v' } },
        materializationSchedule: Cron.schedule({ minute: '*/15' }),
        project: 'fraud',
        serviceAccountRoleArn: 'arn:aws:iam::123456789012:role/feast',
      });
      const config = one(objects, 'ConfigMap');
      expect(config.data['features.py']).toContain('ttl=timedelta(seconds=3600),');
      expect(config.data['features.py']).toContain('table="user_features_v"');
      expect(YAML.parse(config.data['feature_store.yaml']).project).toBe('fraud');
      expect(one(objects, 'CronJob').spec.schedule).toBe('*/15 * * * *');
      expect(one(objects, 'ServiceAccount').metadata.annotations).toEqual({ 'eks.amazonaws.com/role-arn': 'arn:aws:iam::123456789012:role/feast' });
    });
  });

  describe('rejected', () => {
    it.each<[string, Partial<FeatureStoreProps>, string, string]>([
      ['a moving image tag', { image: 'feastdev/feature-server:latest' }, 'image', 'moving tag'],
      ['a table for an unknown entity', { offlineStore: { ...BASE.offlineStore, tables: { merchant: 'm' } } }, 'offlineStore.tables.merchant', 'must name a defined entity'],
      ['a registry outside S3', { registry: '/data/registry.db' }, 'registry', 'must be an s3:// URI'],
      ['a missing event time', { entities: [{ ...USER, eventTime: undefined } as any] }, 'entities[0].eventTime', 'must be a string'],
      ['an entity without its table', { offlineStore: { ...BASE.offlineStore, tables: {} } }, 'offlineStore.tables.user', 'must be set'],
      ['a bad region', { offlineStore: { ...BASE.offlineStore, region: 'europe' } }, 'offlineStore.region', 'must be an AWS region'],
    ])('%s', (_w, props, property, allowed) => {
      const e = expectValidationError(() => render(props));
      const p = e.problems.find((x) => x.property === property);
      expect(p, e.message).toBeDefined();
      expect(p!.allowed).toContain(allowed);
    });
  });
});
