export * from './ml-platform';
export * from './platform-model';
export * from './ml-platform-chart';
export * from './kubernetes-platform-model';
export * from './argo-cd-applications';
export * from './eks-ml-platform';
