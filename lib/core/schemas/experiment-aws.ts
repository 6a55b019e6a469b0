import { z } from 'zod';
import { ownershipSchema } from '../rollback';
import { knownAtSynthesis, unlessToken } from '../validation';
import { checkExperimentSpec, experimentSpecShape } from './experiment';

/**
 * A CloudWatch namespace the user publishes to: 1-255 characters, not starting with ":", and not
 * in the reserved `AWS/` space. CloudWatch API reference, PutMetricData `Namespace` ("Length
 * Constraints: Minimum length of 1. Maximum length of 255. Pattern: [^:].*"; "The namespace must
 * not begin with AWS/", reserved for AWS services).
 */
export const cloudWatchNamespace = z
  .string()
  .regex(/^[^:][\s\S]{0,254}$/, 'must be a CloudWatch namespace: 1-255 characters, not starting with ":"')
  .refine((ns) => !ns.startsWith('AWS/'), 'must not begin with "AWS/" (reserved for AWS services\' metrics)');

/**
 * A SageMaker production variant name (SageMaker API reference, ProductionVariant `VariantName`:
 * up to 63 characters, `^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}`).
 */
const variantName = z.string().regex(/^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/, 'must be a SageMaker variant name: letters, digits and "-", up to 63 characters');

/** An ISO 8601 UTC time, e.g. 2026-12-01T00:00:00Z. */
const isoTime = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?Z$/, 'must be an ISO 8601 UTC time, e.g. 2026-12-01T00:00:00Z')
  .refine((t) => !Number.isNaN(Date.parse(t)), 'must be a valid date and time');

/** How far the endpoint's challenger share may be from `challengerPercent`, percentage points. */
export const CHALLENGER_SHARE_TOLERANCE_PERCENT = 0.5;

/**
 * @internal the plain shape of `aws.Experiment`'s props: the core experiment spec's keys and rules
 * (`experimentSpecShape`, `checkExperimentSpec`: the same as `k8s.Experiment`'s), the endpoint as the
 * facts the rules need (its serving variants' names and initial weights, read from its endpoint
 * config), construct references as they are.
 */
export const awsExperimentSchema = z
  .strictObject({
    ...experimentSpecShape,
    endpoint: z.strictObject({
      /** The serving variants (primary first), with their initial weights. */
      variants: z.array(z.strictObject({ name: z.string(), weight: z.number() })),
    }),
    controlVariant: variantName.superRefine(knownAtSynthesis('it is checked against the endpoint\'s variants and their weights')),
    challengerVariant: variantName.superRefine(knownAtSynthesis('it is checked against the endpoint\'s variants and their weights')),
    metricsNamespace: cloudWatchNamespace,
    // an events.Schedule: the type system checks it
    analysisSchedule: z.any().optional(),
    startTime: isoTime.optional(),
    alarmOwnership: ownershipSchema.optional(),
    // construct references: the type system checks them
    alarmTopic: z.any().optional(),
    role: z.any().optional(),
  })
  .superRefine(unlessToken((p, ctx) => checkExperimentSpec(p, ctx)))
  .superRefine(unlessToken((props, ctx) => {
    const variants = props.endpoint.variants;
    const names = variants.map((v) => v.name);
    const list = names.join(', ');
    if (!names.includes(props.controlVariant)) {
      ctx.addIssue({ code: 'custom', path: ['controlVariant'], message: `must be a serving variant of the endpoint (${list})` });
    }
    if (!names.includes(props.challengerVariant)) {
      ctx.addIssue({ code: 'custom', path: ['challengerVariant'], message: `must be a serving variant of the endpoint (${list}); add it with variants or addVariant first` });
      return;
    }
    if (props.challengerVariant === props.controlVariant) {
      ctx.addIssue({ code: 'custom', path: ['challengerVariant'], message: 'must differ from controlVariant' });
      return;
    }
    if (!names.includes(props.controlVariant)) {
      return;
    }
    const weight = (name: string) => variants.find((v) => v.name === name)!.weight;
    const [control, challenger] = [weight(props.controlVariant), weight(props.challengerVariant)];
    if (!(challenger > 0)) {
      ctx.addIssue({ code: 'custom', path: ['challengerVariant'], message: `must have a weight above 0 on the endpoint (it has ${challenger}): it would receive no traffic` });
      return;
    }
    // The design's sample sizes assume the split the endpoint serves.
    const share = (100 * challenger) / (control + challenger);
    const planned = typeof props.challengerPercent === 'number' ? props.challengerPercent : 50;
    if (Math.abs(share - planned) > CHALLENGER_SHARE_TOLERANCE_PERCENT) {
      ctx.addIssue({
        code: 'custom',
        path: ['challengerPercent'],
        message: `must match the endpoint's split: the ${props.challengerVariant} variant has ${challenger} of ${control + challenger} of the two variants' weight `
          + `(${share.toFixed(1)} %); set challengerPercent to it or the weights to ${planned} %`,
      });
    }
  }));
