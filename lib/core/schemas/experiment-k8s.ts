import { z } from 'zod';
import { durationIn } from './duration-value';
import { checkExperimentSpec, experimentSpecShape } from './experiment';
import { checkImage } from '../image';
import { unlessToken } from '../validation';

/**
 * Analyses of a Kubernetes experiment: at most one a day is what a sequential test needs (its
 * always-valid p-value may be looked at after every analysis; a business cycle is a day), at least
 * one an hour (each analysis is one Prometheus query per arm; more often decides nothing sooner).
 */
export const MIN_EXPERIMENT_ANALYSIS_SECONDS = 3600;
/** The guardrails' measurement interval bounds (a rollback trigger's period is 1–10 minutes the same way). */
export const MIN_GUARDRAIL_INTERVAL_SECONDS = 60;
export const MAX_GUARDRAIL_INTERVAL_SECONDS = 3600;

/**
 * The Kubernetes-only props of `k8s.Experiment` (beside the ExperimentSpec's, judged by the
 * experiment spec's shape and rules: `experimentSpecShape`, `checkExperimentSpec`).
 * @internal
 */
export const k8sExperimentFields = {
  /**
   * The k8s `GpuServingEndpoint` (the type system checks it). KServe is refused: an
   * InferenceService has one canary percentage promoted by hand, no analysis to run the decision
   * in and nothing that aborts on a guardrail.
   */
  endpoint: z.any().superRefine(unlessToken((e: any, ctx) => {
    const target = typeof e?._experimentTarget === 'function' ? e._experimentTarget() : undefined;
    if (target?.renderer === 'KSERVE') {
      ctx.addIssue({
        code: 'custom',
        message: 'must be an ARGO_ROLLOUT endpoint: a KServe InferenceService has no analysis to run the decision in and nothing aborts it on a guardrail (render the endpoint with ServingRenderer.ARGO_ROLLOUT)',
      });
    }
  })),
  challengerModelUri: z.string().superRefine(unlessToken((uri: string, ctx) => {
    if (!/^[a-z][a-z0-9+.-]*:\/\/\S+$/.test(uri)) {
      ctx.addIssue({ code: 'custom', message: 'must be a model URI with a scheme (s3://bucket/key, models:/name/3, https://…)' });
    }
  })),
  image: z.string(),
  allowMutableImageTag: z.boolean().optional(),
  prometheusUrl: z.string().regex(/^https?:\/\/[^\s/]+(\/\S*)?$/, 'must be an http(s) URL (Prometheus\' HTTP API base, e.g. http://prometheus-operated.monitoring.svc:9090)').optional(),
  analysisInterval: durationIn('seconds', z.number())
    .refine((s) => s >= MIN_EXPERIMENT_ANALYSIS_SECONDS && s <= 86400, 'must be between 1 hour and 1 day')
    .optional(),
  guardrailInterval: durationIn('seconds', z.number())
    .refine((s) => Number.isInteger(s) && s >= MIN_GUARDRAIL_INTERVAL_SECONDS && s <= MAX_GUARDRAIL_INTERVAL_SECONDS, 'must be a whole number of seconds between 1 minute and 1 hour')
    .optional(),
  variantHeader: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be an HTTP header name in lowercase letters, digits and "-"').optional(),
};

/** The image rule: pinned by digest unless `allowMutableImageTag`. @internal */
export function refineExperimentImage(props: { image?: unknown; allowMutableImageTag?: boolean }, ctx: z.RefinementCtx<any>): void {
  if (typeof props.image !== 'string') return;
  const problem = checkImage(props.image, { allowPinnedTag: false, allowMutableTag: props.allowMutableImageTag === true });
  if (problem) {
    ctx.addIssue({ code: 'custom', path: ['image'], message: problem });
  }
}

/**
 * Plain shape of `k8s.Experiment`'s props: the ExperimentSpec (its shape and cross-field rules, the
 * same as aws.Experiment's) plus the Kubernetes props (Durations as seconds).
 * @internal
 */
export const k8sExperimentSchema = z.strictObject({ ...experimentSpecShape, ...k8sExperimentFields }).superRefine(unlessToken((p: any, ctx) => {
  checkExperimentSpec(p, ctx);
  refineExperimentImage(p, ctx);
}));
