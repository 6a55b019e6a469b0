import { z } from 'zod';
import { DEPLOY_TIME_SECONDS } from './duration';
import { MlopsValidationError, PropertyNaming, ValidationProblem } from './errors';

/**
 * Tells whether a value is a deploy-time token (aws-cdk-lib `Token.isUnresolved`, or a cdk8s
 * `Lazy`). Core stays target-neutral, so the target layer passes its own predicate in.
 */
export type IsUnresolved = (value: unknown) => boolean;

const neverUnresolved: IsUnresolved = () => false;

/**
 * Validate `input` against `schema` and throw one `MlopsValidationError` listing every problem.
 *
 * Problems whose received value is an unresolved token are dropped: a token cannot be judged
 * before deployment. Defaults are never applied here (constructs apply them with `??`), so the
 * same code path holds whether or not tokens were present.
 */
export function validateOrThrow(
  constructPath: string,
  schema: z.ZodType,
  input: unknown,
  isUnresolved: IsUnresolved = neverUnresolved,
  naming: PropertyNaming = 'api',
): void {
  const problems = collectProblems(constructPath, schema, input, isUnresolved);
  if (problems.length > 0) {
    throw new MlopsValidationError(problems, naming);
  }
}

/**
 * Validate several inputs of one construct (e.g. its props and the stack it renders into), each
 * against its schema, and throw one `MlopsValidationError` listing every problem of all of them.
 */
export function validateAllOrThrow(
  constructPath: string,
  checks: ReadonlyArray<readonly [z.ZodType, unknown]>,
  isUnresolved: IsUnresolved = neverUnresolved,
  naming: PropertyNaming = 'api',
): void {
  const problems = checks.flatMap(([schema, input]) => collectProblems(constructPath, schema, input, isUnresolved));
  if (problems.length > 0) {
    throw new MlopsValidationError(problems, naming);
  }
}

/**
 * Like `validateOrThrow`, but returns the problems instead of throwing.
 */
export function collectProblems(
  constructPath: string,
  schema: z.ZodType,
  input: unknown,
  isUnresolved: IsUnresolved = neverUnresolved,
): ValidationProblem[] {
  // A key present with the value undefined means "not set", as in TypeScript's optional props.
  input = withoutUndefined(input);
  const given = isUnresolved;
  isUnresolved = given === neverUnresolved ? given : (v) => v === DEPLOY_TIME_SECONDS || given(v);
  const unconvertible = pathsOf(input, (v) => v === DEPLOY_TIME_SECONDS).map((path): ValidationProblem => ({
    constructPath,
    property: formatPath(path),
    received: '<deploy-time Duration>',
    allowed: 'must be made with Duration.seconds() when its value is a deploy-time token (one made in minutes, hours or days cannot be converted at synthesis)',
  }));
  // Rules that compare properties (`unlessToken`) read this while the schema runs (synchronously).
  const outer = activeIsUnresolved;
  activeIsUnresolved = isUnresolved;
  let result;
  try {
    result = schema.safeParse(input);
  } finally {
    activeIsUnresolved = outer;
  }
  if (result.success) {
    return unconvertible;
  }
  const problems: ValidationProblem[] = [...unconvertible];
  const reported = new Set(unconvertible.map((p) => p.property));
  for (const issue of result.error.issues) {
    const path = issue.path.filter((k): k is string | number => typeof k !== 'symbol');
    if (issue.code === 'unrecognized_keys') {
      // One problem per unknown key, named by its own path (typos in YAML specs are common).
      for (const key of issue.keys) {
        problems.push({
          constructPath,
          property: formatPath([...path, key]),
          received: renderValue(valueAt(input, [...path, key])),
          allowed: 'is not a known property (check its spelling and nesting)',
        });
      }
      continue;
    }
    const value = valueAt(input, path);
    if (containsUnresolved(value, isUnresolved) && !(issue.code === 'custom' && issue.params?.[NEEDS_VALUE] === true)) {
      continue;
    }
    if (reported.has(formatPath(path))) {
      continue;
    }
    problems.push({
      constructPath,
      property: formatPath(path),
      // A token's text is its placeholder, meaningless to the user; a bad key is shown itself.
      received: issue.code === 'invalid_key' ? renderValue(path[path.length - 1]) : isUnresolved(value) ? '<deploy-time value>' : renderValue(value),
      allowed: describeIssue(issue),
    });
  }
  return problems;
}

/** The token predicate of the validation running now (`collectProblems` sets it). */
let activeIsUnresolved: IsUnresolved = neverUnresolved;

/**
 * Wrap a `superRefine` rule so that it judges no token: the rule stops at the first unresolved
 * value (a number token's placeholder, a string token, a `Lazy`) it reads anywhere in what it was
 * given; the issues it raised before that stand (they did not depend on a token). Stopping, rather
 * than carrying on, also keeps a placeholder out of loops (`100 / step` steps of a token step).
 *
 * The skip by path in `collectProblems` only sees the property an issue is reported on; a rule
 * comparing two properties (`minInstances ≤ maxInstances`, "a canary needs 2 instances") reports
 * on one of them and would compare the other's placeholder (`-1.888e+289`). Reads are tracked
 * through proxies over the plain objects and arrays the rule receives, so every rule is covered
 * whatever it reads, and a rule that never reads a token is judged in full. Every `superRefine` in
 * core goes through this (a test in test/core/validation.test.ts checks the sources).
 */
export function unlessToken<T>(rule: (value: T, ctx: z.RefinementCtx<T>) => void): (value: T, ctx: z.RefinementCtx<T>) => void {
  return (value, ctx) => {
    const isUnresolved = activeIsUnresolved;
    if (isUnresolved === neverUnresolved) {
      rule(value, ctx);
      return;
    }
    const proxies = new WeakMap<object, unknown>();
    const track = (v: unknown): unknown => {
      if (v === undefined || v === null) {
        return v;
      }
      if (isUnresolved(v)) {
        throw TOKEN_READ;
      }
      if (typeof v !== 'object' || !(Array.isArray(v) || Object.getPrototypeOf(v) === Object.prototype)) {
        return v;
      }
      let p = proxies.get(v);
      if (p === undefined) {
        p = new Proxy(v, {
          get: (target, key, receiver) => {
            const got = Reflect.get(target, key, receiver);
            return typeof key === 'symbol' || typeof got === 'function' ? got : track(got);
          },
        });
        proxies.set(v, p);
      }
      return p;
    };
    try {
      rule(track(value) as T, ctx);
    } catch (e) {
      if (e !== TOKEN_READ) {
        throw e;
      }
    }
  };
}

/** Thrown through a rule by `unlessToken` when it reads a token (never escapes the wrapper). */
const TOKEN_READ = Symbol('cdk-mlops.tokenRead');

const NEEDS_VALUE = 'cdk-mlops.needsValueAtSynthesis';

/**
 * A `superRefine` rule for a property whose value the library needs at synthesis (to choose
 * resources, compute an alarm's period, …): a token there is refused, saying why, instead of
 * failing later inside the framework with its placeholder (`-1.888e+289`) in the message.
 *
 * @param why what the value is needed for, e.g. "the GPU count per instance sizes the alarms"
 */
export function knownAtSynthesis<T>(why: string): (value: T, ctx: z.RefinementCtx<T>) => void {
  return (value, ctx) => {
    if (activeIsUnresolved(value)) {
      ctx.addIssue({ code: 'custom', message: `must be known at synthesis, not a deploy-time value (${why})`, params: { [NEEDS_VALUE]: true } });
    }
  };
}

/**
 * Throw one error for problems collected by hand (cross-field rules that need values a schema
 * does not see). Does nothing when the list is empty.
 */
export function throwIfAny(problems: ValidationProblem[], naming: PropertyNaming = 'api'): void {
  if (problems.length > 0) {
    throw new MlopsValidationError(problems, naming);
  }
}

/** A copy of plain objects and arrays without undefined-valued keys (other values are kept as is). */
function withoutUndefined(value: unknown): unknown {
  if (Array.isArray(value)) {
    return value.map(withoutUndefined);
  }
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => [k, withoutUndefined(v)]),
    );
  }
  return value;
}

/** The paths of the leaves of plain objects and arrays that satisfy `test`. */
function pathsOf(value: unknown, test: (v: unknown) => boolean, at: Array<string | number> = []): Array<Array<string | number>> {
  if (test(value)) {
    return [at];
  }
  if (Array.isArray(value)) {
    return value.flatMap((v, i) => pathsOf(v, test, [...at, i]));
  }
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.entries(value).flatMap(([k, v]) => pathsOf(v, test, [...at, k]));
  }
  return [];
}

/** `['a', 0, 'b']` → `a[0].b` */
export function formatPath(path: ReadonlyArray<string | number>): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') {
      out += `[${key}]`;
    } else {
      out += out === '' ? key : `.${key}`;
    }
  }
  return out;
}

/** Compact JSON of a received value, cut to a readable length. */
export function renderValue(value: unknown): string {
  if (value === undefined) {
    return 'undefined';
  }
  let text: string;
  try {
    // NaN and ±Infinity as themselves (JSON would say null), also inside objects and lists.
    const marker = '\u0000num:';
    text = (JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? v.toString() : typeof v === 'number' && !Number.isFinite(v) ? `${marker}${v}` : v)) ?? String(value))
      .replace(/"\\u0000num:([^"]*)"/g, '$1');
  } catch {
    text = String(value);
  }
  if (isConstructLike(value)) {
    text = `<${(value as any).node.path}>`;
  }
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

function isConstructLike(value: unknown): boolean {
  return typeof value === 'object' && value !== null && typeof (value as any).node?.path === 'string';
}

function valueAt(input: unknown, path: ReadonlyArray<string | number>): unknown {
  let cur: any = input;
  for (const key of path) {
    if (cur === null || typeof cur !== 'object') {
      return undefined;
    }
    // Own properties only: an inherited value is not what the user passed (nor what a schema read).
    cur = Object.hasOwn(cur, key) ? cur[key] : undefined;
  }
  return cur;
}

function containsUnresolved(value: unknown, isUnresolved: IsUnresolved): boolean {
  if (isUnresolved(value)) {
    return true;
  }
  if (Array.isArray(value)) {
    return value.some((v) => isUnresolved(v));
  }
  return false;
}

/**
 * Turn a zod issue into "what is allowed". Schemas in core give their own message for anything
 * domain-specific (written as "must …"); the generic zod codes are phrased here.
 */
function describeIssue(issue: z.core.$ZodIssue): string {
  if (issue.message.startsWith('must ') || (issue.code === 'custom' && issue.message.startsWith('is '))) {
    return issue.message;
  }
  switch (issue.code) {
    case 'invalid_type':
      return issue.expected === 'int' ? 'must be a whole number' : `must be ${article(issue.expected)}`;
    case 'invalid_key': {
      // A record's key broke its rule: say the rule (the key itself is the received value).
      const inner = issue.issues[0];
      return `is not an allowed key: ${inner ? describeIssue(inner as z.core.$ZodIssue) : 'invalid'}`;
    }
    case 'too_small':
      return describeBound(issue.origin, issue.minimum, issue.inclusive ?? true, 'least');
    case 'too_big':
      return describeBound(issue.origin, issue.maximum, issue.inclusive ?? true, 'most');
    case 'invalid_value':
      return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(' | ')}`;
    case 'invalid_format':
      return `must match the ${issue.format} format${'pattern' in issue && issue.pattern ? ` ${issue.pattern}` : ''}`;
    case 'not_multiple_of':
      return `must be a multiple of ${String(issue.divisor)}`;
    default:
      return `is invalid (${issue.message})`;
  }
}

function describeBound(origin: string, bound: unknown, inclusive: boolean, word: 'least' | 'most'): string {
  if (Math.abs(Number(bound)) === Number.MAX_SAFE_INTEGER) {
    // zod's bound of whole numbers, not a rule of ours.
    return `must be a whole number between -${Number.MAX_SAFE_INTEGER} and ${Number.MAX_SAFE_INTEGER}`;
  }
  const n = String(bound);
  switch (origin) {
    case 'string':
      return `must have at ${word} ${n} characters`;
    case 'array':
    case 'set':
      return `must have at ${word} ${n} items`;
    default:
      if (word === 'least') {
        return inclusive ? `must be at least ${n}` : `must be greater than ${n}`;
      }
      return inclusive ? `must be at most ${n}` : `must be less than ${n}`;
  }
}

function article(expected: string): string {
  return /^[aeiou]/.test(expected) ? `an ${expected}` : `a ${expected}`;
}
