import { z } from 'zod';

/**
 * `Duration` props as the schemas see them, and as messages show them (issue 14).
 *
 * A construct's schema validates a `Duration` prop as a number (seconds, or days for S3 lifecycle
 * expirations), under the prop's own name. The number is not what the user wrote: a message saying
 * `window must be a whole number of minutes; got 90` for `Duration.minutes(1.5)` reads as 90 minutes.
 * Each such schema node is registered here with its unit, so the target's `validateProps` can show
 * the received value as a duration (`got Duration 1 minute 30 seconds`).
 */
export type DurationUnit = 'seconds' | 'days';

const DURATIONS = z.registry<{ unit: DurationUnit }>();

/** @internal Mark a schema node as a `Duration` prop validated in `unit` (returns the same node). */
export function durationIn<T extends z.ZodType>(unit: DurationUnit, schema: T): T {
  DURATIONS.add(schema, { unit });
  return schema;
}

/**
 * @internal The unit of the `Duration` prop a schema validates at `path`, or undefined when the
 * node there is not a registered `Duration` (through objects, arrays, records, optionals, pipes,
 * unions and lazy schemas).
 */
export function durationUnitAt(schema: z.ZodType, path: ReadonlyArray<string | number>): DurationUnit | undefined {
  const nodes = nodesAt(schema, path, 0);
  for (const node of nodes) {
    const unit = unitOf(node);
    if (unit) return unit;
  }
  return undefined;
}

/** The registered unit of a node or of what it wraps. */
function unitOf(node: z.ZodType): DurationUnit | undefined {
  let s: any = node;
  for (let depth = 0; depth < 10 && s; depth++) {
    const meta = DURATIONS.get(s);
    if (meta) return meta.unit;
    const def = s._zod?.def;
    s = def?.type === 'pipe' ? def.in : def?.innerType;
  }
  return undefined;
}

function nodesAt(schema: z.ZodType, path: ReadonlyArray<string | number>, depth: number): z.ZodType[] {
  if (depth > 40) return [];
  let s: any = schema;
  const def = s._zod?.def;
  if (!def) return [];
  switch (def.type) {
    case 'optional':
    case 'nullable':
    case 'default':
    case 'prefault':
    case 'readonly':
    case 'nonoptional':
    case 'catch':
      return [...(DURATIONS.has(s) && path.length === 0 ? [s] : []), ...nodesAt(def.innerType, path, depth + 1)];
    case 'pipe':
      return nodesAt(def.in, path, depth + 1);
    case 'lazy':
      return nodesAt(def.getter(), path, depth + 1);
    case 'union':
      return def.options.flatMap((o: z.ZodType) => nodesAt(o, path, depth + 1));
    case 'intersection':
      return [...nodesAt(def.left, path, depth + 1), ...nodesAt(def.right, path, depth + 1)];
    default:
      break;
  }
  if (path.length === 0) return [s];
  const [key, ...rest] = path;
  switch (def.type) {
    case 'object':
      return def.shape[key] ? nodesAt(def.shape[key], rest, depth + 1) : [];
    case 'array':
      return typeof key === 'number' ? nodesAt(def.element, rest, depth + 1) : [];
    case 'record':
      return nodesAt(def.valueType, rest, depth + 1);
    default:
      return [];
  }
}

/**
 * @internal A received value (as `renderValue` wrote it) of a `Duration` prop, as a duration:
 * `90` seconds → `Duration 1 minute 30 seconds`. Anything that is not a finite number is returned
 * as it was.
 */
export function renderDuration(received: string, unit: DurationUnit): string {
  const n = Number(received);
  if (!/^-?\d+(\.\d+)?(e[-+]?\d+)?$/i.test(received) || !Number.isFinite(n)) {
    return received;
  }
  const total = unit === 'days' ? n * 86400 : n;
  if (total === 0) return 'Duration 0 seconds';
  const parts: string[] = [];
  let rest = Math.abs(total);
  for (const [name, size] of [['day', 86400], ['hour', 3600], ['minute', 60]] as const) {
    const whole = Math.floor(rest / size + 1e-9);
    if (whole > 0) {
      parts.push(`${whole} ${name}${whole === 1 ? '' : 's'}`);
      rest -= whole * size;
    }
  }
  const secs = Math.round(rest * 1000) / 1000;
  if (secs > 0) {
    parts.push(`${secs} second${secs === 1 ? '' : 's'}`);
  }
  return `Duration ${total < 0 ? '-' : ''}${parts.join(' ')}`;
}
