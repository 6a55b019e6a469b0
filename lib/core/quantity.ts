// Kubernetes resource quantities, reduced to numbers so requests and limits can be compared.
// Only the forms accepted by core's cpu/memory schemas are handled.

const BINARY: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40 };

/** Quantity → number of base units (cores or bytes). NaN when unrecognised. */
export function quantityValue(q: string): number {
  const cpu = /^([0-9]+)m$/.exec(q);
  if (cpu) {
    return Number(cpu[1]) / 1000;
  }
  const mem = /^([0-9]+)(Ki|Mi|Gi|Ti)$/.exec(q);
  if (mem) {
    return Number(mem[1]) * BINARY[mem[2]];
  }
  return /^[0-9]+(\.[0-9]+)?$/.test(q) ? Number(q) : NaN;
}

/** Negative, zero or positive as `a` is smaller than, equal to or larger than `b`. */
export function compareQuantities(a: string, b: string): number {
  return quantityValue(a) - quantityValue(b);
}
