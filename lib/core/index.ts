export * from './errors';
export * from './lineage';
