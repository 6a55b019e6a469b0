import * as fs from 'fs';
import * as path from 'path';
import { describe, expect, it } from 'vitest';
import * as YAML from 'yaml';
import {
  CostCategory,
  CostEstimates,
  CostTarget,
  CostUsage,
  NO_PRICE,
  PRICE_TABLE,
  PriceTable,
  budgetProblems,
  estimateModelCostAws,
  estimateModelCostKubernetes,
  estimatePlatformCost,
  findPrice,
} from '../../lib/core/cost';
import { NODE_ALLOCATABLE } from '../../lib/core/cost/node-allocatable';
import { GpuCatalog, GpuModel } from '../../lib/core/gpu-catalog';
import { PlatformModelSpec, PlatformSpec } from '../../lib/core/platform-spec';

const SPEC: PlatformSpec = YAML.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'examples', 'platform.yaml'), 'utf-8'));
const CHURN = SPEC.models[0];

describe('the price table', () => {
  it('is data with a date and a source for every row', () => {
    expect(PRICE_TABLE.readOn).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    const ids = PRICE_TABLE.sources.map((s) => s.id);
    for (const row of PRICE_TABLE.rows) {
      expect(ids, `${row.region} ${row.item}`).toContain(row.source);
      expect(row.usdPerUnit).toBeGreaterThan(0);
    }
    for (const usage of Object.values(CostUsage)) {
      expect(PRICE_TABLE.pricePages[usage]).toMatch(/^https:\/\/aws\.amazon\.com\//);
    }
  });

  it('knows the allocatable CPU and memory of the catalog\'s types Karpenter documents (all but p3)', () => {
    const types = GpuCatalog.models().flatMap((m) => GpuCatalog.instanceTypes(m).map((i) => i.instanceType));
    expect(types.filter((t) => !(t in NODE_ALLOCATABLE))).toEqual(['p3.2xlarge', 'p3.8xlarge', 'p3.16xlarge']);
    expect(Object.keys(NODE_ALLOCATABLE).every((t) => types.includes(t))).toBe(true);
    expect(NODE_ALLOCATABLE['g5.xlarge']).toEqual({ cpuMillis: 3920, memoryMiB: 14162 });
  });

  it('has one price per usage, Region and item', () => {
    const keys = PRICE_TABLE.rows.map((r) => `${r.usage} ${r.region} ${r.item}`);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it.each(PRICE_TABLE.rows.filter((r) => r.usage !== CostUsage.S3_STANDARD_STORAGE).map((r) => [r.usage, r.region, r.item]))(
    '%s %s %s is an instance type of the GPU catalog or the pipelines\' default',
    (usage, _region, item) => {
      const sagemaker = usage !== CostUsage.EC2_ON_DEMAND;
      expect(item.startsWith('ml.')).toBe(sagemaker);
      expect(GpuCatalog.forInstanceType(item) !== undefined || item === 'ml.m5.xlarge').toBe(true);
    });

  it.each([
    // The cross-checks of the table's comment, figure by figure.
    [CostUsage.SAGEMAKER_HOSTING, 'us-east-1', 'ml.g5.xlarge', 1.408],
    [CostUsage.SAGEMAKER_HOSTING, 'us-east-1', 'ml.g4dn.xlarge', 0.7364],
    [CostUsage.EC2_ON_DEMAND, 'us-east-1', 'g5.xlarge', 1.006],
    // Karpenter's table, after the 2025 cut (FMBench's older copy says 32.7726)
    [CostUsage.EC2_ON_DEMAND, 'us-east-1', 'p4d.24xlarge', 21.957642],
    [CostUsage.SAGEMAKER_TRAINING, 'eu-west-1', 'ml.g5.xlarge', 1.57],
    [CostUsage.SAGEMAKER_HOSTING, 'eu-west-1', 'ml.g4dn.xlarge', 0.821],
    [CostUsage.S3_STANDARD_STORAGE, 'us-east-1', 'standard', 0.023],
    // EU (Ireland) EC2 from the instances.vantage.sh copy of 2026-01-21 (tsaol/aws-gpu, data/g5_instances.js, …)
    [CostUsage.EC2_ON_DEMAND, 'eu-west-1', 'g5.xlarge', 1.123],
    [CostUsage.EC2_ON_DEMAND, 'eu-west-1', 'g5.2xlarge', 1.35296],
    [CostUsage.EC2_ON_DEMAND, 'eu-west-1', 'g4dn.xlarge', 0.587],
    [CostUsage.EC2_ON_DEMAND, 'eu-west-1', 'p4d.24xlarge', 23.71569],
  ])('prices %s in %s of %s at $%s', (usage, region, item, price) => {
    expect(findPrice(PRICE_TABLE, usage, region, item)?.usdPerUnit).toBe(price);
  });

  it('has no price it was not given: an unknown Region or type finds nothing', () => {
    expect(findPrice(PRICE_TABLE, CostUsage.SAGEMAKER_HOSTING, 'eu-west-1', 'ml.g5.xlarge')).toBeUndefined();
    expect(findPrice(PRICE_TABLE, CostUsage.SAGEMAKER_HOSTING, 'ap-south-2', 'ml.g5.xlarge')).toBeUndefined();
    expect(findPrice(PRICE_TABLE, CostUsage.EC2_ON_DEMAND, 'us-east-1', 'p5e.48xlarge')).toBeUndefined();
    // the eu-west-1 copy has no g6, and no S3 figure for eu-west-1 was found that could be cited
    expect(findPrice(PRICE_TABLE, CostUsage.EC2_ON_DEMAND, 'eu-west-1', 'g6.xlarge')).toBeUndefined();
    expect(findPrice(PRICE_TABLE, CostUsage.S3_STANDARD_STORAGE, 'eu-west-1', 'standard')).toBeUndefined();
  });

  it('prices EC2 in eu-west-1 from one dated source, each type above its us-east-1 price', () => {
    const eu = PRICE_TABLE.rows.filter((r) => r.usage === CostUsage.EC2_ON_DEMAND && r.region === 'eu-west-1');
    expect(eu).toHaveLength(24);
    const source = PRICE_TABLE.sources.find((s) => s.id === eu[0].source)!;
    expect([source.url, source.figuresAsOf]).toEqual(['https://github.com/tsaol/aws-gpu/tree/7412fd256c5eda04a70a17742a68e8e44824b2cb/data', '2026-01-21']);
    for (const r of eu) {
      expect(r.source, r.item).toBe(source.id);
      expect(r.usdPerUnit, r.item).toBeGreaterThan(findPrice(PRICE_TABLE, CostUsage.EC2_ON_DEMAND, 'us-east-1', r.item)!.usdPerUnit);
    }
  });
});

describe('estimateModelCostAws', () => {
  it('prices the example in us-east-1: both variants all month, the primary from 2 to 6 instances', () => {
    // GIVEN the example's churn model: ml.g5.xlarge × 2 (max 6), an experiment (challenger variant × 2), weekly training
    const e = estimateModelCostAws(CHURN, { region: 'us-east-1' });
    // THEN 2 × 730 h × $1.408 = $2,055.68 at least, 6 × 730 × 1.408 = $6,167.04 at most; the challenger 2 × 730 × 1.408
    const serving = e.lines.filter((l) => l.category === CostCategory.SERVING);
    expect(serving.map((l) => [l.quantityMin, l.quantityMax, l.monthlyUsdMin, l.monthlyUsdMax])).toEqual([
      [1460, 4380, 2055.68, 6167.04],
      [1460, 1460, 2055.68, 2055.68],
    ]);
    expect(serving[1].what).toContain('experiment churn-v8-retention, variant challenger');
    // AND the pipeline's jobs have no us-east-1 training or processing price: counted as unpriced, not guessed
    const training = e.lines.filter((l) => l.category === CostCategory.TRAINING);
    expect(training.map((l) => [l.item, l.source])).toEqual([
      ['ml.m5.xlarge', NO_PRICE], ['ml.g5.xlarge', NO_PRICE], ['ml.m5.xlarge', NO_PRICE],
    ]);
    // AND the nightly batch scoring (a Batch Transform on the serving type, 1 h a day assumed) has no price either
    const batch = e.lines.filter((l) => l.category === CostCategory.BATCH);
    expect(batch.map((l) => [l.item, l.quantityMin, l.quantityMax, l.source])).toEqual([['ml.g5.xlarge', 30.42, 30.42, NO_PRICE]]);
    expect(e.totalMonthlyUsdMin).toBe(4111.36);
    expect(e.totalMonthlyUsdMax).toBe(8222.72);
    expect(e.unpricedLines).toBe(4);
    expect(e.target).toBe(CostTarget.AWS);
    expect(e.assumptions[0]).toMatch(/^An estimate, not a bill/);
    expect(e.priceSources.join('\n')).toContain('foundation-model-benchmarking-tool');
  });

  it('prices the example\'s training in eu-west-1 and says "no price" for its serving', () => {
    const e = estimateModelCostAws(CHURN, { region: 'eu-west-1' });
    // validate and evaluate: processing jobs on the default ml.m5.xlarge, up to 24 h (the default maxRuntime)
    // × 4.35 weekly runs × $0.257 = $26.83; train: ml.g5.xlarge, up to 2 h × 4.35 × $1.57 = $13.66.
    expect(e.lines.filter((l) => l.category === CostCategory.TRAINING).map((l) => [l.quantityMin, l.quantityMax, l.monthlyUsdMax])).toEqual([
      [0, 104.4, 26.83], [0, 8.7, 13.66], [0, 104.4, 26.83],
    ]);
    const serving = e.lines.filter((l) => l.category === CostCategory.SERVING);
    expect(serving.every((l) => l.source === NO_PRICE && l.monthlyUsdMin === undefined)).toBe(true);
    expect(e.totalMonthlyUsdMin).toBe(0);
    expect(e.totalMonthlyUsdMax).toBe(67.32);
    expect(e.unpricedLines).toBe(3);
  });

  it('prices batch scoring as one run a day of the stated length, on the serving type by default', () => {
    const m: PlatformModelSpec = {
      ...CHURN,
      experiment: undefined,
      training: { ...CHURN.training, weeklyOn: undefined },
      serving: { ...CHURN.serving, instanceType: 'ml.g4dn.xlarge', maxInstanceCount: undefined },
      batch: { inputUri: 's3://in/x/', outputUri: 's3://out/x/', instanceType: 'ml.m5.xlarge', instanceCount: 2 },
    };
    const e = estimateModelCostAws(m, { region: 'eu-west-1', batchRunHours: 2 });
    // serving: 2 × 730 × $0.821 = $1,198.66; batch: 2 instances × 2 h × 30.42 days × $0.257 = $31.27
    expect(e.lines.map((l) => [l.category, l.monthlyUsdMin, l.monthlyUsdMax])).toEqual([
      [CostCategory.SERVING, 1198.66, 1198.66],
      [CostCategory.BATCH, 31.27, 31.27],
    ]);
    expect(e.totalMonthlyUsdMin).toBe(1229.93);
  });

  it('prices storage only when it is given, as S3 Standard GB-months', () => {
    expect(estimateModelCostAws(CHURN, { region: 'us-east-1' }).lines.some((l) => l.category === CostCategory.STORAGE)).toBe(false);
    const s = estimateModelCostAws(CHURN, { region: 'us-east-1', storedGiB: 100 }).lines.find((l) => l.category === CostCategory.STORAGE)!;
    // 100 GiB = 107.37 GB × $0.023 = $2.47
    expect([s.quantityMax, s.monthlyUsdMax, s.unit]).toEqual([107.37, 2.47, 'GB-month']);
  });

  it('reads the price table it is given', () => {
    const table: PriceTable = { ...PRICE_TABLE, rows: [{ usage: CostUsage.SAGEMAKER_HOSTING, region: 'eu-west-1', item: 'ml.g5.xlarge', usdPerUnit: 1, unit: 'instance-hour', source: 'test' }] };
    const e = estimateModelCostAws(CHURN, { region: 'eu-west-1', priceTable: table });
    expect(e.totalMonthlyUsdMin).toBe(2920);
    expect(e.lines[0].source).toBe('test');
  });
});

describe('estimateModelCostKubernetes', () => {
  it('prices the example\'s pods on the cheapest g5 they fit in us-east-1: g5.2xlarge, not g5.xlarge', () => {
    // GIVEN pods of 4 CPU, 16Gi and 1 A10G: a g5.xlarge offers 3920m and 14162Mi (Karpenter's allocatable), too little;
    // a g5.2xlarge (7910m, 29317Mi, $1.212) holds one; a g5.12xlarge (4 GPUs, $5.672) four, $1.418 a pod
    const e = estimateModelCostKubernetes(SPEC, 'churn', { region: 'us-east-1' });
    expect(e.lines.map((l) => [l.category, l.item, l.unit, l.quantityMin, l.quantityMax, l.monthlyUsdMin, l.monthlyUsdMax])).toEqual([
      // 2–6 replicas × 730 h × $1.212
      [CostCategory.SERVING, 'g5.2xlarge', 'pod-hour', 1460, 4380, 1769.52, 5308.56],
      // the NGINX router: the challenger's canary at 50 % of the replicas, rounded up (1–3 pods)
      [CostCategory.SERVING, 'g5.2xlarge', 'pod-hour', 730, 2190, 884.76, 2654.28],
      // the train step (the training section's 4 CPU, 16Gi): up to 2 h × 4.35 weekly runs
      [CostCategory.TRAINING, 'g5.2xlarge', 'pod-hour', 0, 8.7, 0, 10.54],
      // batch scoring on the training pool: 1 h a day (assumed) × 30.42 days
      [CostCategory.BATCH, 'g5.2xlarge', 'pod-hour', 30.42, 30.42, 36.87, 36.87],
    ]);
    expect(e.lines[2].what).toContain('node pool a10g-training');
    expect(e.lines[0].what).toBe('serving: 2–6 replicas (4 CPU, 16Gi, 1 GPU each), 730 h a month on node pool a10g-serving, '
      + 'priced as g5.2xlarge ($1.212 an hour) holding 1 such pod');
    expect(e.totalMonthlyUsdMin).toBe(2691.15);
    expect(e.totalMonthlyUsdMax).toBe(8010.25);
    expect(e.target).toBe(CostTarget.KUBERNETES);
  });

  it('prices a time-sliced GPU by the pods a node holds', () => {
    // GIVEN the serving pool time-sliced 4 ways, and small replicas (1 CPU, 4Gi, one share each)
    const spec: PlatformSpec = {
      ...SPEC,
      kubernetes: { ...SPEC.kubernetes!, nodePools: SPEC.kubernetes!.nodePools.map((p) => (p.name === 'a10g-serving' ? { ...p, timeSlicingReplicas: 4 } : p)) },
      models: [{
        ...CHURN,
        experiment: undefined,
        training: { ...CHURN.training, weeklyOn: undefined },
        batch: undefined,
        serving: { ...CHURN.serving, kubernetes: { ...CHURN.serving.kubernetes!, cpu: '1', memory: '4Gi' } },
      }],
    };
    const [serving] = estimateModelCostKubernetes(spec, 'churn', { region: 'us-east-1' }).lines;
    // THEN a g5.xlarge holds 3 (its 3920m), $0.335 a pod; a g5.2xlarge all 4 shares, $1.212 / 4 = $0.303 a pod: 1460 × 0.303 = $442.38
    expect([serving.item, serving.unitPriceUsd, serving.monthlyUsdMin]).toEqual(['g5.2xlarge', 0.303, 442.38]);
  });

  it('says when it could not check CPU and memory (no allocatable figures: p3)', () => {
    const spec: PlatformSpec = {
      ...SPEC,
      kubernetes: { ...SPEC.kubernetes!, nodePools: SPEC.kubernetes!.nodePools.map((p) => (p.name === 'a10g-serving' ? { ...p, gpu: GpuModel.V100 } : p)) },
    };
    const [serving] = estimateModelCostKubernetes(spec, 'churn', { region: 'us-east-1' }).lines;
    // p3.2xlarge: 1 V100, $3.06; the 8-GPU p3.16xlarge costs the same a GPU ($24.48 / 8), the first found is kept
    expect([serving.item, serving.unitPriceUsd]).toEqual(['p3.2xlarge', 3.06]);
    expect(serving.what).toContain('(CPU and memory not checked: no allocatable figures for the type)');
  });

  it('says "no price" when no instance type of the pool fits the pod', () => {
    const spec: PlatformSpec = {
      ...SPEC,
      models: [{ ...CHURN, serving: { ...CHURN.serving, kubernetes: { ...CHURN.serving.kubernetes!, cpu: '400', memory: '16Gi' } } }],
    };
    expect(estimateModelCostKubernetes(spec, 'churn', { region: 'us-east-1' }).lines[0].source).toBe(NO_PRICE);
  });

  it('prices the example\'s pods in eu-west-1 on g5.2xlarge too, at its eu-west-1 price', () => {
    // GIVEN eu-west-1: g5.xlarge $1.123 (too small), g5.2xlarge $1.35296 (one pod), g5.12xlarge $6.33167 (four, $1.583 a pod)
    const e = estimateModelCostKubernetes(SPEC, 'churn', { region: 'eu-west-1' });
    expect(e.lines.map((l) => [l.item, l.quantityMin, l.quantityMax, l.monthlyUsdMin, l.monthlyUsdMax])).toEqual([
      // 1460 × 1.35296 = 1975.3216; 4380 × 1.35296 = 5925.9648
      ['g5.2xlarge', 1460, 4380, 1975.32, 5925.96],
      // 730 × 1.35296 = 987.6608; 2190 × 1.35296 = 2962.9824
      ['g5.2xlarge', 730, 2190, 987.66, 2962.98],
      // 8.7 × 1.35296 = 11.770752
      ['g5.2xlarge', 0, 8.7, 0, 11.77],
      // 730 / 24 = 30.4167 days (shown 30.42) × 1 h × 1.35296 = 41.1525
      ['g5.2xlarge', 30.42, 30.42, 41.15, 41.15],
    ]);
    // the lines as shown, added: 1975.32 + 987.66 + 0 + 41.15 = 3004.13; 5925.96 + 2962.98 + 11.77 + 41.15 = 8941.86
    expect([e.totalMonthlyUsdMin, e.totalMonthlyUsdMax, e.unpricedLines]).toEqual([3004.13, 8941.86, 0]);
    expect(e.lines[0].source).toContain('tsaol/aws-gpu');
  });

  it('says "no price" in a Region without EC2 prices', () => {
    const e = estimateModelCostKubernetes(SPEC, 'churn', { region: 'eu-central-1' });
    expect(e.lines.every((l) => l.source === NO_PRICE)).toBe(true);
    expect([e.totalMonthlyUsdMin, e.totalMonthlyUsdMax, e.unpricedLines]).toEqual([0, 0, 4]);
  });

  it('throws for a model the platform does not have', () => {
    expect(() => estimateModelCostKubernetes(SPEC, 'fraud', { region: 'us-east-1' })).toThrow(/no model fraud/);
  });
});

describe('estimatePlatformCost', () => {
  it('adds the models on AWS', () => {
    const e = estimatePlatformCost(SPEC, CostTarget.AWS, { region: 'us-east-1' });
    expect([e.subject, e.totalMonthlyUsdMin, e.totalMonthlyUsdMax]).toEqual(['acme', 4111.36, 8222.72]);
  });

  it('shows each Kubernetes node pool\'s limit without adding it', () => {
    const e = estimatePlatformCost(SPEC, CostTarget.KUBERNETES, { region: 'us-east-1' });
    const limits = e.lines.filter((l) => l.category === CostCategory.NODE_POOL_LIMIT);
    // a10g-serving: 12 GPUs × 730 h × $1.006 (g5.xlarge, the cheapest a GPU) = $8,812.56; a10g-training: 4 × 730 × 1.006 = $2,937.52
    expect(limits.map((l) => [l.what.split(':')[0], l.monthlyUsdMin, l.monthlyUsdMax, l.counted])).toEqual([
      ['node pool a10g-serving', 0, 8812.56, false],
      ['node pool a10g-training', 0, 2937.52, false],
    ]);
    expect([e.totalMonthlyUsdMin, e.totalMonthlyUsdMax]).toEqual([2691.15, 8010.25]);
  });

  it('prices the node pool limits in eu-west-1 on g5.xlarge at $1.123 a GPU-hour', () => {
    const e = estimatePlatformCost(SPEC, CostTarget.KUBERNETES, { region: 'eu-west-1' });
    const limits = e.lines.filter((l) => l.category === CostCategory.NODE_POOL_LIMIT);
    // 12 × 730 × 1.123 = 9837.48; 4 × 730 × 1.123 = 3279.16
    expect(limits.map((l) => [l.item, l.monthlyUsdMax, l.counted])).toEqual([['g5.xlarge', 9837.48, false], ['g5.xlarge', 3279.16, false]]);
    expect([e.totalMonthlyUsdMin, e.totalMonthlyUsdMax]).toEqual([3004.13, 8941.86]);
  });
});

describe('budgetProblems', () => {
  const estimate = estimateModelCostAws(CHURN, { region: 'us-east-1' });

  it('finds nothing when the minimum fits', () => {
    expect(budgetProblems(estimate, { monthlyUsd: 5000 })).toBeUndefined();
  });

  it('warns when the minimum is above the budget', () => {
    const p = budgetProblems(estimate, { monthlyUsd: 3000 })!;
    expect(p.isError).toBe(false);
    expect(p.message).toBe('churn: the estimated monthly cost is at least $4,111.36 (4 line(s) without a price are not in it), above its budget of $3,000.00 '
      + '(an estimate at on-demand prices of us-east-1, read on 2026-11-27; the range is $4,111.36–$8,222.72). Lower the instance count or type, or raise budget.monthlyUsd.');
  });

  it('is an error when the budget asks for it', () => {
    expect(budgetProblems(estimate, { monthlyUsd: 3000, failOnEstimateOver: true })?.isError).toBe(true);
  });
});

describe('CostEstimates (the functions for every jsii language)', () => {
  it('gives the same estimates as the functions', () => {
    const o = { region: 'us-east-1' };
    expect(CostEstimates.priceTable()).toBe(PRICE_TABLE);
    expect(CostEstimates.modelOnAws(CHURN, o)).toEqual(estimateModelCostAws(CHURN, o));
    expect(CostEstimates.modelOnKubernetes(SPEC, 'churn', o)).toEqual(estimateModelCostKubernetes(SPEC, 'churn', o));
    expect(CostEstimates.platform(SPEC, CostTarget.AWS, o)).toEqual(estimatePlatformCost(SPEC, CostTarget.AWS, o));
    expect(CostEstimates.budgetProblem(estimateModelCostAws(CHURN, o), { monthlyUsd: 3000 })?.isError).toBe(false);
  });
});
