// Online experiments: the spec, the design (sample size, runtime), sequential and fixed-horizon
// tests, and the one decision both targets run. Pure (zod only, for the input rules).
export * from './spec';
export * from './types';
export * from './experiment-math';
