/**
 * cdk-mlops: an MLOps platform in code, on AWS (aws-cdk-lib) and Kubernetes (cdk8s).
 *
 * - `core`: target-neutral specs and rules (lineage contract, validation error)
 * - `aws`: constructs rendered with aws-cdk-lib
 * - `k8s`: constructs rendered with cdk8s / cdk8s-plus-28
 * - `platform`: the composition of the constructs into one platform
 * - `runtime`: handlers and command-line entry points
 */
export * as core from './core';
export * as aws from './aws';
export * as k8s from './k8s';
export * as platform from './platform';
export * as runtime from './runtime';
