/**
 * GpuServingEndpoint on AWS: a canary-deployed fraud model with a shadow challenger, autoscaling
 * and data capture; and an A/B pair of ranking models.
 */
import { Duration, Stack, StackProps } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { FRAUD_COST, FRAUD_ONCALL, accessLogsBucket } from './shared';
import { aws, core } from '../lib';

const ONCALL = FRAUD_ONCALL;
const ECR = '123456789012.dkr.ecr.eu-west-1.amazonaws.com';
const digest = (n: string) => `sha256:${n.repeat(64).slice(0, 64)}`;

export class GpuServingExampleStack extends Stack {
  public readonly fraud: aws.GpuServingEndpoint;
  public readonly ranking: aws.GpuServingEndpoint;
  public readonly drift: aws.DriftMonitor;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    // Cost allocation: every resource below is billed to the fraud model, its owner and the platform.
    aws.CostAllocation.apply(this, FRAUD_COST);
    const topicKey = new kms.Key(this, 'AlarmsKey', { enableKeyRotation: true });
    const alarms = new sns.Topic(this, 'Alarms', { masterKey: topicKey, enforceSSL: true });
    const accessLogs = accessLogsBucket(this);

    // Canary of one of the two instances (50%: SageMaker shifts whole instances) for 10 minutes;
    // rolls back on 5xx > 1%, p99 > 300 ms or conversion < 2%, judged on the new fleet alone.
    this.fraud = new aws.GpuServingEndpoint(this, 'Fraud', {
      model: aws.ModelSource.fromImage({
        image: `${ECR}/fraud/server@${digest('a1')}`,
        modelDataUrl: 's3://acme-ml-models/fraud/v42/model.tar.gz',
      }),
      instanceType: 'ml.g5.xlarge',
      initialInstanceCount: 2,
      alarmOwnership: ONCALL,
      rollout: core.RolloutPolicy.canary({ percent: 50, bake: Duration.minutes(10) }),
      rollbackTriggers: [
        core.RollbackTrigger.errorRate({ maxPercent: 1 }),
        core.RollbackTrigger.p99Latency({ maxMillis: 300 }),
        core.RollbackTrigger.metric({
          name: 'conversion-rate',
          threshold: 2,
          comparison: core.ThresholdComparison.LESS_THAN,
          cloudWatch: { namespace: 'Acme/Checkout', metricName: 'ConversionRate', statistic: 'Average' },
          owner: 'checkout-analytics',
          runbookUrl: 'https://runbooks.example.com/checkout/conversion-drop',
        }),
      ],
      shadow: {
        model: aws.ModelSource.fromImage({
          image: `${ECR}/fraud/server@${digest('b2')}`,
          modelDataUrl: 's3://acme-ml-models/fraud/v43-candidate/model.tar.gz',
        }),
        samplingPercent: 20,
      },
      autoscaling: { minInstances: 2, maxInstances: 8, targetInvocationsPerInstance: 600, targetGpuUtilizationPercent: 70 },
      dataCapture: { samplingPercent: 20, serverAccessLogsBucket: accessLogs },
      modelSizeGiB: 12,
      alarmTopic: alarms,
    });

    // A/B: two ranking models, 50/50, each answering the users the sticky assignment sends it.
    this.ranking = new aws.GpuServingEndpoint(this, 'Ranking', {
      model: aws.ModelSource.fromImage({ image: `${ECR}/ranking/server@${digest('c3')}` }),
      instanceType: 'ml.g6.2xlarge',
      variantName: 'control',
      alarmOwnership: { owner: 'ranking-ml-oncall', runbookUrl: 'https://runbooks.example.com/ml/ranking-endpoint' },
      rollout: core.RolloutPolicy.linear({ stepPercent: 50, interval: Duration.minutes(5) }),
      variants: [{ name: 'treatment', model: aws.ModelSource.fromImage({ image: `${ECR}/ranking/server@${digest('d4')}` }), weight: 1 }],
      dataCapture: { serverAccessLogsBucket: accessLogs },
      alarmTopic: alarms,
    });

    // Drift of the fraud model's inputs and predictions, hourly. Fraud traffic is seasonal (Black
    // Friday is not July): each hour is compared with a day of traffic around the same hour 52 weeks
    // earlier, on the training baseline's bins; until a year of capture exists, with the training
    // baseline itself. Sustained drift starts the retraining pipeline (examples/ml-pipeline.ts).
    this.drift = new aws.DriftMonitor(this, 'FraudDrift', {
      endpointName: this.fraud.endpointName,
      capture: this.fraud.dataCaptureLocation!,
      baselineBucket: s3.Bucket.fromBucketName(this, 'Baselines', 'acme-ml-baselines'),
      baselineKey: 'fraud/v42/baseline.json',
      features: ['amount', 'merchant_risk', 'country'],
      alarmOwnership: ONCALL,
      alarmTopic: alarms,
      reference: core.DriftReference.SAME_PERIOD_LAST_YEAR,
    });

    // For accounts already on SageMaker Model Monitor: model quality once the chargeback labels are
    // in (a day late, a day of traffic per run), alarmed when the AUC falls below 0.85; and data
    // quality against the baselining job's statistics and constraints.
    const fraudCapture = this.fraud.dataCaptureLocation!;
    new aws.ModelQualityMonitor(this, 'FraudModelQuality', {
      endpoint: this.fraud,
      capture: fraudCapture,
      reportBucket: fraudCapture.bucket,
      problemType: aws.ModelQualityProblemType.BINARY_CLASSIFICATION,
      probabilityAttribute: '0',
      probabilityThreshold: 0.5,
      groundTruthBucket: s3.Bucket.fromBucketName(this, 'Labels', 'acme-ml-labels'),
      groundTruthPrefix: 'fraud/chargebacks',
      groundTruthDelay: Duration.days(1),
      groundTruthWindow: Duration.days(1),
      // cron(0 4 ? * * *): daily at 04:00 UTC, in the form SageMaker accepts.
      schedule: events.Schedule.cron({ minute: '0', hour: '4', weekDay: '*' }),
      alarm: { metricName: 'auc', threshold: 0.85, comparison: core.ThresholdComparison.LESS_THAN, alarmOwnership: ONCALL, alarmTopic: alarms },
    });
    new aws.DataQualityMonitor(this, 'FraudDataQuality', {
      endpoint: this.fraud,
      capture: fraudCapture,
      reportBucket: fraudCapture.bucket,
      baselineStatistics: { bucket: s3.Bucket.fromBucketName(this, 'MonitorBaselines', 'acme-ml-baselines'), key: 'fraud/v42/statistics.json' },
      baselineConstraints: { bucket: s3.Bucket.fromBucketName(this, 'MonitorConstraints', 'acme-ml-baselines'), key: 'fraud/v42/constraints.json' },
    });
  }
}

export function addGpuServingExamples(awsApp: import('aws-cdk-lib').App): GpuServingExampleStack {
  return new GpuServingExampleStack(awsApp, 'MlopsGpuServing', { env: { account: '123456789012', region: 'eu-west-1' } });
}
