export * from './compute-resources';
export * from './model-registry';
