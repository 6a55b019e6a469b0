export * from './spec';
export * from './burn-rate';
