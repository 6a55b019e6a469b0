export * from './spec';
export * from './layout';
