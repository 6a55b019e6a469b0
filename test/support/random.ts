/**
 * Deterministic uniform numbers in [0, 1) from a seed (mulberry32), so that a test with random
 * data reproduces its failure.
 */
/* eslint-disable no-bitwise -- mulberry32 is defined in 32-bit integer operations. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
/* eslint-enable no-bitwise */
