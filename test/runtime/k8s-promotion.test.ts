import { describe, expect, test } from 'vitest';
import { Lineage } from '../../lib/core/lineage';
import {
  EXPERIMENT_ANNOTATION,
  MODEL_URI_ANNOTATION, MODEL_VERSION_ANNOTATION, MlflowModelVersion, PromotionDecisionKind, REFUSED_ANNOTATION, REFUSED_RECORD_SIZE,
  STABLE_VERSION_ANNOTATION, ServedState, decidePromotion, defaultPromotionRules, parseRefused, withRefusal,
} from '../../lib/core/mlflow-promotion';
import { configFromEnv } from '../../lib/runtime/k8s-promotion/cli';
import { patchOf, renderPromotionMetrics, runPromotion, servedStateOf, targetPath } from '../../lib/runtime/k8s-promotion/promoter';

const rules = defaultPromotionRules();
const lineage = Lineage.metadataKeys().map((key) => ({ key, value: 'x' }));
const version = (v: string, extra: Partial<MlflowModelVersion> = {}): MlflowModelVersion => ({
  version: v, source: `s3://models/churn/${v}/`, status: 'READY', tags: lineage, ...extra,
});
const serving = (s: Partial<ServedState> = {}): ServedState => ({ aborted: false, refused: {}, ...s });

describe('decidePromotion (the rules of the AWS promotion, on an MLflow alias)', () => {
  test('promotes an approved version with its lineage over the initial model', () => {
    const d = decidePromotion(version('3'), serving(), rules);
    expect(d).toMatchObject({ kind: PromotionDecisionKind.PROMOTE, version: 3, uri: 's3://models/churn/3/' });
  });

  test('no alias: nothing approved, nothing done', () => {
    expect(decidePromotion(undefined, serving({ templateVersion: 2 }), rules).kind).toBe(PromotionDecisionKind.NO_APPROVAL);
  });

  test('a repeated run changes nothing (idempotent)', () => {
    expect(decidePromotion(version('3'), serving({ templateVersion: 3 }), rules).kind).toBe(PromotionDecisionKind.ALREADY_SERVED);
  });

  test.each(Lineage.metadataKeys())('refuses a version without the lineage tag %s', (key) => {
    const d = decidePromotion(version('4', { tags: lineage.filter((t) => t.key !== key) }), serving({ templateVersion: 3 }), rules);
    expect(d.kind).toBe(PromotionDecisionKind.REFUSE);
    expect(d.reason).toContain(key);
  });

  test('a blank lineage tag counts as missing', () => {
    const tags = lineage.map((t) => (t.key === Lineage.CODE_COMMIT_KEY ? { ...t, value: '  ' } : t));
    expect(decidePromotion(version('4', { tags }), serving(), rules).kind).toBe(PromotionDecisionKind.REFUSE);
  });

  test('refuses an older version than the served one, unless allowed', () => {
    expect(decidePromotion(version('2'), serving({ templateVersion: 3 }), rules)).toMatchObject({ kind: PromotionDecisionKind.REFUSE, servedVersion: 3 });
    expect(decidePromotion(version('2'), serving({ templateVersion: 3 }), { ...rules, allowOlder: true })).toMatchObject({ kind: PromotionDecisionKind.PROMOTE, version: 2 });
  });

  test('an aborted canary: its version is recorded as rolled back and not promoted again; the stable one serves', () => {
    const d = decidePromotion(version('4'), serving({ templateVersion: 4, stableVersion: 3, aborted: true }), rules);
    expect(d.kind).toBe(PromotionDecisionKind.REFUSED_BEFORE);
    expect(d.servedVersion).toBe(3);
    expect(d.rolledBack).toEqual({ version: 4, reason: expect.stringContaining('rolled back') });
  });

  test('after an aborted canary a newer approved version is promoted (and the aborted one recorded)', () => {
    const d = decidePromotion(version('5'), serving({ templateVersion: 4, stableVersion: 3, aborted: true }), rules);
    expect(d).toMatchObject({ kind: PromotionDecisionKind.PROMOTE, version: 5, servedVersion: 3, rolledBack: { version: 4 } });
  });

  test('a version in the dead letter is not tried again until the entry is removed (replay)', () => {
    const refused = { 4: { reason: 'lacks lineage', at: '2026-11-27T00:00:00.000Z' } };
    expect(decidePromotion(version('4'), serving({ templateVersion: 3, refused }), rules).kind).toBe(PromotionDecisionKind.REFUSED_BEFORE);
    expect(decidePromotion(version('4'), serving({ templateVersion: 3 }), rules).kind).toBe(PromotionDecisionKind.PROMOTE);
  });

  test('a version still being registered waits; a failed registration is refused', () => {
    expect(decidePromotion(version('4', { status: 'PENDING_REGISTRATION' }), serving(), rules).kind).toBe(PromotionDecisionKind.WAITING);
    expect(decidePromotion(version('4', { status: 'FAILED_REGISTRATION' }), serving(), rules).kind).toBe(PromotionDecisionKind.REFUSE);
  });

  test.each(['runs:/abc/model', 'models:/m-123', 'mlflow-artifacts:/1/2/model', 'no-scheme/path', ''])(
    'refuses a source the server cannot load: %j', (source) => {
      expect(decidePromotion(version('4', { source }), serving(), rules).kind).toBe(PromotionDecisionKind.REFUSE);
    });
});

describe('the dead letter annotation', () => {
  test('parses what it writes and reads a malformed value as empty', () => {
    const r = withRefusal({}, 4, { reason: 'x', at: '2026-11-27T00:00:00.000Z' });
    expect(parseRefused(JSON.stringify(r))).toEqual(r);
    expect(parseRefused('not json')).toEqual({});
    expect(parseRefused('[1]')).toEqual({});
  });

  test(`keeps the last ${REFUSED_RECORD_SIZE} refusals`, () => {
    let r = {};
    for (let v = 1; v <= REFUSED_RECORD_SIZE + 5; v++) {
      r = withRefusal(r, v, { reason: 'x', at: new Date(Date.UTC(2026, 0, 1, 0, v)).toISOString() });
    }
    expect(Object.keys(r)).toHaveLength(REFUSED_RECORD_SIZE);
    expect(r).not.toHaveProperty('1');
  });
});

describe('the patch of the one object', () => {
  const rollout = {
    metadata: { name: 'acme-churn', resourceVersion: '42', annotations: { [STABLE_VERSION_ANNOTATION]: '2' } },
    spec: { template: { metadata: { annotations: { [MODEL_URI_ANNOTATION]: 's3://m/3/', [MODEL_VERSION_ANNOTATION]: '3' } } } },
    status: { abort: true },
  };

  test('reads the served state from the Rollout (status.abort) and the InferenceService (no abort)', () => {
    expect(servedStateOf('Rollout', rollout)).toMatchObject({ templateVersion: 3, stableVersion: 2, aborted: true, templateUri: 's3://m/3/' });
    const isvc = { metadata: {}, spec: { predictor: { annotations: { [MODEL_VERSION_ANNOTATION]: '5' } } }, status: { abort: true } };
    expect(servedStateOf('InferenceService', isvc)).toMatchObject({ templateVersion: 5, aborted: false });
  });

  test('a promotion patches the pod template annotations and the stable version, with the resourceVersion read', () => {
    const now = new Date('2026-11-27T05:00:00Z');
    const d = decidePromotion(version('5'), servedStateOf('Rollout', rollout), rules);
    const patch = patchOf('Rollout', rollout, d, now) as any;
    expect(patch.metadata.resourceVersion).toBe('42');
    expect(patch.spec.template.metadata.annotations).toEqual({ [MODEL_URI_ANNOTATION]: 's3://models/churn/5/', [MODEL_VERSION_ANNOTATION]: '5' });
    expect(patch.metadata.annotations[STABLE_VERSION_ANNOTATION]).toBe('2');
    expect(JSON.parse(patch.metadata.annotations[REFUSED_ANNOTATION])).toHaveProperty('3');
    const isvcPatch = patchOf('InferenceService', { metadata: { resourceVersion: '1' } }, decidePromotion(version('5'), serving(), rules), now) as any;
    expect(isvcPatch.spec.predictor.annotations[MODEL_URI_ANNOTATION]).toBe('s3://models/churn/5/');
  });

  test('an experiment on the object: no patch, no failure, approvals wait (the experiment owns the served version)', async () => {
    const running = {
      metadata: { resourceVersion: '7' },
      spec: { template: { metadata: { annotations: { [MODEL_URI_ANNOTATION]: 's3://m/3/', [MODEL_VERSION_ANNOTATION]: '3', [EXPERIMENT_ANNOTATION]: 'churn-v8' } } } },
    };
    const patches: unknown[] = [];
    const tags: unknown[] = [];
    const kube = { get: async () => running, mergePatch: async (_p: string, body: unknown) => { patches.push(body); } } as any;
    const mlflow = { versionByAlias: async () => version('5'), setVersionTag: async (...a: unknown[]) => { tags.push(a); } } as any;
    const run = await runPromotion({ registeredModelName: 'acme-churn', alias: 'champion', kind: 'Rollout', name: 'acme-churn', namespace: 'acme-churn', rules }, mlflow, kube);
    expect(run).toMatchObject({ failed: false, patched: false, decision: { kind: PromotionDecisionKind.EXPERIMENT_RUNNING, version: 5 } });
    expect(run.decision.reason).toContain('experiment churn-v8');
    expect(patches).toEqual([]);
    expect(tags).toEqual([]);
    // Without the annotation the same run promotes.
    delete (running.spec.template.metadata.annotations as any)[EXPERIMENT_ANNOTATION];
    expect((await runPromotion({ registeredModelName: 'acme-churn', alias: 'champion', kind: 'Rollout', name: 'acme-churn', namespace: 'acme-churn', rules }, mlflow, kube)).patched).toBe(true);
  });

  test('nothing to write: no patch', () => {
    const idle = { metadata: { resourceVersion: '1' }, spec: { template: { metadata: { annotations: { [MODEL_VERSION_ANNOTATION]: '5' } } } } };
    expect(patchOf('Rollout', idle, decidePromotion(version('5'), servedStateOf('Rollout', idle), rules), new Date())).toBeUndefined();
  });

  test('paths and metrics', () => {
    expect(targetPath({ kind: 'Rollout', name: 'a', namespace: 'n' })).toBe('/apis/argoproj.io/v1alpha1/namespaces/n/rollouts/a');
    expect(targetPath({ kind: 'InferenceService', name: 'a', namespace: 'n' })).toBe('/apis/serving.kserve.io/v1beta1/namespaces/n/inferenceservices/a');
    const text = renderPromotionMetrics('acme-churn', { failed: true, servedVersion: 3 }, new Date(1000));
    expect(text).toContain('cdk_mlops_promotion_failed{endpoint="acme-churn"} 1');
    expect(text).toContain('cdk_mlops_promotion_served_version{endpoint="acme-churn"} 3');
  });
});

describe('configFromEnv', () => {
  const env = { TARGET_KIND: 'Rollout', TARGET_NAME: 'a', TARGET_NAMESPACE: 'n', REGISTERED_MODEL_NAME: 'm' };
  test('defaults: champion, every lineage key, no older versions', () => {
    expect(configFromEnv(env)).toMatchObject({ alias: 'champion', rules: { requiredLineageKeys: Lineage.metadataKeys(), allowOlder: false } });
  });
  test('rejects an unknown kind and a malformed ALLOW_OLDER', () => {
    expect(() => configFromEnv({ ...env, TARGET_KIND: 'Deployment' })).toThrow(/Rollout or InferenceService/);
    expect(() => configFromEnv({ ...env, ALLOW_OLDER: 'yes' })).toThrow(/true or false/);
  });
});
