import { MlopsValidationError, ValidationProblem } from '../../core/errors';
import { formatPath, renderValue } from '../../core/validation';

/**
 * Refuse a spec document whose data contains itself. YAML lets an alias sit inside its own anchor
 * (`kubernetes: &k { nodePools: *k }`); parsed, that is a value that is its own ancestor, which no
 * schema can walk (found by the spec fuzz test: a stack overflow instead of the library's error).
 * Aliases elsewhere (a value repeated, not nested in itself) are fine.
 *
 * @param value the parsed document
 * @param where the construct path to name
 * @param locate adds the document's line and column to a problem
 */
export function rejectSelfReference(value: unknown, where: string, locate: (p: ValidationProblem) => ValidationProblem): void {
  const loop = selfReference(value);
  if (loop) {
    throw new MlopsValidationError([locate({
      constructPath: where,
      property: formatPath(loop.at),
      received: renderValue(`*alias of ${loop.of.length === 0 ? 'the whole document' : formatPath(loop.of)}`),
      allowed: 'must not contain itself (a YAML alias inside its own anchor)',
    })], 'document');
  }
}

/** The first value found inside itself: where it is, and which of its ancestors it repeats. */
function selfReference(value: unknown): { at: Array<string | number>; of: Array<string | number> } | undefined {
  const ancestors = new Map<object, Array<string | number>>();
  const visit = (v: unknown, at: Array<string | number>): { at: Array<string | number>; of: Array<string | number> } | undefined => {
    if (v === null || typeof v !== 'object') {
      return undefined;
    }
    const seen = ancestors.get(v);
    if (seen) {
      return { at, of: seen };
    }
    ancestors.set(v, at);
    const entries: Array<[string | number, unknown]> = Array.isArray(v) ? [...v.entries()] : Object.entries(v);
    for (const [k, child] of entries) {
      const found = visit(child, [...at, k]);
      if (found) {
        return found;
      }
    }
    ancestors.delete(v);
    return undefined;
  };
  return visit(value, []);
}
