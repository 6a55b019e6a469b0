import { z } from 'zod';
import { BATCH_CONTENT_TYPES, MAX_BATCH_CONCURRENCY } from '../batch/layout';
import { unlessToken } from '../validation';

// The BatchScoringSpec's rules (lib/core/batch/spec.ts), for aws.BatchScoring, k8s.BatchScoring
// and the platform's `batch` section. Keys are the spec's keys.

const s3Prefix = z.string().regex(/^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]\/(\S+\/)?$/, 'must be s3://bucket/prefix/ (ending in "/")');

/** @internal the BatchScoringSpec's keys, to spread into a construct's or the platform's strict object */
export const batchScoringSpecShape = {
  name: z.string().regex(/^[a-z0-9]([a-z0-9-]{0,38}[a-z0-9])?$/, 'must be 1–40 lowercase letters, digits or "-"'),
  inputUri: s3Prefix,
  outputUri: s3Prefix,
  hourUtc: z.number().int().min(0).max(23).optional(),
  contentType: z.enum(BATCH_CONTENT_TYPES as [string, ...string[]]).optional(),
  minRecords: z.number().int().min(1).optional(),
  maxConcurrency: z.number().int().min(1).max(MAX_BATCH_CONCURRENCY).optional(),
};

/** @internal rules across the BatchScoringSpec's keys */
export function checkBatchScoringSpec(s: { inputUri?: string; outputUri?: string }, ctx: z.RefinementCtx): void {
  if (typeof s.inputUri !== 'string' || typeof s.outputUri !== 'string') return;
  if (s.outputUri.startsWith(s.inputUri) || s.inputUri.startsWith(s.outputUri)) {
    ctx.addIssue({ code: 'custom', path: ['outputUri'], message: `must not overlap inputUri (${s.inputUri}): scores would land in the data set they are read from` });
  }
}

/** @internal the BatchScoringSpec as one schema */
export const batchScoringSpecSchema = z.strictObject(batchScoringSpecShape).superRefine(unlessToken((s, ctx) => checkBatchScoringSpec(s, ctx)));
