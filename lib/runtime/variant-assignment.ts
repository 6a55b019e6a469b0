/* eslint-disable no-bitwise -- MurmurHash3 is defined in 32-bit integer operations. */
/**
 * Sticky A/B assignment: the same user id always lands on the same variant, and over many ids the
 * split matches the weights. Dependency-free so it runs in a Lambda, a web server or a notebook;
 * its result is what to send as `TargetVariant` to `InvokeEndpoint`.
 */

import { MlopsValidationError } from '../core/errors';

/** A variant and its relative weight. */
export interface VariantWeight {
  /** Variant name (the SageMaker production variant name). */
  readonly name: string;
  /** Relative weight, greater than 0. */
  readonly weight: number;
}

/** Assigns ids to variants by stable hashing. */
export class VariantAssignment {
  /**
   * The variant for `id`. Deterministic for the same id, variants (in the same order) and salt.
   *
   * @param id a stable id of the unit of assignment (user id, account id)
   * @param variants the variants and their weights
   * @param salt changes the assignment for a new experiment without renaming variants
   */
  public static assign(id: string, variants: VariantWeight[], salt: string = ''): string {
    const where = 'VariantAssignment.assign';
    if (variants.length === 0) {
      throw new MlopsValidationError([{ constructPath: where, property: 'variants', received: '[]', allowed: 'must not be empty' }]);
    }
    let total = 0;
    const problems = variants.flatMap((v, i) =>
      v.weight > 0 && Number.isFinite(v.weight)
        ? []
        : [{ constructPath: where, property: `variants[${i}].weight`, received: String(v.weight), allowed: 'must be a finite number greater than 0' }],
    );
    if (problems.length > 0) {
      throw new MlopsValidationError(problems);
    }
    for (const v of variants) {
      total += v.weight;
    }
    const point = VariantAssignment.unitHash(`${salt}:${id}`) * total;
    let acc = 0;
    for (const v of variants) {
      acc += v.weight;
      if (point < acc) {
        return v.name;
      }
    }
    return variants[variants.length - 1].name;
  }

  /**
   * A uniform value in [0, 1) from a string: MurmurHash3 (x86, 32-bit) of its UTF-8 bytes,
   * divided by 2^32.
   */
  public static unitHash(text: string): number {
    return murmur3(utf8(text)) / 2 ** 32;
  }

  private constructor() {}
}

function utf8(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

/** MurmurHash3 x86_32 (Austin Appleby, public domain), seed 0. */
function murmur3(bytes: Uint8Array, seed = 0): number {
  const c1 = 0xcc9e2d51;
  const c2 = 0x1b873593;
  let h = seed >>> 0;
  const blocks = bytes.length >>> 2;
  for (let i = 0; i < blocks; i++) {
    const o = i * 4;
    let k = bytes[o] | (bytes[o + 1] << 8) | (bytes[o + 2] << 16) | (bytes[o + 3] << 24);
    k = Math.imul(k, c1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, c2);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  // Tail: the last 1-3 bytes, little-endian.
  const tail = blocks * 4;
  const rest = bytes.length & 3;
  if (rest > 0) {
    let k = 0;
    for (let i = rest - 1; i >= 0; i--) {
      k = (k << 8) | bytes[tail + i];
    }
    k = Math.imul(k, c1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, c2);
    h ^= k;
  }
  h ^= bytes.length;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
