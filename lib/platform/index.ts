export * from './ml-platform';
export * from './platform-model';
