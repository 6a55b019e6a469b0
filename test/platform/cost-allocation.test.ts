/**
 * Cost allocation (issue 19 item 1): a walk over every resource of every example, on AWS (every
 * resource whose type takes tags, in every stack: MlPlatform, EksMlPlatform and the standalone
 * constructs' stacks, tagged with `aws.CostAllocation`) and on Kubernetes (every object of every
 * chart: MlPlatformChart's, its Argo CD Applications and the standalone charts labelled with
 * `k8s.CostAllocation`, and every pod they make).
 */
import * as fs from 'fs';
import * as path from 'path';
import { CfnResource, NestedStack, Stack, TagManager, App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Chart, Testing } from 'cdk8s';
import { beforeAll, describe, expect, it } from 'vitest';
import * as YAML from 'yaml';
import { buildExamples } from '../../examples';
import { labelValue } from '../../lib/core/cost-allocation';
import { EksPlatformModel } from '../../lib/platform/eks-ml-platform';
import { MlPlatform } from '../../lib/platform/ml-platform';
import { MlPlatformChart } from '../../lib/platform/ml-platform-chart';
import { PlatformModel } from '../../lib/platform/platform-model';
import { expectValidationError } from '../support/aws';

const SPEC = YAML.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'examples', 'platform.yaml'), 'utf-8'));

/** A resource's tags as a map, whatever the type's format (a Key/Value list or a map). */
function tagsOf(props: Record<string, any> | undefined, property: string): Record<string, unknown> {
  // The L1's property name (`tags`) is the template's with a lower-case first letter (`Tags`).
  const raw = props?.[property.charAt(0).toUpperCase() + property.slice(1)];
  if (Array.isArray(raw)) return Object.fromEntries(raw.map((t: any) => [t.Key ?? t.key, t.Value ?? t.value]));
  return raw ?? {};
}

/** The platform examples' stacks (the others are the standalone constructs' examples, all of the fraud model). */
const PLATFORM_STACK = /^MlopsPlatform(Eks)?(\/|$)/;

/** The model a stack belongs to, or shared. */
function modelOf(stack: Stack): string {
  if (!PLATFORM_STACK.test(stack.node.path)) return 'fraud';
  const owner = [stack, ...stack.node.scopes]
    .find((s) => s instanceof PlatformModel || s instanceof EksPlatformModel) as PlatformModel | EksPlatformModel | undefined;
  if (owner === undefined) return 'shared';
  return owner instanceof PlatformModel ? owner.modelName : owner.node.id.toLowerCase();
}

/** Who owns a model's resources in the examples. */
const OWNERS: Record<string, string> = { shared: 'ml-platform-oncall', churn: 'churn-ml-oncall', fraud: 'fraud-ml-oncall' };

describe('cost allocation tags on AWS: every taggable resource of every example', () => {
  let checked: Array<{ path: string; type: string; tags: Record<string, unknown>; model: string }> = [];
  beforeAll(() => {
    const examples = buildExamples({ nag: false });
    const assembly = examples.awsApp.synth();
    const stacks = examples.awsApp.node.findAll().filter((c): c is Stack => Stack.isStack(c));
    checked = stacks.flatMap((stack) => {
      const template = NestedStack.isNestedStack(stack)
        ? JSON.parse(fs.readFileSync(path.join(assembly.directory, (stack as any).templateFile), 'utf-8'))
        : assembly.getStackArtifact(stack.artifactId).template;
      return stack.node.findAll()
        // TagManager.of: the L1s taking tags, old-style (`tags`) and new (`cdkTagManager`, e.g. CloudWatch alarms).
        .filter((c): c is CfnResource => c instanceof CfnResource && Stack.of(c) === stack && TagManager.of(c) !== undefined)
        .map((c) => ({
          path: c.node.path,
          type: c.cfnResourceType,
          tags: tagsOf(template.Resources[stack.getLogicalId(c)]?.Properties, TagManager.of(c)!.tagPropertyName),
          model: modelOf(stack),
        }));
    });
  });

  it('walks every stack of the examples: both platforms and the standalone constructs (more than 150 resources of more than 20 types)', () => {
    expect(checked.length).toBeGreaterThan(150);
    expect(new Set(checked.map((c) => c.type)).size).toBeGreaterThan(20);
    expect(new Set(checked.map((c) => c.model))).toEqual(new Set(['shared', 'churn', 'fraud']));
    for (const stack of ['MlopsGpuServing', 'MlopsModelRegistry', 'MlopsFeatureStore', 'MlopsPipeline', 'MlopsPlatform', 'MlopsPlatformEks']) {
      expect(checked.some((c) => c.path.startsWith(`${stack}/`)), stack).toBe(true);
    }
  });

  it('tags each with model (its own, or shared), its owner and platform', () => {
    const untagged = checked.filter((c) => c.tags.model !== c.model || c.tags.platform !== 'acme' || c.tags.owner !== OWNERS[c.model]);
    expect(untagged.map((c) => `${c.path} (${c.type}): ${JSON.stringify(c.tags)}`)).toEqual([]);
  });

  it('adds the spec\'s own tags (the model\'s over the platform\'s) and refuses keys the library sets', () => {
    const spec = { ...structuredClone(SPEC), tags: { 'cost-center': 'ml-42', 'team': 'platform' } };
    spec.models[0].tags = { team: 'churn' };
    const platform = new MlPlatform(new Stack(new App(), 'S', { env: { account: '123456789012', region: 'eu-west-1' } }), 'P', { spec });
    const queue = Object.values(Template.fromStack(platform.models[0]).findResources('AWS::SQS::Queue'))[0];
    expect(tagsOf(queue.Properties, 'tags')).toEqual({ 'cost-center': 'ml-42', 'team': 'churn', 'model': 'churn', 'owner': 'churn-ml-oncall', 'platform': 'acme' });
    const error = expectValidationError(() => new MlPlatform(new Stack(new App(), 'S2', { env: { account: '123456789012', region: 'eu-west-1' } }), 'P', {
      spec: { ...structuredClone(SPEC), tags: { 'model': 'x', 'aws:created': 'y' } },
    }));
    expect(error.problems.map((p) => [p.property, p.allowed])).toEqual(expect.arrayContaining([
      ['tags.model', expect.stringMatching(/must not be model, owner, platform/)],
      ['tags.aws:created', expect.stringMatching(/must not start with "aws:"/)],
    ]));
  });
});

/** The kinds whose objects make pods, and where their pods' labels are: the walk fails on a kind it does not know. */
const POD_LABELS: Record<string, (o: any) => Record<string, string> | undefined> = {
  Deployment: (o) => o.spec.template.metadata?.labels,
  StatefulSet: (o) => o.spec.template.metadata?.labels,
  Job: (o) => o.spec.template.metadata?.labels,
  Rollout: (o) => o.spec.template.metadata?.labels,
  CronJob: (o) => o.spec.jobTemplate.spec.template.metadata?.labels,
  WorkflowTemplate: (o) => o.spec.podMetadata?.labels,
  CronWorkflow: (o) => o.spec.workflowSpec.podMetadata?.labels,
  InferenceService: (o) => o.spec.predictor.labels,
  // Argo Events runs pods for these too.
  EventSource: (o) => o.spec.template?.metadata?.labels,
  Sensor: (o) => o.spec.template?.metadata?.labels,
  EventBus: (o) => (o.spec.jetstream ?? o.spec.nats?.native)?.metadata?.labels,
};
const NO_PODS = new Set([
  'Namespace', 'ServiceAccount', 'Role', 'RoleBinding', 'ClusterRole', 'ClusterRoleBinding', 'Service', 'ConfigMap', 'Secret', 'NetworkPolicy',
  'PodDisruptionBudget', 'HorizontalPodAutoscaler', 'Ingress', 'PrometheusRule', 'ServiceMonitor', 'PodMonitor', 'AnalysisTemplate', 'NodePool',
  'EC2NodeClass', 'NodeOverlay', 'Application', 'SecretStore', 'ExternalSecret', 'ScaledObject', 'PersistentVolumeClaim',
]);

describe('cost allocation labels on Kubernetes: every object and pod of every example chart', () => {
  let objects: any[] = [];
  beforeAll(() => {
    const examples = buildExamples({ nag: false });
    // The standalone charts: the GPU pools and MLflow are shared, the rest is the fraud model's.
    const standalone: Record<string, string> = { 'model-registry': 'shared', 'gpu-node-pools': 'shared', 'gpu-serving': 'fraud', 'feature-store': 'fraud', 'ml-pipeline': 'fraud' };
    const charts: Chart[] = examples.charts;
    expect(charts.map((c) => c.node.id).filter((id) => !id.startsWith('platform')).sort()).toEqual(Object.keys(standalone).sort());
    objects = charts.flatMap((c) => c.toJson().map((o: any) => ({ ...o, expectedModel: standalone[c.node.id] })));
  });

  it('labels every object with model (its own, or shared), its owner and platform', () => {
    expect(objects.length).toBeGreaterThan(100);
    const model = (o: any) => o.expectedModel ?? (o.metadata.namespace === 'acme-churn' || o.metadata.name === 'acme-churn' ? 'churn' : undefined);
    const bad = objects.filter((o) => {
      const l = o.metadata.labels ?? {};
      return l.platform !== 'acme' || !l.model || l.owner !== OWNERS[l.model] || (model(o) !== undefined && l.model !== model(o));
    });
    expect(bad.map((o) => `${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}: ${JSON.stringify(o.metadata.labels)}`)).toEqual([]);
    expect(new Set(objects.map((o) => o.metadata.labels.model))).toEqual(new Set(['shared', 'churn', 'fraud']));
  });

  it('labels every pod the objects make (OpenCost and Kubecost read the pod\'s labels)', () => {
    const unknown = [...new Set(objects.map((o) => o.kind))].filter((k) => !(k in POD_LABELS) && !NO_PODS.has(k));
    expect(unknown, 'kinds the walk does not know: do they make pods?').toEqual([]);
    const bad = objects.filter((o) => o.kind in POD_LABELS).filter((o) => {
      const pod = POD_LABELS[o.kind](o) ?? {};
      return pod.model !== o.metadata.labels.model || pod.owner !== o.metadata.labels.owner || pod.platform !== 'acme';
    });
    expect(bad.map((o) => `${o.kind} ${o.metadata.namespace}/${o.metadata.name}`)).toEqual([]);
    expect(objects.filter((o) => o.kind in POD_LABELS).length).toBeGreaterThan(5);
  });

  it('makes tag values label-safe and keeps a label an object sets itself', () => {
    expect(labelValue('ml team@acme')).toBe('ml-team-acme');
    expect(labelValue('-x-')).toBe('x');
    expect(labelValue('a'.repeat(80))).toHaveLength(63);
    const spec = { ...structuredClone(SPEC), ownership: { ...SPEC.ownership, owner: 'ML Platform @acme' } };
    const chart = new MlPlatformChart(Testing.app(), 'platform', { spec });
    const shared = chart.toJson().find((o: any) => o.kind === 'Namespace');
    expect(shared.metadata.labels.owner).toBe('ML-Platform--acme');
    // Pod Security labels of the namespaces are the library's own and stay.
    expect(shared.metadata.labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
  });
});
