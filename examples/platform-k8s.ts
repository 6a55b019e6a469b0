/**
 * MlPlatformChart: the acme platform of examples/platform.yaml on Kubernetes, from the same file as
 * the AWS rendering (examples/platform.ts): GPU node pools, one MLflow, and per model its Argo
 * training pipeline (weekly, and on sustained drift through Alertmanager), its canary-deployed GPU
 * server and its drift job; every alert in the runbook (`chart.runbook()`).
 */
import * as path from 'path';
import { App } from 'cdk8s';
import { platform } from '../lib';

export function addPlatformK8sExamples(k8sApp: App): platform.MlPlatformChart {
  return platform.MlPlatformChart.fromFile(k8sApp, 'platform', path.join(__dirname, 'platform.yaml'));
}
