import * as fs from 'fs';
import * as http from 'http';
import type { AddressInfo } from 'net';
import * as os from 'os';
import * as path from 'path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExperimentGuardrailKind, ExperimentMetricKind, ExperimentSpec } from '../../lib/core/experiment/spec';
import { EXIT, analyze, configFromEnv, main } from '../../lib/runtime/experiment/cli';
import { PrometheusClient } from '../../lib/runtime/experiment/prometheus';

/** What the fake Prometheus holds: the experiment's start, both arms' counters, guardrail values. */
interface World {
  startedDaysAgo?: number;
  units: [number, number];
  sums: [number, number];
  guardrails: Record<string, number>;
  hang?: boolean;
}

const ERRORS_QUERY = '100 * errors of the canary';
const SPEC: ExperimentSpec = {
  name: 'churn-v8',
  primaryMetric: { name: 'checkout_conversion', kind: ExperimentMetricKind.PROPORTION, baseline: 0.05, minimumDetectableEffect: 0.01 },
  expectedDailyUnits: 2000,
  guardrails: [{ name: 'errors', kind: ExperimentGuardrailKind.ERROR_RATE, threshold: 0.01 }],
};

let world: World;
const queries: string[] = [];
let server: http.Server;
let url: string;
const NOW = new Date('2026-03-02T12:00:00Z');

/** Prometheus' POST /api/v1/query, answering by the query's shape as Prometheus would for the world. */
function answer(query: string): unknown {
  const vector = (samples: Array<[Record<string, string>, number]>) => ({
    resultType: 'vector',
    result: samples.map(([metric, v]) => ({ metric, value: [NOW.getTime() / 1000, String(v)] })),
  });
  if (query.startsWith('min_over_time(timestamp(sum(checkout_conversion_units_total{experiment="churn-v8",variant="challenger"}))')) {
    return vector(world.startedDaysAgo === undefined ? [] : [[{}, NOW.getTime() / 1000 - world.startedDaysAgo * 86400]]);
  }
  const arms = /^sum by \(variant\) \(increase\(checkout_conversion_(units|sum)_total\{experiment="churn-v8"\}\[(\d+)s\]\)\)$/.exec(query);
  if (arms) {
    const [control, challenger] = arms[1] === 'units' ? world.units : world.sums;
    return vector([[{ variant: 'control' }, control], [{ variant: 'challenger' }, challenger]]);
  }
  if (query in world.guardrails) {
    return vector([[{}, world.guardrails[query]]]);
  }
  throw new Error(`unexpected query ${query}`);
}

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      if (world.hang) {
        // Answers long after the client's timeout (then closes, so the next test gets a fresh connection).
        setTimeout(() => res.destroy(), 1000);
        return;
      }
      const params = new URLSearchParams(body);
      const query = params.get('query') ?? '';
      queries.push(query);
      try {
        if (req.method !== 'POST' || req.url !== '/api/v1/query' || Number(params.get('time')) !== NOW.getTime() / 1000) {
          throw new Error(`unexpected request ${req.method} ${req.url} time=${params.get('time')}`);
        }
        const data = answer(query);
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'success', data }));
      } catch (e) {
        res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'error', errorType: 'bad_data', error: (e as Error).message }));
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  server.closeAllConnections();
  server.close();
});

function env(more: Record<string, string> = {}): Record<string, string> {
  return {
    EXPERIMENT_SPEC: JSON.stringify(SPEC),
    PROMETHEUS_URL: url,
    GUARDRAILS: JSON.stringify([{ name: 'errors', query: ERRORS_QUERY, threshold: 1, below: false }]),
    ANALYSIS_INTERVAL_SECONDS: '86400',
    TERMINATION_LOG: path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'experiment-')), 'termination-log'),
    ...more,
  };
}

async function run(w: World, once = true, e = env()) {
  world = w;
  queries.length = 0;
  const lines: string[] = [];
  const config = configFromEnv(e);
  const code = await analyze(config, { once, now: () => NOW, sleep: async () => undefined, log: (l) => lines.push(l) });
  const termination = fs.existsSync(config.terminationLog) ? fs.readFileSync(config.terminationLog, 'utf8') : undefined;
  return { code, records: lines.map((l) => JSON.parse(l)), termination };
}

describe('experiment.js analyze (against a fake Prometheus over HTTP)', () => {
  it('a guardrail breach stops it: STOP_GUARDRAIL, exit 1 (the step analysis fails, the Rollout aborts)', async () => {
    const r = await run({ startedDaysAgo: 2, units: [4000, 4000], sums: [200, 210], guardrails: { [ERRORS_QUERY]: 4.2 } });
    expect(r.code).toBe(EXIT.CONTROL_STAYS);
    expect(r.records).toHaveLength(1);
    expect(r.records[0]).toMatchObject({ experiment: 'churn-v8', decision: 'STOP_GUARDRAIL', breachedGuardrails: ['errors'], daysElapsed: 2 });
    expect(JSON.parse(r.termination!)).toMatchObject({ decision: 'STOP_GUARDRAIL' });
  });

  it('a clear winner decides: CHALLENGER_WINS, exit 0 (the Rollout promotes), the arms read over the experiment\'s range', async () => {
    const r = await run({ startedDaysAgo: 14, units: [14000, 14000], sums: [700, 1000], guardrails: { [ERRORS_QUERY]: 0.2 } });
    expect(r.records[0]).toMatchObject({ decision: 'CHALLENGER_WINS', control: { units: 14000, sum: 700 }, challenger: { units: 14000, sum: 1000 }, breachedGuardrails: [] });
    expect(r.records[0].pValue).toBeLessThan(0.05);
    expect(r.code).toBe(EXIT.CHALLENGER_WINS);
    expect(queries).toContain('sum by (variant) (increase(checkout_conversion_units_total{experiment="churn-v8"}[1209600s]))');
  });

  it('no difference yet: CONTINUE (exit 3 with --once; without it the next analysis follows)', async () => {
    const once = await run({ startedDaysAgo: 2, units: [2000, 2000], sums: [100, 102], guardrails: { [ERRORS_QUERY]: 0.2 } });
    expect(once.records[0]).toMatchObject({ decision: 'CONTINUE' });
    expect(once.code).toBe(EXIT.CONTINUE);
    expect(once.termination).toBeUndefined();
  });

  it('without --once it analyses every interval until decided, passing the last p-value on', async () => {
    world = { startedDaysAgo: 2, units: [2000, 2000], sums: [100, 102], guardrails: { [ERRORS_QUERY]: 0.2 } };
    const lines: string[] = [];
    const slept: number[] = [];
    const config = configFromEnv(env());
    const code = await analyze(config, {
      once: false,
      now: () => NOW,
      // A day later the challenger is clearly better.
      sleep: async (s) => {
        slept.push(s);
        world = { startedDaysAgo: 14, units: [14000, 14000], sums: [700, 1000], guardrails: { [ERRORS_QUERY]: 0.2 } };
      },
      log: (l) => lines.push(l),
    });
    expect(lines.map((l) => JSON.parse(l).decision)).toEqual(['CONTINUE', 'CHALLENGER_WINS']);
    expect(slept).toEqual([86400]);
    expect(code).toBe(EXIT.CHALLENGER_WINS);
  });

  it('before the first unit: CONTINUE with empty arms', async () => {
    const r = await run({ units: [0, 0], sums: [0, 0], guardrails: { [ERRORS_QUERY]: 0 } });
    expect(r.records[0]).toMatchObject({ decision: 'CONTINUE', daysElapsed: 0, control: { units: 0 }, challenger: { units: 0 } });
  });

  it('a Prometheus error names the query\'s problem', async () => {
    world = { units: [0, 0], sums: [0, 0], guardrails: {} };
    await expect(new PrometheusClient(url).query('unknown_metric', NOW)).rejects.toThrow(/bad_data: unexpected query unknown_metric/);
  });

  it('a Prometheus that does not answer times out: exit 2 with --once (the control stays)', async () => {
    const r = await run({ units: [0, 0], sums: [0, 0], guardrails: {}, hang: true }, true, env({ PROMETHEUS_TIMEOUT_SECONDS: '0.3' }));
    expect(r.code).toBe(EXIT.ERROR);
    expect(r.records[0].error).toMatch(/no answer within 0.3 s/);
  });

  it('rejects a missing configuration with exit 2', async () => {
    expect(await main(['analyze', '--once'], { PROMETHEUS_URL: url })).toBe(EXIT.ERROR);
    expect(await main(['judge'], env())).toBe(EXIT.ERROR);
  });
});
