import { z } from 'zod';
import { IDuration, secondsOf } from './duration';
import { GpuCatalog, GpuModel } from './gpu-catalog';
import { checkImage } from './image';
import { durationIn } from './schemas/duration-value';
import { unlessToken } from './validation';

/** What a pipeline step runs as. */
export enum StepKind {
  /** A processing job: validation, preprocessing, evaluation. */
  PROCESSING = 'PROCESSING',
  /** A training job: its output is the model artifact. */
  TRAINING = 'TRAINING',
}

/** How the gate compares the evaluation metric with its threshold. */
export enum GateComparison {
  GREATER_THAN_OR_EQUAL = 'GREATER_THAN_OR_EQUAL',
  GREATER_THAN = 'GREATER_THAN',
  LESS_THAN_OR_EQUAL = 'LESS_THAN_OR_EQUAL',
  LESS_THAN = 'LESS_THAN',
}

/** What a step of a training pipeline is, in code and in a platform spec document alike (all but its run time). */
export interface PipelineStepBase {
  /** Unique step name (letters, digits, `-`, `_`). */
  readonly name: string;
  /** Processing or training. */
  readonly kind: StepKind;
  /** Container image, pinned by digest. */
  readonly image: string;
  /**
   * Entrypoint.
   * @default - the image's
   */
  readonly command?: string[];
  /**
   * Arguments.
   * @default - none
   */
  readonly args?: string[];
  /**
   * Inputs: `data` (the pipeline's input data) or `<step>.<output>` of an upstream step (a training
   * step's only output is `model`).
   * @default - none
   */
  readonly inputs?: string[];
  /**
   * Named outputs (processing steps); training steps always output `model`.
   * @default - none
   */
  readonly outputs?: string[];
  /**
   * Instance type on AWS.
   * @default 'ml.m5.xlarge'
   */
  readonly instanceType?: string;
  /**
   * Instances.
   * @default 1
   */
  readonly instanceCount?: number;
  /**
   * GPU model for the step on Kubernetes (the node pool must offer it).
   * @default - no GPU
   */
  readonly gpu?: GpuModel;
  /**
   * GPUs per instance / pod.
   * @default - 1 when `gpu` is set
   */
  readonly gpuCount?: number;
  /**
   * Storage volume, GiB.
   * @default 30
   */
  readonly volumeSizeGiB?: number;
  /**
   * Environment variables.
   * @default - none
   */
  readonly environment?: Record<string, string>;
}

/** One step of a training pipeline. */
export interface PipelineStep extends PipelineStepBase {
  /**
   * Longest run: whole seconds from a minute to 28 days (`Duration` of aws-cdk-lib or cdk8s;
   * SageMaker's StoppingCondition, Argo's activeDeadlineSeconds).
   * @default Duration.days(1)
   */
  readonly maxRuntime?: IDuration;
}

/** The go/no-go gate between evaluation and registration. */
export interface PipelineGate {
  /** Name of the step that writes the evaluation report (a processing step with output `evaluation`). */
  readonly evaluationStep: string;
  /** JSON path of the metric in the report, e.g. `metrics.auc.value`. */
  readonly metric: string;
  /** Comparison. */
  readonly comparison: GateComparison;
  /** Threshold the metric must meet. */
  readonly threshold: number;
  /**
   * Also require the metric to be at least as good as the current production model's, passed to
   * each run as the `ProductionMetric` parameter (the threshold when not given).
   * @default false
   */
  readonly compareToProduction?: boolean;
  /**
   * File name of the report in the `evaluation` output.
   * @default 'evaluation.json'
   */
  readonly reportFile?: string;
}

/** A training pipeline: steps, gate, and the image that serves what it trains. */
export interface PipelineSpec {
  /** The steps (validate → preprocess → train → evaluate …), in any order: the DAG comes from inputs. */
  readonly steps: PipelineStep[];
  /** The gate; registration only happens when it passes. */
  readonly gate: PipelineGate;
  /** Inference image of the registered model, pinned by digest and different from the training image. */
  readonly inferenceImage: string;
}

/** Name of the pipeline's input data in step inputs. */
export const DATA_INPUT = 'data';
/** Output of a training step. */
export const MODEL_OUTPUT = 'model';
/** Output holding the evaluation report. */
export const EVALUATION_OUTPUT = 'evaluation';

/** Scratch volume of a step when none is given, GiB (both targets). */
export const DEFAULT_STEP_VOLUME_GIB = 30;

/** Longest a step may run when none is given, seconds: a day (SageMaker StoppingCondition, Argo activeDeadlineSeconds). */
export const DEFAULT_STEP_MAX_RUNTIME_SECONDS = 86400;

/** The evaluation report the gate reads when none is named. */
export const DEFAULT_REPORT_FILE = 'evaluation.json';

const NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,47}$/;
const pinned = (allowed: string) =>
  z.string().superRefine(unlessToken((ref, ctx) => {
    const problem = checkImage(ref, { allowPinnedTag: false, allowMutableTag: false });
    if (problem) {
      ctx.addIssue({ code: 'custom', message: `${problem} (${allowed})` });
    }
  }));

const stepShape = {
  name: z.string().regex(NAME, 'must be 1-48 letters, digits, "-" or "_", starting with a letter or digit'),
  kind: z.enum(StepKind),
  image: pinned('reproducible training'),
  command: z.array(z.string()).optional(),
  args: z.array(z.string()).optional(),
  inputs: z.array(z.string().regex(/^(data|[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)$/, 'must be "data" or "<step>.<output>"')).optional(),
  outputs: z.array(z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be letters, digits, "-" or "_"')).optional(),
  instanceType: z.string().regex(/^ml\.[a-z0-9]+\.[a-z0-9]+$/, 'must be a SageMaker instance type such as ml.m5.xlarge').optional(),
  instanceCount: z.number().int().min(1).max(100).optional(),
  gpu: z.enum(GpuModel).optional(),
  gpuCount: z.number().int().min(1).max(16).optional(),
  volumeSizeGiB: z.number().int().min(1).max(16384).optional(),
};
const environment = z.record(z.string(), z.string()).optional();

// The longest run in whole seconds: at least a minute, at most 28 days (SageMaker's MaxRuntimeInSeconds bound).
const maxRuntimeSeconds = durationIn('seconds', z.number()).int('must be whole seconds').min(60, 'must be at least a minute').max(28 * 86400, 'must be at most 28 days').optional();

function stepRules(s: { kind: StepKind; outputs?: string[]; gpu?: GpuModel; instanceType?: string }, ctx: z.RefinementCtx): void {
  if (s.kind === StepKind.TRAINING && s.outputs?.length) {
    ctx.addIssue({ code: 'custom', path: ['outputs'], message: 'must not be set on a training step (its output is "model")' });
  }
  if (s.gpu && s.instanceType && GpuCatalog.forInstanceType(s.instanceType)?.gpu !== s.gpu) {
    ctx.addIssue({ code: 'custom', path: ['instanceType'], message: `must have ${s.gpu} GPUs when gpu is ${s.gpu}` });
  }
}

/** @internal one step of a pipeline, as `PipelineSpec.steps` and `addStep` take it (`maxRuntime` in seconds: `plainStep`) */
export const pipelineStepSchema = z.strictObject({ ...stepShape, maxRuntime: maxRuntimeSeconds, environment }).superRefine(unlessToken(stepRules));

/** @internal one step of a platform spec document's pipeline (`maxRuntimeSeconds`) */
export const platformPipelineStepSchema = z.strictObject({ ...stepShape, maxRuntimeSeconds, environment }).superRefine(unlessToken(stepRules));

/** @internal a step as its schema validates it: the Duration in seconds */
export function plainStep(step: PipelineStep): Record<string, unknown> {
  return { ...step, maxRuntime: secondsOf(step.maxRuntime) };
}

/** @internal a pipeline spec as its schema validates it, with the steps given (default: its own) */
export function plainPipelineSpec(spec: PipelineSpec, steps: readonly PipelineStep[] = spec.steps): Record<string, unknown> {
  return { ...spec, steps: steps.map(plainStep) };
}

const gateSchema = z.strictObject({
  evaluationStep: z.string(),
  metric: z.string().regex(/^[A-Za-z0-9_]+(\.[A-Za-z0-9_]+|\[\d+\])*$/, 'must be a JSON path such as metrics.auc.value'),
  comparison: z.enum(GateComparison),
  threshold: z.number().refine(Number.isFinite, 'must be a finite number'),
  compareToProduction: z.boolean().optional(),
  reportFile: z.string().regex(/^[A-Za-z0-9_.-]+\.json$/, 'must be a .json file name').optional(),
});

type StepLike = { name: string; kind: StepKind; image: string; inputs?: string[]; outputs?: string[] };

/** The rules of a whole pipeline: unique names, inputs produced upstream, a DAG, one training step, the gate after it. */
function pipelineRules(p: { steps: StepLike[]; gate: { evaluationStep: string }; inferenceImage: string }, ctx: z.RefinementCtx): void {
  const steps = p.steps ?? [];
  const byName = new Map<string, (typeof steps)[number]>();
  steps.forEach((s, i) => {
    if (byName.has(s.name)) {
      ctx.addIssue({ code: 'custom', path: ['steps', i, 'name'], message: `must be unique; "${s.name}" is used twice` });
    }
    byName.set(s.name, s);
  });
  const outputsOf = (s: (typeof steps)[number]) => (s.kind === StepKind.TRAINING ? [MODEL_OUTPUT] : s.outputs ?? []);
  // Every input produced upstream.
  steps.forEach((s, i) => {
    (s.inputs ?? []).forEach((input, j) => {
      if (input === DATA_INPUT) {
        return;
      }
      const [from, output] = input.split('.');
      const producer = byName.get(from);
      if (!producer || !outputsOf(producer).includes(output)) {
        ctx.addIssue({ code: 'custom', path: ['steps', i, 'inputs', j], message: `must be produced by an upstream step; no step outputs "${input}"` });
      } else if (from === s.name) {
        ctx.addIssue({ code: 'custom', path: ['steps', i, 'inputs', j], message: 'must not read its own output' });
      }
    });
  });
  // No cycles.
  const cycle = findCycle(steps.map((s) => ({ name: s.name, deps: dependencies(s) })));
  if (cycle) {
    ctx.addIssue({ code: 'custom', path: ['steps'], message: `must form a DAG; cycle ${cycle.join(' → ')}` });
  }
  // Training and evaluation exist, the gate reads the evaluation report, after training.
  const training = steps.filter((s) => s.kind === StepKind.TRAINING);
  if (training.length !== 1) {
    ctx.addIssue({ code: 'custom', path: ['steps'], message: `must have exactly one training step (its model is registered); got ${training.length}` });
  }
  const evaluation = byName.get(p.gate?.evaluationStep);
  if (!evaluation || evaluation.kind !== StepKind.PROCESSING || !outputsOf(evaluation).includes(EVALUATION_OUTPUT)) {
    ctx.addIssue({ code: 'custom', path: ['gate', 'evaluationStep'], message: `must name a processing step with output "${EVALUATION_OUTPUT}"` });
  } else if (training.length === 1 && !upstreamOf(evaluation.name, steps).has(training[0].name)) {
    ctx.addIssue({ code: 'custom', path: ['gate', 'evaluationStep'], message: `must run after the training step "${training[0].name}" (evaluate what was trained)` });
  }
  const trainingImages = new Set(training.map((s) => s.image));
  if (trainingImages.has(p.inferenceImage)) {
    ctx.addIssue({ code: 'custom', path: ['inferenceImage'], message: 'must differ from the training image (serve a minimal inference image)' });
  }
}

const atLeastTwo = 'must have at least a training step and an evaluation step';

/** @internal a pipeline spec (`maxRuntime` in seconds: `plainPipelineSpec`) */
export const pipelineSpecSchema = z
  .strictObject({ steps: z.array(pipelineStepSchema).min(2, atLeastTwo), gate: gateSchema, inferenceImage: pinned('what is registered is what will serve') })
  .superRefine(unlessToken(pipelineRules));

/** @internal the pipeline of a platform spec document (`maxRuntimeSeconds`) */
export const platformPipelineSpecSchema = z
  .strictObject({ steps: z.array(platformPipelineStepSchema).min(2, atLeastTwo), gate: gateSchema, inferenceImage: pinned('what is registered is what will serve') })
  .superRefine(unlessToken(pipelineRules));

function dependencies(s: { inputs?: string[] }): string[] {
  return (s.inputs ?? []).filter((i) => i !== DATA_INPUT).map((i) => i.split('.')[0]);
}

function upstreamOf(name: string, steps: Array<{ name: string; inputs?: string[] }>): Set<string> {
  const byName = new Map(steps.map((s) => [s.name, s]));
  const seen = new Set<string>();
  const stack = [...dependencies(byName.get(name) ?? {})];
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (!seen.has(n)) {
      seen.add(n);
      stack.push(...dependencies(byName.get(n) ?? {}));
    }
  }
  return seen;
}

/** A cycle in the step graph (as names, first repeated at the end), or undefined. */
export function findCycle(nodes: Array<{ name: string; deps: string[] }>): string[] | undefined {
  const deps = new Map(nodes.map((n) => [n.name, n.deps]));
  const state = new Map<string, 'visiting' | 'done'>();
  const path: string[] = [];
  const visit = (n: string): string[] | undefined => {
    if (state.get(n) === 'done') {
      return undefined;
    }
    if (state.get(n) === 'visiting') {
      return [...path.slice(path.indexOf(n)), n];
    }
    state.set(n, 'visiting');
    path.push(n);
    for (const d of deps.get(n) ?? []) {
      if (deps.has(d)) {
        const c = visit(d);
        if (c) {
          return c;
        }
      }
    }
    path.pop();
    state.set(n, 'done');
    return undefined;
  };
  for (const n of deps.keys()) {
    const c = visit(n);
    if (c) {
      return c;
    }
  }
  return undefined;
}

/** The steps in dependency order (a valid spec has no cycle). */
export function topologicalOrder<T extends { name: string; inputs?: string[] }>(steps: T[]): T[] {
  const byName = new Map(steps.map((s) => [s.name, s]));
  const out: T[] = [];
  const seen = new Set<string>();
  const visit = (s: T) => {
    if (seen.has(s.name)) {
      return;
    }
    seen.add(s.name);
    dependencies(s).forEach((d) => byName.has(d) && visit(byName.get(d)!));
    out.push(s);
  };
  steps.forEach(visit);
  return out;
}
