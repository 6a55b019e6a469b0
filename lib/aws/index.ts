export * from './model-registry';
export * from './model-source';
export * from './gpu-serving-endpoint';
export * from './staged-rollout-fallback';
export * from './feature-store';
export * from './ml-pipeline';
export * from './drift-monitor';
