import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Duration, Testing } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import {
  inputPartitionUri, logicalDateOf, manifestUri, outputPartitionUri, runOutputUri,
} from '../../lib/core/batch/layout';
import { GpuModel } from '../../lib/core/gpu-catalog';
import { Lineage } from '../../lib/core/lineage';
import { MlflowModelVersion } from '../../lib/core/mlflow-promotion';
import { timeZoneProblem } from '../../lib/core/time-zone';
import { warningsOf } from '../../lib/core/warnings';
import { BatchScoring, BatchScoringProps } from '../../lib/k8s/batch-scoring';
import { GpuNodePool } from '../../lib/k8s/gpu-node-pool';
import { GpuSharing } from '../../lib/k8s/gpu-sharing';
import { ENTRYPOINT_LOOKUP_WARNING } from '../../lib/k8s/private/argo-entrypoint';
import { LOGICAL_DATE_EXPRESSION, NO_SCHEDULED_TIME } from '../../lib/k8s/private/batch-workflow';
import { main as cliMain, run as runCli } from '../../lib/runtime/batch/cli';
import { MemoryObjectStore, readPartition } from '../../lib/runtime/batch/partition';
import { expectValidationError } from '../support/aws';
import { one, synthValid } from '../support/k8s';

const img = (repo: string, c: string) => `registry.example.com/fraud/${repo}@sha256:${c.repeat(64)}`;
const OWNER = { owner: 'fraud-ml-oncall', runbookUrl: 'https://runbooks.example.com/fraud/batch' };
const BASE: BatchScoringProps = {
  name: 'fraud-daily',
  inputUri: 's3://acme-data/events/',
  outputUri: 's3://acme-scores/fraud/',
  image: img('scorer', 'a'),
  command: ['python', '-m', 'score'],
  modelVersion: '7',
  modelSource: 'models:/fraud/7',
  runtimeImage: img('runtime', 'b'),
  alarmOwnership: OWNER,
};

function render(props: Partial<BatchScoringProps> = {}, pool?: { gpu?: GpuModel; sharing?: GpuSharing }) {
  const chart = Testing.chart();
  const gpuNodePool = pool ? new GpuNodePool(chart, 'Pool', { gpu: pool.gpu ?? GpuModel.A10G, clusterName: 'ml', nodeRole: 'NodeRole', sharing: pool.sharing }) : undefined;
  const batch = new BatchScoring(chart, 'Batch', { ...BASE, gpuNodePool, ...props });
  const objects = synthValid(chart).filter((o) => o.metadata?.namespace === batch.namespace || o.kind === 'Namespace');
  const templates = objects.filter((o) => o.kind === 'WorkflowTemplate');
  const wft = templates.find((o) => o.metadata.name === batch.name);
  const backfill = templates.find((o) => o.metadata.name === `${batch.name}-backfill`);
  const template = (name: string, of = wft) => of.spec.templates.find((t: any) => t.name === name);
  const env = (name: string) => Object.fromEntries(template(name).container.env.map((e: any) => [e.name, e.value]));
  const config = one(objects, 'ConfigMap').data['config.json'] as string;
  return { batch, objects, wft, backfill, cron: one(objects, 'CronWorkflow'), rule: one(objects, 'PrometheusRule'), template, env, config };
}

/** What Argo substitutes into a step of a run for `date` in the workflow with `uid`. */
function substitute(value: string, date: string, uid: string, extra: Record<string, string> = {}): string {
  let out = value.replaceAll('{{inputs.parameters.logical-date}}', date).replaceAll('{{workflow.uid}}', uid);
  for (const [k, v] of Object.entries(extra)) out = out.replaceAll(`{{${k}}}`, v);
  expect(out, `unresolved placeholder in ${value}`).not.toMatch(/\{\{/);
  return out;
}

describe('BatchScoring (Kubernetes, Argo Workflows)', () => {
  describe('default', () => {
    const { batch, objects, wft, cron, template } = render();

    it('renders the run and backfill WorkflowTemplates, the CronWorkflow, config, identity and alerts, all schema-valid', () => {
      expect(objects.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual([
        'ConfigMap/fraud-daily-config', 'CronWorkflow/fraud-daily', 'Namespace/batch-scoring', 'PrometheusRule/fraud-daily',
        'Role/fraud-daily-executor', 'RoleBinding/fraud-daily-executor', 'Secret/fraud-daily.service-account-token',
        'ServiceAccount/fraud-daily', 'WorkflowTemplate/fraud-daily', 'WorkflowTemplate/fraud-daily-backfill',
      ]);
      expect(batch.node.defaultChild).toBe(batch.workflowTemplate);
      expect(one(objects, 'Namespace').metadata.labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
    });

    it('runs validate-input → score → commit for the logical-date parameter, each step given the date', () => {
      expect(wft.spec.entrypoint).toBe('run');
      expect(wft.spec.arguments.parameters).toEqual([expect.objectContaining({ name: 'logical-date' })]);
      expect(wft.spec.arguments.parameters[0].value).toBeUndefined();
      const steps = template('run').steps;
      expect(steps.map((group: any[]) => group.map((s) => s.template))).toEqual([['validate-input'], ['score'], ['commit']]);
      for (const group of steps) {
        expect(group[0].arguments.parameters[0]).toEqual({ name: 'logical-date', value: '{{inputs.parameters.logical-date}}' });
      }
      // A scheduled run ends before the next is due: 6 h scoring + 1 h validate + 1 h commit.
      expect(wft.spec.activeDeadlineSeconds).toBe(8 * 3600);
      expect(template('score').activeDeadlineSeconds).toBe(6 * 3600);
    });

    it('is scheduled daily at 03:00 UTC, with logical-date the day before the scheduled time, never two at once', () => {
      expect(cron.spec.schedules).toEqual(['0 3 * * *']);
      expect(cron.spec.timezone).toBe('UTC');
      expect(timeZoneProblem(cron.spec.timezone)).toBeUndefined();
      expect(cron.spec.concurrencyPolicy).toBe('Forbid');
      expect(cron.spec.startingDeadlineSeconds).toBe(12 * 3600);
      expect([cron.spec.successfulJobsHistoryLimit, cron.spec.failedJobsHistoryLimit]).toEqual([3, 7]);
      expect(cron.spec.workflowSpec.workflowTemplateRef).toEqual({ name: 'fraud-daily' });
      expect(cron.spec.workflowSpec.arguments.parameters).toEqual([{ name: 'logical-date', value: LOGICAL_DATE_EXPRESSION }]);
      // The expression (evaluated with Argo's own code by scripts/argo-workflows-check) reads the
      // scheduled time, steps back 24 h and formats the UTC date: logicalDateOf.
      expect(LOGICAL_DATE_EXPRESSION).toBe(
        "{{=workflow.scheduledTime == nil ? 'no-scheduled-time' : "
        + "sprig.dateInZone('2006-01-02', sprig.dateModify('-24h', sprig.toDate('2006-01-02T15:04:05Z07:00', workflow.scheduledTime)), 'UTC')}}",
      );
      expect(logicalDateOf('2026-11-27T03:00:00Z')).toBe('2026-11-26');
    });

    it('has the fixture scripts/argo-workflows-check evaluates the expression against agree with logicalDateOf', () => {
      const cases = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'batch', 'logical-dates.json'), 'utf8'));
      expect(cases.length).toBeGreaterThanOrEqual(9);
      for (const c of cases) {
        expect(logicalDateOf(c.scheduledTime), `${c.scheduledTime} (${c.why})`).toBe(c.logicalDate);
      }
    });

    it('restricts every pod and container, with limits, and gives the steps no API token', () => {
      const all = objects.filter((o) => o.kind === 'WorkflowTemplate');
      for (const t of all) {
        expect(t.spec.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
        expect(t.spec.automountServiceAccountToken).toBe(false);
        expect(t.spec.serviceAccountName).toBe('fraud-daily');
        expect(JSON.parse(t.spec.podSpecPatch).containers[0]).toMatchObject({ name: 'wait', securityContext: { allowPrivilegeEscalation: false } });
        for (const tpl of t.spec.templates.filter((x: any) => x.container)) {
          expect(tpl.container.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
          expect(Object.keys(tpl.container.resources.limits).sort()).toEqual(['cpu', 'ephemeral-storage', 'memory']);
          expect(tpl.activeDeadlineSeconds).toBeGreaterThan(0);
        }
      }
      expect(one(objects, 'ServiceAccount').automountServiceAccountToken).toBe(false);
    });
  });

  describe('the idempotent output layout', () => {
    const { template, env } = render();
    const spec = { inputUri: BASE.inputUri, outputUri: BASE.outputUri };
    const DATE = '2026-11-26';
    const UID = '5f0c1c1e-7d6a-4f6b-9f3e-0c1d2e3f4a5b';

    it('gives the scoring step the input partition and its run\'s own prefix as the only place to write', () => {
      const e = env('score');
      expect(substitute(e.INPUT_URI, DATE, UID)).toBe(inputPartitionUri(spec, DATE));
      expect(substitute(e.OUTPUT_URI, DATE, UID)).toBe(runOutputUri(spec, DATE, UID));
      // Under the partition, beside (never at) its manifest; no other URI of the output bucket.
      expect(substitute(e.OUTPUT_URI, DATE, UID).startsWith(outputPartitionUri(spec, DATE))).toBe(true);
      const outputs = Object.values(e).filter((v) => String(v).startsWith(BASE.outputUri));
      expect(outputs).toEqual([e.OUTPUT_URI]);
      expect([e.LOGICAL_DATE, e.RUN_ID, e.MODEL_VERSION, e.MODEL_SOURCE, e.CONTENT_TYPE]).toEqual(
        ['{{inputs.parameters.logical-date}}', '{{workflow.uid}}', '7', 'models:/fraud/7', 'text/csv'],
      );
      expect(template('commit').container.args).toContain('{{workflow.uid}}');
    });

    it('runs the steps as rendered: validate, score into the run prefix, commit the manifest; a re-run replaces the partition', async () => {
      // GIVEN the rendered config file and an input partition of 3 records
      const { config } = render();
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'batch-k8s-'));
      const configFile = path.join(dir, 'config.json');
      fs.writeFileSync(configFile, config);
      const store = new MemoryObjectStore();
      await store.put(`${inputPartitionUri(spec, DATE)}part-0.csv`, 'a,1\nb,2\nc,3\n', 'text/csv');
      const clock = () => new Date('2026-11-27T03:20:00Z');

      /** One run of the WorkflowTemplate, each step's args as rendered, substituted as Argo does. */
      const runOnce = async (uid: string) => {
        const outputs = path.join(dir, uid);
        const args = (step: string, extra: Record<string, string> = {}) => template(step).container.args
          .map((a: string) => substitute(a, DATE, uid, extra))
          .map((a: string) => (a === '/etc/batch-scoring/config.json' ? configFile : a === '/tmp/outputs' ? outputs : a));
        const [cmd, ...rest] = args('validate-input');
        await runCli(cmd, rest, store);
        // The scoring container writes one line per record under OUTPUT_URI, as its contract says.
        const out = substitute(env('score').OUTPUT_URI, DATE, uid);
        await store.put(`${out}part-0.csv.out`, `0.1-${uid}\n0.2\n0.3\n`, 'text/csv');
        const facts = {
          'inputs.parameters.input-records': fs.readFileSync(path.join(outputs, 'input-records'), 'utf8'),
          'inputs.parameters.data-version': fs.readFileSync(path.join(outputs, 'data-version'), 'utf8'),
        };
        const [commit, ...commitArgs] = args('commit', facts);
        return JSON.parse(await runCli(commit, commitArgs, store, clock));
      };

      // WHEN one run commits
      const first = await runOnce('run-a');
      // THEN the manifest of the date lists exactly the run's files, with the lineage beside them
      expect(first.manifestUri).toBe(manifestUri(spec, DATE));
      const m1 = (await readPartition(store, spec, DATE))!;
      expect(m1.files).toEqual([`${runOutputUri(spec, DATE, 'run-a')}part-0.csv.out`]);
      expect(m1).toMatchObject({ logicalDate: DATE, runId: 'run-a', modelVersion: '7', modelSource: 'models:/fraud/7', inputRecords: 3, outputRecords: 3 });
      expect(await store.getText(`${runOutputUri(spec, DATE, 'run-a')}_LINEAGE.json`)).toContain('"dataVersion"');

      // WHEN the date is scored again, twice
      await runOnce('run-b');
      await runOnce('run-c');
      // THEN the manifest names the last run only; the one it replaced stays, older ones are gone
      const m3 = (await readPartition(store, spec, DATE))!;
      expect(m3.runId).toBe('run-c');
      expect(m3.files.every((f) => f.startsWith(runOutputUri(spec, DATE, 'run-c')))).toBe(true);
      const runs = new Set((await store.list(outputPartitionUri(spec, DATE))).map((o) => /run=([^/]+)\//.exec(o.uri)?.[1]).filter(Boolean));
      expect([...runs].sort()).toEqual(['run-b', 'run-c']);
    });

    it.each([LOGICAL_DATE_EXPRESSION, NO_SCHEDULED_TIME])('refuses to validate a run without a logical date (%s): exit 1, nothing scored', async (date) => {
      const { config } = render();
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'batch-k8s-'));
      fs.writeFileSync(path.join(dir, 'config.json'), config);
      const store = new MemoryObjectStore();
      await expect(runCli('validate-input', ['--config', path.join(dir, 'config.json'), '--date', date, '--run-id', 'r1'], store))
        .rejects.toThrow(/must be a calendar date/);
      expect(await cliMain(['validate-input', '--config', path.join(dir, 'config.json'), '--date', date, '--run-id', 'r1'], store)).toBe(1);
      expect(store.objects.size).toBe(0);
    });
  });

  describe('the champion alias (championAlias)', () => {
    const noModel: Partial<BatchScoringProps> = { modelVersion: undefined, modelSource: undefined };
    const CHAMPION = { trackingUri: 'http://mlflow.acme-mlflow.svc.cluster.local:5000', registeredModelName: 'acme-fraud' };
    const props: Partial<BatchScoringProps> = { ...noModel, championAlias: CHAMPION };
    const DATE = '2026-11-26';
    const spec = { inputUri: BASE.inputUri, outputUri: BASE.outputUri };

    it('renders the alias into the config with its defaults, and no fixed model', () => {
      const { config } = render(props);
      const c = JSON.parse(config);
      expect(c.champion).toEqual({ ...CHAMPION, alias: 'champion', requiredLineageKeys: Lineage.metadataKeys() });
      expect(c.modelVersion).toBeUndefined();
      expect(c.modelSource).toBeUndefined();
      expect(JSON.parse(render(BASE).config).champion).toBeUndefined();
    });

    it('renders the fixed model as the fallback beside the alias (scored while no version carries it)', () => {
      const c = JSON.parse(render({ ...props, modelVersion: '7', modelSource: 's3://acme-models/fraud/7/' }).config);
      expect(c.champion.fallback).toEqual({ modelVersion: '7', modelSource: 's3://acme-models/fraud/7/' });
      expect(c.modelVersion).toBeUndefined();
    });

    it('has validate-input output the model it resolved, and the score and commit steps take it', () => {
      const { wft, template, env } = render(props);
      expect(template('validate-input').outputs.parameters).toEqual(['input-records', 'data-version', 'model-version', 'model-source']
        .map((f) => ({ name: f, valueFrom: { path: `/tmp/outputs/${f}` } })));
      const steps = template('run').steps.flat();
      const argsOf = (name: string) => Object.fromEntries(
        steps.find((s: any) => s.name === name).arguments.parameters.map((p: any) => [p.name, p.value]),
      );
      expect(argsOf('score')).toEqual({
        'logical-date': '{{inputs.parameters.logical-date}}',
        'model-version': '{{steps.validate-input.outputs.parameters.model-version}}',
        'model-source': '{{steps.validate-input.outputs.parameters.model-source}}',
      });
      expect(argsOf('commit')).toMatchObject({
        'model-version': '{{steps.validate-input.outputs.parameters.model-version}}',
        'model-source': '{{steps.validate-input.outputs.parameters.model-source}}',
      });
      expect(template('score').inputs.parameters.map((p: any) => p.name)).toEqual(['logical-date', 'model-version', 'model-source']);
      expect([env('score').MODEL_VERSION, env('score').MODEL_SOURCE]).toEqual(['{{inputs.parameters.model-version}}', '{{inputs.parameters.model-source}}']);
      const commitArgs: string[] = template('commit').container.args;
      expect(commitArgs.slice(commitArgs.indexOf('--model-version'))).toEqual(
        ['--model-version', '{{inputs.parameters.model-version}}', '--model-source', '{{inputs.parameters.model-source}}'],
      );
      expect(template('commit').inputs.parameters.map((p: any) => p.name)).toEqual(['logical-date', 'input-records', 'data-version', 'model-version', 'model-source']);
      // The backfill runs each date through the same template: each resolves the alias when it starts.
      expect(wft.spec.templates.filter((t: any) => t.name === 'validate-input')).toHaveLength(1);
    });

    it('keeps the fixed model\'s rendering without it: no model parameters', () => {
      const { template, env } = render();
      expect(template('validate-input').outputs.parameters.map((p: any) => p.name)).toEqual(['input-records', 'data-version']);
      expect(template('commit').container.args).not.toContain('--model-version');
      expect(env('score').MODEL_VERSION).toBe('7');
    });

    it('runs the steps as rendered: the commit records the version the alias named when validate-input ran', async () => {
      // GIVEN the rendered config, 3 input records, and MLflow whose champion is version 12
      const { config, template, env } = render(props);
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'batch-k8s-champion-'));
      const configFile = path.join(dir, 'config.json');
      fs.writeFileSync(configFile, config);
      const store = new MemoryObjectStore();
      await store.put(`${inputPartitionUri(spec, DATE)}part-0.csv`, 'a,1\nb,2\nc,3\n', 'text/csv');
      const tags = Lineage.metadataKeys().map((key) => ({ key, value: 'x' }));
      let champion: MlflowModelVersion | undefined = { version: '12', source: 's3://acme-models/fraud/12/', status: 'READY', tags };
      const asked: string[] = [];
      const mlflow = (uri: string) => ({ versionByAlias: async (name: string, alias: string) => (asked.push(`${uri} ${name} ${alias}`), champion) });
      const outputs = path.join(dir, 'outputs');
      const args = (step: string, extra: Record<string, string> = {}) => template(step).container.args
        .map((a: string) => substitute(a, DATE, 'run-a', extra))
        .map((a: string) => (a === '/etc/batch-scoring/config.json' ? configFile : a === '/tmp/outputs' ? outputs : a));

      // WHEN validate-input runs
      const [cmd, ...rest] = args('validate-input');
      const validated = JSON.parse(await runCli(cmd, rest, store, undefined, mlflow));
      // THEN it asked MLflow for the alias once and wrote the version and its source as output parameters
      expect(asked).toEqual([`${CHAMPION.trackingUri} acme-fraud champion`]);
      expect(validated).toMatchObject({ modelVersion: '12', modelSource: 's3://acme-models/fraud/12/' });
      const facts = Object.fromEntries(['input-records', 'data-version', 'model-version', 'model-source']
        .map((f) => [`inputs.parameters.${f}`, fs.readFileSync(path.join(outputs, f), 'utf8')]));
      expect(substitute(env('score').MODEL_VERSION, DATE, 'run-a', facts)).toBe('12');

      // WHEN the alias moves during the run, then the scores are committed
      champion = { ...champion!, version: '13', source: 's3://acme-models/fraud/13/' };
      await store.put(`${runOutputUri(spec, DATE, 'run-a')}part-0.csv.out`, '0.1\n0.2\n0.3\n', 'text/csv');
      const [commit, ...commitArgs] = args('commit', facts);
      await runCli(commit, commitArgs, store, () => new Date('2026-11-27T03:20:00Z'), mlflow);
      // THEN the manifest names the version the run scored with, and MLflow was not asked again
      expect(await readPartition(store, spec, DATE)).toMatchObject({ modelVersion: '12', modelSource: 's3://acme-models/fraud/12/', inputRecords: 3 });
      expect(asked).toHaveLength(1);

      // WHEN no version carries the alias THEN validate-input fails the run (exit 1) and writes nothing
      champion = undefined;
      fs.rmSync(outputs, { recursive: true });
      await expect(runCli(cmd, rest, store, undefined, mlflow)).rejects.toThrow(/no model version carries the alias "champion" of MLflow registered model "acme-fraud"/);
      expect(fs.existsSync(outputs)).toBe(false);
      // AND a commit without the resolved model is a usage error (exit 2), not a commit with a stale one
      const bare = commitArgs.slice(0, commitArgs.indexOf('--model-version'));
      expect(await cliMain([commit, ...bare], store)).toBe(2);
    });

    it.each<[string, Partial<BatchScoringProps>, RegExp]>([
      ['with half a fallback: a version without its source', { ...props, modelVersion: '7' }, /modelSource.*required with modelVersion and championAlias/],
      ['with half a fallback: a source without its version', { ...props, modelSource: 'models:/fraud/7' }, /modelVersion.*required with modelSource and championAlias/],
      ['an alias MLflow refuses', { ...props, championAlias: { ...CHAMPION, alias: 'latest' } }, /alias/],
      ['a tracking URI that is no http(s) URL', { ...props, championAlias: { ...CHAMPION, trackingUri: 'mlflow:5000' } }, /trackingUri/],
    ])('refuses it %s', (_, p, message) => {
      expect(expectValidationError(() => render(p)).message).toMatch(message);
    });

    it('refuses neither a fixed model nor the alias', () => {
      expect(expectValidationError(() => render(noModel)).message).toMatch(/modelVersion.*required, unless championAlias/);
    });
  });

  describe('backfill', () => {
    it('plans from..to inclusive and runs each date as an ordinary run, maxConcurrency at once, none stopping the others', async () => {
      const { batch, backfill, template, config } = render({ maxConcurrency: 3 });
      expect(backfill.spec.entrypoint).toBe('backfill');
      expect(backfill.spec.arguments.parameters.map((p: any) => [p.name, p.value])).toEqual([['from', undefined], ['to', undefined]]);
      const main = template('backfill', backfill);
      expect(main.parallelism).toBe(3);
      expect(main.failFast).toBe(false);
      const [[plan], [each]] = main.steps;
      expect(plan.template).toBe('plan');
      expect(each).toEqual({
        name: 'score-date',
        templateRef: { name: 'fraud-daily', template: 'run' },
        arguments: { parameters: [{ name: 'logical-date', value: '{{item}}' }] },
        withParam: '{{steps.plan.outputs.parameters.dates}}',
      });
      // The `run` template called by reference carries its own volumes (the workflow's would not come along).
      expect(template('validate-input').volumes.map((v: any) => v.name)).toEqual(['tmp', 'config']);

      // The plan step, as rendered, writes the dates the loop expands.
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'batch-k8s-'));
      fs.writeFileSync(path.join(dir, 'config.json'), config);
      const planTemplate = template('plan', backfill);
      const out = planTemplate.outputs.parameters[0].valueFrom.path as string;
      const args = planTemplate.container.args.map((a: string) => a
        .replace('{{workflow.parameters.from}}', '2026-02-27').replace('{{workflow.parameters.to}}', '2026-03-02')
        .replace('/etc/batch-scoring', dir).replace(out, path.join(dir, 'dates')));
      const printed = JSON.parse(await runCli(args[0], args.slice(1), new MemoryObjectStore()));
      const dates = JSON.parse(fs.readFileSync(path.join(dir, 'dates'), 'utf8'));
      expect(dates).toEqual(['2026-02-27', '2026-02-28', '2026-03-01', '2026-03-02']);
      expect(printed).toMatchObject({ dates, maxConcurrency: 3 });

      expect(batch.backfillCommand('2026-02-27', '2026-03-02')).toBe(
        'argo submit --from workflowtemplate/fraud-daily-backfill -n batch-scoring -p from=2026-02-27 -p to=2026-03-02',
      );
      expect(batch.runCommand('2026-02-27')).toBe('argo submit --from workflowtemplate/fraud-daily -n batch-scoring -p logical-date=2026-02-27');
    });

    it('defaults to 2 dates at once', () => {
      const { backfill, template } = render();
      expect(template('backfill', backfill).parallelism).toBe(2);
    });

    it.each([
      ['2026-03-02', '2026-02-27', /must not be before/],
      ['2026-02-30', '2026-03-02', /calendar date/],
      ['2025-01-01', '2026-03-02', /at most 366/],
    ])('refuses the backfill %s..%s', (from, to, message) => {
      const { batch } = render();
      expect(() => batch.backfillCommand(from, to)).toThrow(message);
    });
  });

  describe('GPU placement', () => {
    it('puts the scoring step, and only it, on the GPU pool: node selector, toleration, GPUs requested = limited', () => {
      const { template } = render({ gpuCount: 2 }, { gpu: GpuModel.A10G });
      const score = template('score');
      expect(score.nodeSelector).toEqual({ 'cdk-mlops.io/gpu-pool': expect.any(String) });
      expect(score.tolerations).toEqual([{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }]);
      expect(score.container.resources.requests['nvidia.com/gpu']).toBe('2');
      expect(score.container.resources.limits['nvidia.com/gpu']).toBe('2');
      for (const helper of ['validate-input', 'commit']) {
        expect(template(helper).nodeSelector).toBeUndefined();
        expect(template(helper).tolerations).toBeUndefined();
        expect(template(helper).container.resources.limits['nvidia.com/gpu']).toBeUndefined();
      }
    });

    it('asks a MIG pool for its slice resource', () => {
      const { template } = render({}, { gpu: GpuModel.A100_80GB, sharing: GpuSharing.mig('1g.10gb') });
      expect(template('score').container.resources.limits['nvidia.com/mig-1g.10gb']).toBe('1');
    });

    it('runs anywhere without a pool', () => {
      const { template } = render();
      expect(template('score').nodeSelector).toBeUndefined();
      expect(template('score').tolerations).toBeUndefined();
    });
  });

  describe('can configure', () => {
    it('the hour, namespace, role, deadline, resources, environment and the rule labels', () => {
      const { cron, wft, template, env, objects, rule } = render({
        hourUtc: 5,
        namespace: 'scoring',
        serviceAccountRoleArn: 'arn:aws:iam::123456789012:role/fraud-batch',
        maxRuntime: Duration.hours(2),
        resources: { cpuRequest: '2', cpuLimit: '4', memoryRequest: '8Gi', memoryLimit: '16Gi' },
        environment: { BATCH_SIZE: '512' },
        contentType: 'application/jsonlines',
        prometheusRuleLabels: { release: 'prometheus' },
      });
      expect(cron.spec.schedules).toEqual(['0 5 * * *']);
      expect(cron.metadata.namespace).toBe('scoring');
      expect(one(objects, 'ServiceAccount').metadata.annotations).toEqual({ 'eks.amazonaws.com/role-arn': 'arn:aws:iam::123456789012:role/fraud-batch' });
      expect(template('score').activeDeadlineSeconds).toBe(7200);
      expect(wft.spec.activeDeadlineSeconds).toBe(7200 + 7200);
      expect(template('score').container.resources.limits).toMatchObject({ cpu: '4', memory: '16Gi' });
      expect(env('score')).toMatchObject({ BATCH_SIZE: '512', CONTENT_TYPE: 'application/jsonlines' });
      expect(rule.metadata.labels.release).toBe('prometheus');
    });
  });

  describe('SSE-KMS of the lineage and the manifest', () => {
    const KEY = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    const cliSteps = (t: (name: string, of?: any) => any, backfill: any) =>
      [t('validate-input'), t('commit'), t('plan', backfill)].map((tpl) => Object.fromEntries(tpl.container.env.map((e: any) => [e.name, e.value])));

    it('is the bucket default encryption unless a key is given: no KMS_KEY_ID on any step', () => {
      const { template, backfill, env } = render();
      for (const e of cliSteps(template, backfill)) expect(e).not.toHaveProperty('KMS_KEY_ID');
      expect(env('score')).not.toHaveProperty('KMS_KEY_ID');
    });

    it('gives the runtime steps (validate-input, commit, plan) the key as KMS_KEY_ID, not the scoring container', () => {
      const { template, backfill, env } = render({ kmsKeyId: KEY });
      for (const e of cliSteps(template, backfill)) expect(e).toMatchObject({ HOME: '/tmp', KMS_KEY_ID: KEY });
      expect(env('score')).not.toHaveProperty('KMS_KEY_ID');
    });

    it.each(['1234abcd-12ab-34cd-56ef-1234567890ab', 'mrk-1234abcd12ab34cd56ef1234567890ab', 'alias/fraud-scores',
      'arn:aws:kms:eu-west-1:123456789012:alias/fraud-scores', 'arn:aws-cn:kms:cn-north-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab'])('takes %s', (kmsKeyId) => {
      expect(render({ kmsKeyId }).env('commit').KMS_KEY_ID).toBe(kmsKeyId);
    });
  });

  describe('the scoring command', () => {
    it('warns when the controller would have to look the entrypoint up in the registry, and only then', () => {
      const warned = (props: Partial<BatchScoringProps>) => warningsOf(render(props).batch).some((w) => w.id === ENTRYPOINT_LOOKUP_WARNING);
      expect(warned({ command: undefined })).toBe(true);
      expect(warned({})).toBe(false);
      expect(render({ command: undefined }).template('score').container.command).toBeUndefined();
    });
  });

  describe('the failed-run alert', () => {
    it('is owned, has a runbook, and watches both the runs and the backfills of this job in its namespace', () => {
      const { rule } = render();
      const [alert] = rule.spec.groups[0].rules;
      expect(alert.alert).toBe('BatchScoringRunFailed');
      expect(alert.labels).toMatchObject({ owner: 'fraud-ml-oncall', severity: 'critical', batch: 'fraud-daily' });
      expect(alert.annotations).toMatchObject({ runbook_url: OWNER.runbookUrl, owner: 'fraud-ml-oncall' });
      expect(alert.expr).toContain('argo_workflows_workflowtemplate_triggered_total{namespace="batch-scoring",name=~"fraud-daily|fraud-daily-backfill",phase=~"Failed|Error"}');
      expect(alert.expr).toContain('exported_namespace="batch-scoring"');
      expect(alert.expr).toMatch(/^sum by \(name\) \(increase\(.*\[6h\]\) or increase\(.*\[6h\]\)\) > 0 or sum by \(name\) \(.* unless .* offset 6h\)\)$/);
    });
  });

  describe('throws if', () => {
    it.each<[string, Partial<BatchScoringProps>, RegExp]>([
      ['the scoring image is not pinned', { image: 'registry.example.com/fraud/scorer:latest' }, /image/],
      ['the runtime image is not pinned', { runtimeImage: 'registry.example.com/runtime:1.0' }, /runtimeImage/],
      ['the output lies under the input', { outputUri: 's3://acme-data/events/scores/' }, /outputUri.*must not overlap/],
      ['the hour is not 0–23', { hourUtc: 24 }, /hourUtc/],
      ['maxConcurrency is above 10', { maxConcurrency: 11 }, /maxConcurrency/],
      ['gpuCount without a pool', { gpuCount: 1 }, /gpuCount.*gpuNodePool/],
      ['the deadline is above 20 hours', { maxRuntime: Duration.hours(21) }, /maxRuntime.*20 hours/],
      ['the environment sets what the construct sets', { environment: { OUTPUT_URI: 's3://elsewhere/' } }, /environment.*OUTPUT_URI/],
      ['the command is empty', { command: [] }, /command/],
      ['the name is not a label', { name: 'Fraud_Daily' }, /name/],
      ['the KMS key is no key id, key ARN or alias', { kmsKeyId: 'arn:aws:s3:::acme-scores' }, /kmsKeyId/],
      ['the KMS key is blank', { kmsKeyId: ' ' }, /kmsKeyId/],
    ])('%s', (_, props, message) => {
      expect(expectValidationError(() => render(props)).message).toMatch(message);
    });

    it('two GPUs are asked of a time-sliced pool', () => {
      expect(expectValidationError(() => render({ gpuCount: 2 }, { sharing: GpuSharing.timeSlicing(4) })).message).toMatch(/gpuCount.*time-sliced/);
    });
  });
});
