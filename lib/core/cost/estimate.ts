/**
 * A monthly cost estimate of a platform model, and of a platform, from its spec and the price table
 * (issue 19). Pure functions, target by target: what the AWS rendering runs (SageMaker endpoint
 * variants, pipeline jobs, Batch Transform) and what the Kubernetes rendering asks of its GPU node pools.
 * An estimate, not a bill: every figure is on-demand list price × hours the spec implies, with its
 * assumptions stated in the result; a line whose price the table lacks says "no price" and adds nothing.
 */
import { DEFAULT_CHALLENGER_PERCENT } from '../experiment/types';
import { GpuCatalog } from '../gpu-catalog';
import { SharingFacts, sharesPerGpu } from '../gpu-sharing-capacity';
import { StepKind } from '../pipeline';
import { KubernetesTrafficRouter, PlatformBudgetSpec, PlatformModelSpec, PlatformNodePoolSpec, PlatformSpec } from '../platform-spec';
import { DEFAULT_SERVING_REPLICAS } from '../policy';
import { quantityValue } from '../quantity';
import { NODE_ALLOCATABLE } from './node-allocatable';
import { CostUsage, PRICE_TABLE, PriceTable, findPrice, priceSourceText } from './prices';

/** Hours in an average month (8,760 h a year / 12), the unit of every monthly figure. */
export const HOURS_PER_MONTH = 730;
/** Weekly runs in an average month (52.14 weeks a year / 12, rounded as the cost tools do). */
export const WEEKLY_RUNS_PER_MONTH = 4.35;
/** Days in an average month (730 h / 24). */
export const DAYS_PER_MONTH = HOURS_PER_MONTH / 24;
/** The length of a daily batch scoring run the estimate assumes, hours. */
export const DEFAULT_BATCH_RUN_HOURS = 1;
/** SageMaker pipeline steps' default instance type (`aws.MlPipeline`). */
const DEFAULT_STEP_INSTANCE_TYPE = 'ml.m5.xlarge';
/** A step's default longest run, seconds (`PlatformPipelineStep.maxRuntimeSeconds`). */
const DEFAULT_STEP_MAX_RUNTIME_SECONDS = 86400;
/** What a line without a price says in place of its source. */
export const NO_PRICE = 'no price';

/** Which rendering an estimate is of. */
export enum CostTarget {
  /** `platform.MlPlatform`: SageMaker and EC2 through SageMaker. */
  AWS = 'AWS',
  /** `platform.MlPlatformChart`: pods on Karpenter GPU node pools (EC2 on-demand). */
  KUBERNETES = 'KUBERNETES',
}

/** What a line of an estimate is for. */
export enum CostCategory {
  /** Serving instances or replicas (every variant: the served version, an experiment's challenger). */
  SERVING = 'SERVING',
  /** Scheduled training pipeline runs. */
  TRAINING = 'TRAINING',
  /** Scheduled batch scoring. */
  BATCH = 'BATCH',
  /** Stored data. */
  STORAGE = 'STORAGE',
  /** A GPU node pool's limit: what the whole pool may cost (shown, not added: the models' lines are its use). */
  NODE_POOL_LIMIT = 'NODE_POOL_LIMIT',
}

/** One line of an estimate. */
export interface CostLine {
  /** The model the line is of (empty for a platform's node pool). */
  readonly model: string;
  /** What is paid for. */
  readonly category: CostCategory;
  /** What, in words: `serving: variant primary, 2–6 × ml.g5.xlarge, 730 h a month`. */
  readonly what: string;
  /** The priced item: an instance type, or `standard` for storage. */
  readonly item: string;
  /** The unit of the price and the quantities: `instance-hour`, `GPU-hour`, `GB-month`. */
  readonly unit: string;
  /**
   * US dollars per unit.
   * @default - no price in the table: the line adds nothing to the totals
   */
  readonly unitPriceUsd?: number;
  /** Units a month at the least (minimum instances, no scheduled work beyond what is certain). */
  readonly quantityMin: number;
  /** Units a month at the most (maximum instances, every scheduled run at its longest). */
  readonly quantityMax: number;
  /**
   * US dollars a month at the least.
   * @default - no price
   */
  readonly monthlyUsdMin?: number;
  /**
   * US dollars a month at the most.
   * @default - no price
   */
  readonly monthlyUsdMax?: number;
  /** Where the price was read, or `no price`. */
  readonly source: string;
  /** Whether the line counts in the totals (a node pool's limit does not). */
  readonly counted: boolean;
}

/** A monthly cost estimate: lines, totals, and what it assumes. */
export interface CostEstimate {
  /** What is estimated: a model's name, or the platform's. */
  readonly subject: string;
  /** The rendering estimated. */
  readonly target: CostTarget;
  /** The AWS Region priced. */
  readonly region: string;
  /** The lines. */
  readonly lines: CostLine[];
  /** US dollars a month at the least: the sum of the counted, priced lines' minimums. */
  readonly totalMonthlyUsdMin: number;
  /** US dollars a month at the most: the sum of the counted, priced lines' maximums. */
  readonly totalMonthlyUsdMax: number;
  /** Counted lines without a price (their cost is missing from the totals). */
  readonly unpricedLines: number;
  /** The day the price table was read. */
  readonly pricesReadOn: string;
  /** The price table's sources, as text. */
  readonly priceSources: string[];
  /** What the estimate assumes, in plain words (first: that it is an estimate, not a bill). */
  readonly assumptions: string[];
}

/** Options of an estimate. */
export interface CostEstimateOptions {
  /** The AWS Region to price (the stack's; for Kubernetes, the cluster's). */
  readonly region: string;
  /**
   * The price table.
   * @default PRICE_TABLE
   */
  readonly priceTable?: PriceTable;
  /**
   * Length of a daily batch scoring run, hours (the spec does not say; Batch Transform is billed while it runs).
   * @default 1
   */
  readonly batchRunHours?: number;
  /**
   * Data the model keeps in S3 (captures, artifacts, scores), GiB, priced as S3 Standard.
   * @default - storage is not estimated (the spec does not give data volumes)
   */
  readonly storedGiB?: number;
}

interface LineInput {
  readonly model: string;
  readonly category: CostCategory;
  readonly what: string;
  readonly usage: CostUsage;
  readonly item: string;
  readonly unit?: string;
  readonly quantityMin: number;
  readonly quantityMax: number;
  readonly counted?: boolean;
  /** Units of the priced item per unit of quantity (e.g. 1/4 instance per GPU of a 4-GPU instance). */
  readonly priceFactor?: number;
}

const round2 = (n: number) => Math.round(n * 100) / 100;

function line(table: PriceTable, region: string, l: LineInput): CostLine {
  const row = findPrice(table, l.usage, region, l.item);
  const unit = l.unit ?? row?.unit ?? 'instance-hour';
  const base = {
    model: l.model,
    category: l.category,
    what: l.what,
    item: l.item,
    unit,
    quantityMin: round2(l.quantityMin),
    quantityMax: round2(l.quantityMax),
    counted: l.counted ?? true,
  };
  if (row === undefined) {
    return { ...base, source: NO_PRICE };
  }
  const price = row.usdPerUnit * (l.priceFactor ?? 1);
  return {
    ...base,
    unitPriceUsd: Math.round(price * 1e6) / 1e6,
    monthlyUsdMin: round2(price * l.quantityMin),
    monthlyUsdMax: round2(price * l.quantityMax),
    source: priceSourceText(table, row),
  };
}

function estimateOf(subject: string, target: CostTarget, o: CostEstimateOptions, lines: CostLine[], assumptions: string[]): CostEstimate {
  const table = o.priceTable ?? PRICE_TABLE;
  const counted = lines.filter((l) => l.counted);
  const sum = (f: (l: CostLine) => number | undefined) => round2(counted.reduce((a, l) => a + (f(l) ?? 0), 0));
  const used = new Set(lines.filter((l) => l.source !== NO_PRICE).map((l) => l.source));
  return {
    subject,
    target,
    region: o.region,
    lines,
    totalMonthlyUsdMin: sum((l) => l.monthlyUsdMin),
    totalMonthlyUsdMax: sum((l) => l.monthlyUsdMax),
    unpricedLines: counted.filter((l) => l.unitPriceUsd === undefined).length,
    pricesReadOn: table.readOn,
    priceSources: [...used].sort(),
    assumptions: [
      `An estimate, not a bill: on-demand list prices in ${table.currency} of ${o.region}, read on ${table.readOn}, × the hours the spec implies `
        + `(${HOURS_PER_MONTH} h a month). No Savings Plans, Reserved Instances, spot discounts, free tier, credits or taxes.`,
      `Lines marked "${NO_PRICE}" have no price in the table for that Region and type; their cost is missing from the totals, never guessed.`,
      ...assumptions,
    ],
  };
}

function hoursText(n: number): string {
  return `${round2(n)} h`;
}

function range(min: number, max: number): string {
  return min === max ? `${min}` : `${min}–${max}`;
}

/** Serving on AWS: the endpoint's variants (the served version, autoscaled; an experiment's challenger, fixed). */
function awsServing(table: PriceTable, o: CostEstimateOptions, m: PlatformModelSpec): CostLine[] {
  const s = m.serving;
  const min = s.instanceCount ?? DEFAULT_SERVING_REPLICAS;
  const max = s.maxInstanceCount ?? min;
  const out = [line(table, o.region, {
    model: m.name,
    category: CostCategory.SERVING,
    what: `serving: variant primary, ${range(min, max)} × ${s.instanceType}, ${HOURS_PER_MONTH} h a month`,
    usage: CostUsage.SAGEMAKER_HOSTING,
    item: s.instanceType,
    quantityMin: min * HOURS_PER_MONTH,
    quantityMax: max * HOURS_PER_MONTH,
  })];
  if (m.experiment) {
    // The challenger is its own variant with the endpoint's initial instance count (GpuServingEndpoint.addVariant's
    // default), not autoscaled; its traffic share does not change its instances.
    out.push(line(table, o.region, {
      model: m.name,
      category: CostCategory.SERVING,
      what: `serving: experiment ${m.experiment.name}, variant challenger, ${min} × ${s.instanceType}, ${HOURS_PER_MONTH} h a month`,
      usage: CostUsage.SAGEMAKER_HOSTING,
      item: s.instanceType,
      quantityMin: min * HOURS_PER_MONTH,
      quantityMax: min * HOURS_PER_MONTH,
    }));
  }
  return out;
}

/** Training on AWS: each pipeline step's instances × its longest run, per scheduled run. */
function awsTraining(table: PriceTable, o: CostEstimateOptions, m: PlatformModelSpec): CostLine[] {
  const runs = m.training.weeklyOn !== undefined ? WEEKLY_RUNS_PER_MONTH : 0;
  if (runs === 0) {
    return [];
  }
  return m.pipeline.steps.map((step) => {
    const type = step.instanceType ?? DEFAULT_STEP_INSTANCE_TYPE;
    const count = step.instanceCount ?? 1;
    const hours = (step.maxRuntimeSeconds ?? DEFAULT_STEP_MAX_RUNTIME_SECONDS) / 3600;
    const training = step.kind === StepKind.TRAINING;
    return line(table, o.region, {
      model: m.name,
      category: CostCategory.TRAINING,
      what: `training: step ${step.name} (${training ? 'training' : 'processing'} job), ${count} × ${type}, `
        + `0–${hoursText(hours)} a run, ${runs} runs a month (weekly)`,
      usage: training ? CostUsage.SAGEMAKER_TRAINING : CostUsage.SAGEMAKER_PROCESSING,
      item: type,
      quantityMin: 0,
      quantityMax: runs * count * hours,
    });
  });
}

/** Batch scoring on AWS: one Batch Transform a day of the assumed length. */
function awsBatch(table: PriceTable, o: CostEstimateOptions, m: PlatformModelSpec): CostLine[] {
  if (!m.batch) {
    return [];
  }
  const type = m.batch.instanceType ?? m.serving.instanceType;
  const count = m.batch.instanceCount ?? 1;
  const hours = o.batchRunHours ?? DEFAULT_BATCH_RUN_HOURS;
  const q = count * hours * DAYS_PER_MONTH;
  return [line(table, o.region, {
    model: m.name,
    category: CostCategory.BATCH,
    what: `batch scoring: ${count} × ${type}, ${hoursText(hours)} a day (assumed), ${round2(DAYS_PER_MONTH)} days a month`,
    usage: CostUsage.SAGEMAKER_BATCH_TRANSFORM,
    item: type,
    quantityMin: q,
    quantityMax: q,
  })];
}

function storage(table: PriceTable, o: CostEstimateOptions, model: string): CostLine[] {
  if (o.storedGiB === undefined) {
    return [];
  }
  return [line(table, o.region, {
    model,
    category: CostCategory.STORAGE,
    what: `storage: ${o.storedGiB} GiB in S3 Standard`,
    usage: CostUsage.S3_STANDARD_STORAGE,
    item: 'standard',
    unit: 'GB-month',
    quantityMin: o.storedGiB * 1.073741824,
    quantityMax: o.storedGiB * 1.073741824,
  })];
}

const AWS_ASSUMPTIONS = [
  'SageMaker serving: every variant runs all month; the served version between its instance count and maxInstanceCount '
    + '(autoscaling), an experiment\'s challenger at the endpoint\'s instance count (its own variant, not autoscaled).',
  `Training: only scheduled runs (weekly: ${WEEKLY_RUNS_PER_MONTH} a month); each step's maxRuntimeSeconds is the upper bound of a run `
    + '(the minimum counts no hours: a run\'s length is not known before it runs); runs started by drift or by hand are not counted.',
  `Batch scoring: one Batch Transform a day of the assumed length (${DEFAULT_BATCH_RUN_HOURS} h unless stated).`,
  'Not included: ML storage volumes, data capture and artifacts in S3 (unless storedGiB is given), data transfer, CloudWatch, '
    + 'Lambda (drift, promotion, experiment), EventBridge, KMS and SNS.',
];

/**
 * The monthly cost of one platform model rendered on AWS (`platform.MlPlatform`).
 *
 * @param m the model's spec
 * @param options Region and price table
 */
export function estimateModelCostAws(m: PlatformModelSpec, options: CostEstimateOptions): CostEstimate {
  const table = options.priceTable ?? PRICE_TABLE;
  const lines = [
    ...awsServing(table, options, m),
    ...awsTraining(table, options, m),
    ...awsBatch(table, options, m),
    ...storage(table, options, m.name),
  ];
  return estimateOf(m.name, CostTarget.AWS, options, lines, AWS_ASSUMPTIONS);
}

// ---- Kubernetes ----

/** What a pod asks of a node: CPU (cores), memory (bytes) and GPUs (or shares of the pool's GPUs). */
interface PodShape {
  readonly cpu: number;
  readonly memoryBytes: number;
  readonly gpus: number;
}

/** The instance type a pod is priced on, and how many such pods one node holds. */
interface NodeChoice {
  readonly instanceType: string;
  readonly usdPerHour: number;
  readonly podsPerNode: number;
  /** Whether CPU and memory were checked (Karpenter's allocatable is known for the type). */
  readonly fitChecked: boolean;
}

/** The requests of the library's pipeline and batch pods when the spec gives none (k8s.MlPipeline, k8s.BatchScoring). */
const DEFAULT_POD_CPU = '1';
const DEFAULT_POD_MEMORY = '4Gi';
const MIB = 2 ** 20;

function poolSharing(p: PlatformNodePoolSpec): SharingFacts {
  if (p.migProfile !== undefined) {
    return { mode: 'MIG', migProfile: p.migProfile };
  }
  if (p.timeSlicingReplicas !== undefined) {
    return { mode: 'TIME_SLICING', replicas: p.timeSlicingReplicas };
  }
  return { mode: 'EXCLUSIVE' };
}

function podShape(cpu: string | undefined, memory: string | undefined, gpus: number): PodShape {
  return { cpu: quantityValue(cpu ?? DEFAULT_POD_CPU), memoryBytes: quantityValue(memory ?? DEFAULT_POD_MEMORY), gpus };
}

/**
 * The pool's instance type that runs the pod cheapest: its price over the pods one node holds (by GPUs
 * or shares, allocatable CPU and memory), as Karpenter picks the cheapest type that fits. Undefined when
 * the table prices none that fits.
 */
function cheapestNode(table: PriceTable, region: string, p: PlatformNodePoolSpec, pod: PodShape): NodeChoice | undefined {
  const families = p.instanceFamilies ?? GpuCatalog.spec(p.gpu).ec2Families;
  const shares = sharesPerGpu(p.gpu, poolSharing(p)).quantity;
  let best: NodeChoice | undefined;
  for (const it of GpuCatalog.instanceTypes(p.gpu)) {
    if (!families.includes(it.instanceType.split('.')[0]) || (p.gpuCounts !== undefined && !p.gpuCounts.includes(it.count))) {
      continue;
    }
    const row = findPrice(table, CostUsage.EC2_ON_DEMAND, region, it.instanceType);
    if (row === undefined) {
      continue;
    }
    const alloc = Object.hasOwn(NODE_ALLOCATABLE, it.instanceType) ? NODE_ALLOCATABLE[it.instanceType] : undefined;
    const pods = Math.min(
      Math.floor((it.count * shares) / pod.gpus),
      alloc ? Math.floor((alloc.cpuMillis / 1000) / pod.cpu) : Infinity,
      alloc ? Math.floor((alloc.memoryMiB * MIB) / pod.memoryBytes) : Infinity,
    );
    if (pods >= 1 && (best === undefined || row.usdPerUnit / pods < best.usdPerHour / best.podsPerNode)) {
      best = { instanceType: it.instanceType, usdPerHour: row.usdPerUnit, podsPerNode: pods, fitChecked: alloc !== undefined };
    }
  }
  return best;
}

interface PoolUse {
  readonly model: string;
  readonly category: CostCategory;
  readonly what: string;
  readonly pod: PodShape;
  /** Pods at the least and at the most, each for `hoursMin` / `hoursMax` a month. */
  readonly podsMin: number;
  readonly podsMax: number;
  readonly hoursMin: number;
  readonly hoursMax: number;
}

function podLine(table: PriceTable, o: CostEstimateOptions, pool: PlatformNodePoolSpec | undefined, u: PoolUse): CostLine {
  const node = pool && cheapestNode(table, o.region, pool, u.pod);
  const how = node
    ? `, priced as ${node.instanceType} ($${node.usdPerHour} an hour) holding ${node.podsPerNode} such pod${node.podsPerNode > 1 ? 's' : ''}`
      + `${node.fitChecked ? '' : ' (CPU and memory not checked: no allocatable figures for the type)'}`
    : '';
  return line(table, o.region, {
    model: u.model,
    category: u.category,
    what: `${u.what} on node pool ${pool?.name ?? '(none)'}${how}`,
    usage: CostUsage.EC2_ON_DEMAND,
    item: node?.instanceType ?? (pool ? `${pool.gpu} instance` : 'no pool'),
    unit: 'pod-hour',
    quantityMin: u.podsMin * u.hoursMin,
    quantityMax: u.podsMax * u.hoursMax,
    priceFactor: node ? 1 / node.podsPerNode : 1,
  });
}

/** A pool's limit: `maxGpus` GPUs on its cheapest priced instance type per GPU. */
function poolLimitLine(table: PriceTable, o: CostEstimateOptions, p: PlatformNodePoolSpec): CostLine {
  // One pod per GPU, asking nothing else: the node type with the lowest price per GPU.
  const node = cheapestNode(table, o.region, p, { cpu: 0, memoryBytes: 0, gpus: sharesPerGpu(p.gpu, poolSharing(p)).quantity });
  const gpusPerNode = node ? node.podsPerNode : 1;
  const l = line(table, o.region, {
    model: '',
    category: CostCategory.NODE_POOL_LIMIT,
    what: `node pool ${p.name}: 0–${p.maxGpus} ${p.gpu} GPUs (its maxGpus limit), ${HOURS_PER_MONTH} h a month`
      + `${node ? `, priced as ${node.instanceType} ($${node.usdPerHour} an hour, ${gpusPerNode} GPU${gpusPerNode > 1 ? 's' : ''})` : ''}`,
    usage: CostUsage.EC2_ON_DEMAND,
    item: node?.instanceType ?? `${p.gpu} instance`,
    unit: 'GPU-hour',
    quantityMin: 0,
    quantityMax: p.maxGpus! * HOURS_PER_MONTH,
    priceFactor: 1 / gpusPerNode,
  });
  return { ...l, counted: false };
}

function k8sModelLines(table: PriceTable, o: CostEstimateOptions, spec: PlatformSpec, m: PlatformModelSpec): CostLine[] {
  const pools = spec.kubernetes?.nodePools ?? [];
  const byName = (name: string | undefined) => pools.find((p) => p.name === name);
  const s = m.serving;
  const sk = s.kubernetes;
  const perReplica = sk?.gpusPerReplica ?? 1;
  const replicas = s.instanceCount ?? DEFAULT_SERVING_REPLICAS;
  const maxReplicas = s.maxInstanceCount ?? replicas;
  const servingPod = podShape(sk?.cpu, sk?.memory, perReplica);
  const shape = (cpu: string | undefined, memory: string | undefined, gpus: number) =>
    `${cpu ?? DEFAULT_POD_CPU} CPU, ${memory ?? DEFAULT_POD_MEMORY}, ${gpus} GPU${gpus > 1 ? 's' : ''}`;
  const lines = [podLine(table, o, byName(sk?.nodePool), {
    model: m.name,
    category: CostCategory.SERVING,
    what: `serving: ${range(replicas, maxReplicas)} replicas (${shape(sk?.cpu, sk?.memory, perReplica)} each), ${HOURS_PER_MONTH} h a month`,
    pod: servingPod,
    podsMin: replicas,
    podsMax: maxReplicas,
    hoursMin: HOURS_PER_MONTH,
    hoursMax: HOURS_PER_MONTH,
  })];
  if (m.experiment && sk?.trafficRouter === KubernetesTrafficRouter.NGINX) {
    // With a traffic router the Rollout keeps the stable ReplicaSet whole and runs the canary (the
    // challenger) beside it at its weight's share of the replicas, rounded up (argo-rollouts
    // CalculateReplicaCountsForTrafficRoutedCanary); without one, the split is of the same replicas.
    const percent = m.experiment.challengerPercent ?? DEFAULT_CHALLENGER_PERCENT;
    const canary = (n: number) => Math.ceil((n * percent) / 100);
    lines.push(podLine(table, o, byName(sk.nodePool), {
      model: m.name,
      category: CostCategory.SERVING,
      what: `serving: experiment ${m.experiment.name}, ${range(canary(replicas), canary(maxReplicas))} challenger pods `
        + `(${percent} % of the replicas, rounded up), ${HOURS_PER_MONTH} h a month while it runs`,
      pod: servingPod,
      podsMin: canary(replicas),
      podsMax: canary(maxReplicas),
      hoursMin: HOURS_PER_MONTH,
      hoursMax: HOURS_PER_MONTH,
    }));
  }
  if (m.training.weeklyOn !== undefined) {
    const tk = m.training.kubernetes;
    const trainingPool = byName(tk?.nodePool) ?? pools.find((p) => m.pipeline.steps.some((st) => st.gpu === p.gpu));
    for (const step of m.pipeline.steps.filter((st) => st.gpu !== undefined)) {
      const gpus = step.gpuCount ?? 1;
      const hours = (step.maxRuntimeSeconds ?? DEFAULT_STEP_MAX_RUNTIME_SECONDS) / 3600;
      lines.push(podLine(table, o, trainingPool, {
        model: m.name,
        category: CostCategory.TRAINING,
        what: `training: step ${step.name} (${shape(tk?.cpu, tk?.memory, gpus)}), 0–${hoursText(hours)} a run, ${WEEKLY_RUNS_PER_MONTH} runs a month (weekly)`,
        pod: podShape(tk?.cpu, tk?.memory, gpus),
        podsMin: 1,
        podsMax: 1,
        hoursMin: 0,
        hoursMax: WEEKLY_RUNS_PER_MONTH * hours,
      }));
    }
  }
  const bk = m.batch?.kubernetes;
  if (bk) {
    const hours = o.batchRunHours ?? DEFAULT_BATCH_RUN_HOURS;
    lines.push(podLine(table, o, byName(bk.nodePool), {
      model: m.name,
      category: CostCategory.BATCH,
      what: `batch scoring (${shape(bk.cpu, bk.memory, 1)}), ${hoursText(hours)} a day (assumed), ${round2(DAYS_PER_MONTH)} days a month`,
      pod: podShape(bk.cpu, bk.memory, 1),
      podsMin: 1,
      podsMax: 1,
      hoursMin: hours * DAYS_PER_MONTH,
      hoursMax: hours * DAYS_PER_MONTH,
    }));
  }
  return [...lines, ...storage(table, o, m.name)];
}

const K8S_ASSUMPTIONS = [
  'Kubernetes: each pod is priced on the instance type of its node pool that runs it cheapest, as Karpenter picks: the instance\'s '
    + 'on-demand price over the pods one node holds by GPUs (or GPU shares), allocatable CPU and allocatable memory (Karpenter\'s '
    + 'figures for AL2023). DaemonSets, other workloads\' pods and part-empty nodes are not counted: a node shared well costs less '
    + 'a pod, a node left part-empty more.',
  'Pools that allow spot are priced on-demand (spot is cheaper and varies). The pools start at 0 nodes; a pool\'s limit line is '
    + 'what it may cost at most (maxGpus on its cheapest type per GPU) and is not added to the totals.',
  'Serving replicas run all month between instanceCount and maxInstanceCount; an experiment with the NGINX router adds the challenger\'s '
    + 'canary pods beside the stable ones. Training: scheduled GPU steps only (one pod a step), maxRuntimeSeconds the upper bound of a run. '
    + `Batch scoring: one run a day of the assumed length (${DEFAULT_BATCH_RUN_HOURS} h unless stated).`,
  'Not included: the EKS control plane, CPU nodes (MLflow, drift jobs, controllers), EBS volumes, S3 (unless storedGiB is given), '
    + 'load balancers and data transfer.',
];

/**
 * The monthly cost of one platform model rendered on Kubernetes (`platform.MlPlatformChart`): its
 * share of the platform's GPU node pools.
 *
 * @param spec the platform spec (its node pools)
 * @param model the model's name
 * @param options Region and price table
 */
export function estimateModelCostKubernetes(spec: PlatformSpec, model: string, options: CostEstimateOptions): CostEstimate {
  const m = spec.models.find((x) => x.name === model);
  if (m === undefined) {
    throw new Error(`no model ${model} in platform ${spec.name}`);
  }
  return estimateOf(m.name, CostTarget.KUBERNETES, options, k8sModelLines(options.priceTable ?? PRICE_TABLE, options, spec, m), K8S_ASSUMPTIONS);
}

/**
 * The monthly cost of a whole platform: every model's lines, and on Kubernetes each node pool's limit
 * (shown, not added).
 *
 * @param spec the platform spec
 * @param target the rendering
 * @param options Region and price table
 */
export function estimatePlatformCost(spec: PlatformSpec, target: CostTarget, options: CostEstimateOptions): CostEstimate {
  const table = options.priceTable ?? PRICE_TABLE;
  if (target === CostTarget.AWS) {
    return estimateOf(spec.name, target, options, spec.models.flatMap((m) => estimateModelCostAws(m, options).lines), AWS_ASSUMPTIONS);
  }
  const models = spec.models.flatMap((m) => k8sModelLines(table, options, spec, m));
  const limits = (spec.kubernetes?.nodePools ?? []).filter((p) => p.maxGpus !== undefined).map((p) => poolLimitLine(table, options, p));
  return estimateOf(spec.name, target, options, [...models, ...limits], K8S_ASSUMPTIONS);
}

/** What an estimate against a budget found: nothing, a warning, or an error (the estimate's minimum above the budget). */
export interface BudgetProblem {
  /** Whether it fails synthesis (`failOnEstimateOver`), else a warning. */
  readonly isError: boolean;
  /** The message, naming the figures. */
  readonly message: string;
}

/**
 * The estimate's minimum against the model's budget: undefined when it fits, else a warning, or an
 * error when the budget asks for it (`failOnEstimateOver`: cost as a release blocker). Only the minimum
 * is compared: it is what the model costs at its smallest (minimum instances, scheduled runs not
 * counted); lines without a price are missing from it, and the message says so.
 *
 * @param estimate the model's estimate
 * @param budget the model's budget
 */
export function budgetProblems(estimate: CostEstimate, budget: PlatformBudgetSpec): BudgetProblem | undefined {
  if (estimate.totalMonthlyUsdMin <= budget.monthlyUsd) {
    return undefined;
  }
  const unpriced = estimate.unpricedLines > 0 ? ` (${estimate.unpricedLines} line(s) without a price are not in it)` : '';
  return {
    isError: budget.failOnEstimateOver ?? false,
    message: `${estimate.subject}: the estimated monthly cost is at least $${money(estimate.totalMonthlyUsdMin)}${unpriced}, `
      + `above its budget of $${money(budget.monthlyUsd)} (an estimate at on-demand prices of ${estimate.region}, read on ${estimate.pricesReadOn}; `
      + `the range is $${money(estimate.totalMonthlyUsdMin)}–$${money(estimate.totalMonthlyUsdMax)}). `
      + 'Lower the instance count or type, or raise budget.monthlyUsd.',
  };
}

/** US dollars with cents and thousands separators: 2,055.68. */
export function money(n: number): string {
  return n.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
}

/**
 * The estimate's functions as static methods, for every jsii language (`core.CostEstimates.modelOnAws(...)`
 * in Python, Java, .NET, Go); TypeScript may call the functions themselves.
 */
export class CostEstimates {
  /**
   * The library's price table (`PRICE_TABLE`): its rows, sources and the day it was read.
   */
  public static priceTable(): PriceTable {
    return PRICE_TABLE;
  }

  /**
   * The monthly cost of one platform model rendered on AWS (`estimateModelCostAws`).
   *
   * @param model the model's spec
   * @param options Region and price table
   */
  public static modelOnAws(model: PlatformModelSpec, options: CostEstimateOptions): CostEstimate {
    return estimateModelCostAws(model, options);
  }

  /**
   * The monthly cost of one platform model rendered on Kubernetes (`estimateModelCostKubernetes`).
   *
   * @param spec the platform spec (its node pools)
   * @param model the model's name
   * @param options Region and price table
   */
  public static modelOnKubernetes(spec: PlatformSpec, model: string, options: CostEstimateOptions): CostEstimate {
    return estimateModelCostKubernetes(spec, model, options);
  }

  /**
   * The monthly cost of a whole platform (`estimatePlatformCost`).
   *
   * @param spec the platform spec
   * @param target the rendering
   * @param options Region and price table
   */
  public static platform(spec: PlatformSpec, target: CostTarget, options: CostEstimateOptions): CostEstimate {
    return estimatePlatformCost(spec, target, options);
  }

  /**
   * The estimate's minimum against a budget (`budgetProblems`): undefined when it fits.
   *
   * @param estimate the model's estimate
   * @param budget the model's budget
   */
  public static budgetProblem(estimate: CostEstimate, budget: PlatformBudgetSpec): BudgetProblem | undefined {
    return budgetProblems(estimate, budget);
  }

  private constructor() {}
}
