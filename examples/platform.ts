/**
 * MlPlatform: the acme platform from examples/platform.yaml: the churn model trained weekly and on
 * sustained drift, gated, registered, served through a canary with automatic rollback, watched for
 * drift against a rolling week; every alarm in the runbook (`platform.runbook()`).
 */
import * as path from 'path';
import { App, Stack, StackProps } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { platform } from '../lib';

export class PlatformExampleStack extends Stack {
  public readonly platform: platform.MlPlatform;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    this.platform = platform.MlPlatform.fromFile(this, 'Platform', path.join(__dirname, 'platform.yaml'));
  }
}

export function addPlatformExamples(awsApp: App): PlatformExampleStack {
  return new PlatformExampleStack(awsApp, 'MlopsPlatform', { env: { account: '123456789012', region: 'eu-west-1' } });
}
