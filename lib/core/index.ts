export * from './errors';
export * from './gpu-catalog';
export * from './lineage';
export * from './rollback';
export * from './rollout';
export * from './features';
export * from './point-in-time';
export * from './pipeline';
