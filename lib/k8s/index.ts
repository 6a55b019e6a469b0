export * from './compute-resources';
export * from './model-registry';
export * from './gpu-sharing';
export * from './gpu-node-pool';
export * from './gpu-serving-endpoint';
export * from './feature-store';
export * from './ml-pipeline';
export * from './drift-monitor';
