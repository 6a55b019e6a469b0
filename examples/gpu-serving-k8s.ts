/**
 * GPU serving on Kubernetes: two Karpenter GPU pools (A10G time-sliced 4 ways for small models,
 * A100 80GB partitioned with MIG) and a canary-deployed model server with Argo Rollouts; the same
 * server rendered as a KServe InferenceService for teams on KServe.
 */
import { Chart, ChartProps, Duration } from 'cdk8s';
import { Construct } from 'constructs';
import { core, k8s } from '../lib';
import { FRAUD_COST, FRAUD_ONCALL, SHARED_COST } from './shared';

const ONCALL = FRAUD_ONCALL;
const IMAGE = `123456789012.dkr.ecr.eu-west-1.amazonaws.com/fraud/triton@sha256:${'e5'.repeat(32)}`;

export class GpuPoolsExampleChart extends Chart {
  public readonly shared: k8s.GpuNodePool;
  public readonly mig: k8s.GpuNodePool;
  public readonly training: k8s.GpuNodePool;

  constructor(scope: Construct, id: string, props?: ChartProps) {
    super(scope, id, props);
    // Cost allocation: what the models share (model=shared), billed to the platform team.
    k8s.CostAllocation.apply(this, SHARED_COST);
    this.shared = new k8s.GpuNodePool(this, 'SharedA10G', {
      gpu: core.GpuModel.A10G,
      clusterName: 'ml-platform',
      nodeRole: 'KarpenterNodeRole-ml-platform',
      sharing: k8s.GpuSharing.timeSlicing(4),
      capacityTypes: [k8s.CapacityType.ON_DEMAND, k8s.CapacityType.SPOT],
      maxGpus: 16,
      modelWeightsGiB: 8,
    });
    this.mig = new k8s.GpuNodePool(this, 'MigA100', {
      gpu: core.GpuModel.A100_80GB,
      clusterName: 'ml-platform',
      nodeRole: 'KarpenterNodeRole-ml-platform',
      sharing: k8s.GpuSharing.mig('1g.10gb'),
      maxGpus: 8,
    });
    // Training is restartable: whole GPUs, spot first, on-demand when spot is short.
    this.training = new k8s.GpuNodePool(this, 'TrainingA10G', {
      gpu: core.GpuModel.A10G,
      name: 'gpu-a10g-training',
      clusterName: 'ml-platform',
      nodeRole: 'KarpenterNodeRole-ml-platform',
      capacityTypes: [k8s.CapacityType.SPOT, k8s.CapacityType.ON_DEMAND],
      maxGpus: 8,
      consolidateAfter: Duration.minutes(5),
    });
  }
}

export class GpuServingK8sExampleChart extends Chart {
  constructor(scope: Construct, id: string, pools: GpuPoolsExampleChart, props?: ChartProps) {
    super(scope, id, props);
    // Cost allocation: every resource below is billed to the fraud model, its owner and the platform.
    k8s.CostAllocation.apply(this, FRAUD_COST);
    const common = {
      image: IMAGE,
      resources: { cpuRequest: '2', cpuLimit: '4', memoryRequest: '8Gi', memoryLimit: '16Gi' },
      alarmOwnership: ONCALL,
      modelSizeGiB: 6,
      // Triton exports nv_inference_* on 8002; the p99 trigger reads its latency summary, exported
      // only with summary_latencies=true.
      args: ['tritonserver', '--model-repository=s3://acme-ml-models/fraud/repository', '--http-port=8080', '--metrics-config=summary_latencies=true'],
      metricsPreset: core.ServingMetrics.TRITON,
      rollbackTriggers: [
        core.RollbackTrigger.errorRate({ maxPercent: 1 }),
        core.RollbackTrigger.p99Latency({ maxMillis: 300 }),
        core.RollbackTrigger.metric({
          name: 'conversion-rate',
          threshold: 2,
          comparison: core.ThresholdComparison.LESS_THAN,
          prometheusQuery: 'sum(rate(checkout_conversions_total[10m])) / sum(rate(checkout_sessions_total[10m])) * 100',
          owner: 'checkout-analytics',
          runbookUrl: 'https://runbooks.example.com/checkout/conversion-drop',
        }),
      ],
      prometheusRuleLabels: { release: 'kube-prometheus-stack' },
      allowedClientNamespaces: ['checkout'],
    };
    // Staged canary 5% → 25% → 50% → 100% with Argo Rollouts on the time-sliced pool.
    new k8s.GpuServingEndpoint(this, 'Fraud', {
      ...common,
      nodePool: pools.shared,
      replicas: 4,
      maxReplicas: 12,
      // On a time-sliced GPU the utilisation is the whole GPU's: scale on requests (KEDA, Triton's counters).
      targetRequestsPerSecond: 40,
      rollout: core.RolloutPolicy.staged({
        steps: [
          { percent: 5, bake: Duration.minutes(10) },
          { percent: 25, bake: Duration.minutes(10) },
          { percent: 50, bake: Duration.minutes(15) },
          { percent: 100 },
        ],
      }),
    });
    // Drift of the fraud server's traffic, hourly, with the same thresholds as on AWS.
    new k8s.DriftMonitor(this, 'FraudDrift', {
      endpointName: 'fraud',
      image: `123456789012.dkr.ecr.eu-west-1.amazonaws.com/cdk-mlops/drift-job@sha256:${'a7'.repeat(32)}`,
      captureUri: 's3://acme-ml-capture/fraud',
      baselineUri: 's3://acme-ml-baselines/fraud/v42/baseline.json',
      features: ['amount', 'merchant_risk', 'country'],
      alarmOwnership: ONCALL,
      pushgatewayUrl: 'http://pushgateway.monitoring.svc.cluster.local:9091',
      serviceAccountRoleArn: 'arn:aws:iam::123456789012:role/drift-job',
      prometheusRuleLabels: { release: 'kube-prometheus-stack' },
      // Compared with the week before each window, so slow seasonal change does not page.
      reference: core.DriftReference.ROLLING_WINDOW,
    });
    // The same server as a KServe InferenceService (Serverless mode: canary 10%) on MIG slices.
    new k8s.GpuServingEndpoint(this, 'FraudKserve', {
      ...common,
      name: 'fraud-kserve',
      namespace: 'serving-kserve',
      nodePool: pools.mig,
      renderer: k8s.ServingRenderer.KSERVE,
      rollout: core.RolloutPolicy.canary({ percent: 10 }),
    });
  }
}

export function addGpuServingK8sExamples(k8sApp: import('cdk8s').App): { pools: GpuPoolsExampleChart; charts: Chart[] } {
  const pools = new GpuPoolsExampleChart(k8sApp, 'gpu-node-pools');
  return { pools, charts: [pools, new GpuServingK8sExampleChart(k8sApp, 'gpu-serving', pools)] };
}
