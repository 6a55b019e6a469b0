export * as core from './core';
export * as aws from './aws';
export * as k8s from './k8s';
