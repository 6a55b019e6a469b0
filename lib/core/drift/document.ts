import { z } from 'zod';
import { ValidationProblem } from '../errors';
import { collectProblems, unlessToken } from '../validation';
import { problem } from './checks';
import { DRIFT_BASELINE_VERSION, DriftBaseline, DriftBaselineColumn, DriftColumnKind, MAX_DRIFT_BINS, OTHER_CATEGORY } from './types';

// The baseline as a JSON document (DRIFT_BASELINE_VERSION): its schema, and the conversions.

// --- the JSON document -----------------------------------------------------------------------

export const buildOptionsSchema = z.strictObject({
  bins: z.number().int().min(2).max(MAX_DRIFT_BINS).optional(),
  maxCategories: z.number().int().min(1).optional(),
});

const count = z.number().int().min(0);

const numericColumnSchema = z.strictObject({
  name: z.string().min(1),
  kind: z.literal(DriftColumnKind.NUMERIC),
  edges: z.array(z.number().nullable()).min(2),
  counts: z.array(count),
}).superRefine(unlessToken((c, ctx) => {
  const last = c.edges.length - 1;
  if (c.edges[0] !== null || c.edges[last] !== null) {
    ctx.addIssue({ code: 'custom', path: ['edges'], message: 'must start and end with null (the open ends, -Infinity and +Infinity)' });
    return;
  }
  for (let i = 1; i < last; i++) {
    const v = c.edges[i];
    if (v === null || !Number.isFinite(v)) {
      ctx.addIssue({ code: 'custom', path: ['edges', i], message: 'must be a finite number (only the two ends are null)' });
      return;
    }
    const prev = c.edges[i - 1];
    if (i > 1 && prev !== null && !(v > prev)) {
      ctx.addIssue({ code: 'custom', path: ['edges', i], message: `must be greater than the previous edge (${prev}): edges are strictly increasing` });
      return;
    }
  }
  if (c.counts.length !== last) {
    ctx.addIssue({ code: 'custom', path: ['counts'], message: `must have one count per bin (${last})` });
  }
}));

const categoricalColumnSchema = z.strictObject({
  name: z.string().min(1),
  kind: z.literal(DriftColumnKind.CATEGORICAL),
  categories: z.array(z.string()).min(1),
  counts: z.array(count),
}).superRefine(unlessToken((c, ctx) => {
  if (c.categories[c.categories.length - 1] !== OTHER_CATEGORY) {
    ctx.addIssue({ code: 'custom', path: ['categories'], message: `must end with ${JSON.stringify(OTHER_CATEGORY)}` });
  }
  const seen = new Set<string>();
  c.categories.forEach((cat, i) => {
    if (seen.has(cat)) {
      ctx.addIssue({ code: 'custom', path: ['categories', i], message: 'must be unique' });
    }
    seen.add(cat);
  });
  if (c.counts.length !== c.categories.length) {
    ctx.addIssue({ code: 'custom', path: ['counts'], message: `must have one count per category (${c.categories.length})` });
  }
}));

export const baselineColumnSchema = z.unknown().superRefine(unlessToken((c, ctx) => {
  // Dispatch on kind by hand, so the problems name the column's own fields rather than a union.
  const kind = c !== null && typeof c === 'object' ? (c as { kind?: unknown }).kind : undefined;
  const schema = kind === DriftColumnKind.NUMERIC ? numericColumnSchema : kind === DriftColumnKind.CATEGORICAL ? categoricalColumnSchema : undefined;
  if (schema === undefined) {
    ctx.addIssue({ code: 'custom', path: ['kind'], message: `must be ${JSON.stringify(DriftColumnKind.NUMERIC)} or ${JSON.stringify(DriftColumnKind.CATEGORICAL)}` });
    return;
  }
  const result = schema.safeParse(c);
  if (!result.success) {
    for (const issue of result.error.issues) {
      ctx.addIssue({ ...issue, path: issue.path } as any);
    }
    return;
  }
  if (!result.data.counts.some((n) => n > 0)) {
    ctx.addIssue({ code: 'custom', path: ['counts'], message: 'must have a total above 0 (a baseline needs training values)' });
  }
}));

const documentSchema = z.strictObject({
  version: z.literal(DRIFT_BASELINE_VERSION),
  features: z.array(baselineColumnSchema).min(1),
  prediction: baselineColumnSchema.optional(),
}).superRefine(unlessToken((d, ctx) => {
  const seen = new Set<string>();
  d.features.forEach((f, i) => {
    const name = (f as { name?: unknown }).name;
    if (typeof name === 'string') {
      if (seen.has(name)) {
        ctx.addIssue({ code: 'custom', path: ['features', i, 'name'], message: 'must be unique among the features' });
      }
      seen.add(name);
    }
  });
}));

interface DocumentColumn {
  readonly name: string;
  readonly kind: DriftColumnKind;
  readonly edges?: Array<number | null>;
  readonly categories?: string[];
  readonly counts: number[];
}

export interface BaselineDocument {
  readonly version: number;
  readonly features: DocumentColumn[];
  readonly prediction?: DocumentColumn;
}

export function documentProblems(path: string, doc: unknown): ValidationProblem[] {
  const version = doc !== null && typeof doc === 'object' ? (doc as { version?: unknown }).version : undefined;
  if (version !== DRIFT_BASELINE_VERSION) {
    // An unknown version is reported alone: the rest of the document follows another format.
    return [problem(path, 'version', version, `must be ${DRIFT_BASELINE_VERSION} (the baseline format this library reads)`)];
  }
  return collectProblems(path, documentSchema, doc);
}

/** The document form of an in-memory column (open ends as null); fields that do not belong are kept, to be reported. */
export function toDocumentColumn(c: DriftBaselineColumn): unknown {
  if (c === null || typeof c !== 'object') {
    return c;
  }
  const { name, kind, cutPoints, categories, counts, ...rest } = c;
  if (kind === DriftColumnKind.NUMERIC && Array.isArray(cutPoints)) {
    return { name, kind, edges: [null, ...cutPoints, null], counts, ...(categories !== undefined ? { categories } : {}), ...rest };
  }
  return { name, kind, categories, counts, ...(cutPoints !== undefined ? { cutPoints } : {}), ...rest };
}

export function toDocument(b: DriftBaseline): unknown {
  if (b === null || typeof b !== 'object') {
    return b;
  }
  return {
    ...b,
    features: Array.isArray(b.features) ? b.features.map(toDocumentColumn) : b.features,
    ...(b.prediction !== undefined ? { prediction: toDocumentColumn(b.prediction) } : {}),
  };
}

export function fromDocumentColumn(c: DocumentColumn): DriftBaselineColumn {
  if (c.kind === DriftColumnKind.NUMERIC) {
    return { name: c.name, kind: c.kind, cutPoints: c.edges!.slice(1, -1) as number[], counts: [...c.counts] };
  }
  return { name: c.name, kind: c.kind, categories: [...c.categories!], counts: [...c.counts] };
}
