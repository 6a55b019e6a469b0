export * from './errors';
export * from './gpu-catalog';
export * from './lineage';
export * from './rollback';
export * from './rollout';
