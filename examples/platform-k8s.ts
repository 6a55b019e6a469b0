/**
 * MlPlatformChart: the acme platform of examples/platform.yaml on Kubernetes, from the same file as
 * the AWS rendering (examples/platform.ts): GPU node pools and one MLflow in the platform chart, and
 * per model, in a chart of its own, its Argo training pipeline (weekly, and on sustained drift
 * through Alertmanager), its canary-deployed GPU server and its drift job; every alert in the
 * runbook (`chart.runbook()`). The Argo CD Applications deliver the GitOps layout that
 * `npm run synth` writes with `platform.writeGitOps` (cdk.out/gitops: shared/, models/<model>/, argocd/).
 */
import * as path from 'path';
import { App } from 'cdk8s';
import { platform } from '../lib';

/** The platform (its charts: `platform.charts`) and the Argo CD Applications that deliver them. */
export interface PlatformK8sExample {
  readonly platform: platform.MlPlatformChart;
  readonly applications: platform.ArgoCdApplications;
}

export function addPlatformK8sExamples(k8sApp: App): PlatformK8sExample {
  const acme = platform.MlPlatformChart.fromFile(k8sApp, 'platform', path.join(__dirname, 'platform.yaml'));
  const applications = new platform.ArgoCdApplications(k8sApp, 'platform-argocd', {
    platform: acme,
    repoUrl: 'https://github.com/acme/ml-deploy.git',
    targetRevision: 'main',
    path: 'clusters/acme-ml',
  });
  return { platform: acme, applications };
}
