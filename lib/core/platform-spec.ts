/**
 * The platform spec: one declarative description of an ML platform (its models, how each is
 * trained, served and watched), written in TypeScript or as a YAML / JSON file and validated by the
 * same schema (`platformSpecSchema`). Target-neutral: `platform.MlPlatform` renders it on AWS.
 */

import { DriftReference } from './drift-reference';
import { PipelineSpec } from './pipeline';
import { AlarmOwnership } from './rollback';

/** Day of the week of a scheduled retraining run. */
export enum Weekday {
  /** Monday. */
  MON = 'MON',
  /** Tuesday. */
  TUE = 'TUE',
  /** Wednesday. */
  WED = 'WED',
  /** Thursday. */
  THU = 'THU',
  /** Friday. */
  FRI = 'FRI',
  /** Saturday. */
  SAT = 'SAT',
  /** Sunday. */
  SUN = 'SUN',
}

/** A whole ML platform. */
export interface PlatformSpec {
  /** Platform name: lowercase letters, digits and "-", 1-20 characters; prefixes resource names. */
  readonly name: string;
  /** Who owns the platform's alarms and where the runbook is (a model can name its own). */
  readonly ownership: AlarmOwnership;
  /** The models: each trained, registered, served and watched (at least one, names unique). */
  readonly models: PlatformModelSpec[];
}

/** One model of the platform, through its whole lifecycle. */
export interface PlatformModelSpec {
  /** Model name: lowercase letters, digits and "-", 1-20 characters, unique in the platform. */
  readonly name: string;
  /**
   * Who owns this model's alarms and where its runbook is.
   * @default - the platform's ownership
   */
  readonly ownership?: AlarmOwnership;
  /** The training pipeline: steps, gate and inference image (`core.PipelineSpec`). */
  readonly pipeline: PipelineSpec;
  /** Lineage defaults and schedule of training runs. */
  readonly training: PlatformTrainingSpec;
  /** How approved versions are served. */
  readonly serving: PlatformServingSpec;
  /** How the served model's inputs and predictions are watched. */
  readonly drift: PlatformDriftSpec;
}

/** Training runs of a model: lineage defaults and schedule (drift also starts runs). */
export interface PlatformTrainingSpec {
  /** Full 40-character git commit of the training code. */
  readonly codeCommit: string;
  /** Version of the training data a scheduled or drift-started run reads (a snapshot id, a tag). */
  readonly dataVersion: string;
  /** Version of the feature set (`FeatureStore` definitions version). */
  readonly featureSetVersion: string;
  /** `s3://bucket/prefix/` of the training data. */
  readonly inputDataUri: string;
  /**
   * Day of a weekly retraining run.
   * @default - no schedule: runs start on sustained drift (and by hand)
   */
  readonly weeklyOn?: Weekday;
  /**
   * Hour (UTC) of the weekly run.
   * @default 3
   */
  readonly hourUtc?: number;
}

/** Serving of a model: the endpoint, its rollout and its rollback triggers. */
export interface PlatformServingSpec {
  /** A GPU instance type from the catalog (`ml.g5.xlarge`, …). */
  readonly instanceType: string;
  /** The registered version served until the first promotion (a version of the model's package group). */
  readonly initialModelVersion: number;
  /**
   * Instances at deploy time (at least 2 in production: one failing instance is not an outage).
   * @default 2
   */
  readonly instanceCount?: number;
  /**
   * Upper bound of autoscaling on invocations per instance.
   * @default - no autoscaling
   */
  readonly maxInstanceCount?: number;
  /**
   * Invocations per instance per minute autoscaling aims at (with `maxInstanceCount`).
   * @default 600
   */
  readonly targetInvocationsPerInstance?: number;
  /**
   * Share of traffic the canary gets before the rest, 1-50.
   * @default 10
   */
  readonly canaryPercent?: number;
  /**
   * Minutes the canary bakes before full traffic.
   * @default 10
   */
  readonly bakeMinutes?: number;
  /**
   * 5xx rate (percent of invocations) that rolls a deployment back.
   * @default 1
   */
  readonly maxErrorRatePercent?: number;
  /**
   * p99 model latency (milliseconds) that rolls a deployment back.
   * @default - no latency trigger
   */
  readonly maxP99LatencyMillis?: number;
  /**
   * Share of requests captured for drift, 1-100.
   * @default 10
   */
  readonly captureSamplingPercent?: number;
  /**
   * Size of the model in GiB, to size cold-start timeouts.
   * @default - SageMaker's default timeouts
   */
  readonly modelSizeGiB?: number;
}

/** Drift monitoring of a model. */
export interface PlatformDriftSpec {
  /** The model's input columns in order (CSV columns / JSON keys), all watched. */
  readonly features: string[];
  /** `s3://bucket/key.json` of the training baseline (`core.DriftMath` baseline JSON). */
  readonly baselineUri: string;
  /**
   * What each window is compared with.
   * @default DriftReference.TRAINING
   */
  readonly reference?: DriftReference;
  /**
   * Minutes of earlier traffic in the reference (not with TRAINING).
   * @default - 7 days (rolling), 1 day (same period last year)
   */
  readonly referenceSpanMinutes?: number;
}
