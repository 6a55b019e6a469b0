/**
 * Promotion on approval on Kubernetes: the rules, as a pure function of what MLflow says is approved
 * and what the serving object (an Argo Rollout or a KServe InferenceService) says it serves. The
 * same rules as the AWS promotion (lib/runtime/promotion/promote.ts): the approved version must carry
 * its lineage (the `Lineage.metadataKeys()`, written as MLflow model version tags by the pipeline's
 * register step), must not be older than the served one unless rolling back on approval is allowed,
 * must not be a version whose canary was just rolled back, and a repeated run changes nothing.
 * Not exported from the package index: constants and functions are no jsii API.
 *
 * The approval is an MLflow registered model alias (`champion` by default), not a stage: stages are
 * deprecated since MLflow 2.9 ("Model Registry Workflows", mlflow.org/docs/latest/model-registry:
 * "model stages are deprecated and will be removed in a future major release"; aliases replace them).
 * An alias is a level, not an event: the promoter reads it each run (GET
 * `/api/2.0/mlflow/registered-models/alias?name=…&alias=…`, mlflow/server/handlers.py
 * `_get_model_version_by_alias`), so a lost or reordered event cannot promote a stale approval, and
 * moving the alias back to an older version is an operator's explicit act (still refused unless
 * `allowOlder`).
 *
 * What serves is recorded on the serving object itself (the one object the promoter may get and
 * patch): the pod template's annotations `MODEL_URI_ANNOTATION` / `MODEL_VERSION_ANNOTATION` (the
 * server reads `MODEL_URI` from the first through the Downward API, so changing it is a new pod
 * template: Argo Rollouts starts the canary with its analysis; KServe a new revision with its canary
 * traffic), and the object's annotations `STABLE_VERSION_ANNOTATION` (what served before the last
 * promotion: what an aborted canary falls back to) and `REFUSED_ANNOTATION` (the dead letter: each
 * refused version with why and when, where `kubectl describe` shows it; an operator replays one by
 * removing its entry).
 */

import { Lineage } from './lineage';

/** Annotation of the pod template: the URI the server loads (its `MODEL_URI` env reads it). */
export const MODEL_URI_ANNOTATION = 'mlops.cdk.io/model-uri';
/** Annotation of the pod template: the MLflow version of that URI (absent for the spec's initial URI). */
export const MODEL_VERSION_ANNOTATION = 'mlops.cdk.io/model-version';
/** Annotation of the serving object: the version that served before the last promotion. */
export const STABLE_VERSION_ANNOTATION = 'mlops.cdk.io/stable-model-version';
/** Annotation of the serving object: the dead letter, JSON `{ "<version>": { "reason", "at" } }`. */
export const REFUSED_ANNOTATION = 'mlops.cdk.io/refused-model-versions';
/** Annotation of the serving object: when the promoter last promoted (ISO 8601). */
export const PROMOTED_AT_ANNOTATION = 'mlops.cdk.io/promoted-at';
/**
 * Pod-template annotation naming a running experiment (`k8s.Experiment`): while it is there the
 * promoter leaves the object alone (the experiment owns the served version; approvals wait).
 */
export const EXPERIMENT_ANNOTATION = 'mlops.cdk.io/experiment';
/**
 * Pod-template annotation holding an experiment's challenger URI (`k8s.Experiment`); the server's
 * `MODEL_URI` reads it while the experiment runs, so `MODEL_URI_ANNOTATION` (the promoter's) keeps
 * the control and removing the experiment restores the stable pod template exactly.
 */
export const CHALLENGER_MODEL_URI_ANNOTATION = 'mlops.cdk.io/challenger-model-uri';
/** MLflow model version tag the promoter writes (best effort) so the approver sees the outcome in MLflow. */
export const MLFLOW_PROMOTION_TAG = 'mlops.cdk.io/promotion';
/** The alias whose version is served, unless configured otherwise. */
export const DEFAULT_APPROVAL_ALIAS = 'champion';
/** How many refusals the dead letter keeps (an annotation value stays far below 256 KiB). */
export const REFUSED_RECORD_SIZE = 20;
/**
 * Schemes a model server cannot download from: MLflow's own indirections (`runs:/`, `models:/`, the
 * artifact proxy `mlflow-artifacts:/`) need an MLflow client, which the server is not.
 */
export const UNSERVABLE_SOURCE_SCHEMES: ReadonlyArray<string> = ['runs', 'models', 'mlflow-artifacts'];

/** An MLflow model version as the REST API returns it (`ModelVersion`, mlflow/protos/model_registry.proto). */
export interface MlflowModelVersion {
  readonly name?: string;
  readonly version: string;
  readonly source?: string;
  /** `PENDING_REGISTRATION`, `FAILED_REGISTRATION` or `READY`. */
  readonly status?: string;
  readonly tags?: ReadonlyArray<{ readonly key: string; readonly value?: string }>;
}

/** One refusal of the dead letter. */
export interface Refusal {
  readonly reason: string;
  /** ISO 8601. */
  readonly at: string;
}

/** What the serving object says, read from its annotations and status. */
export interface ServedState {
  /** The pod template's version (`MODEL_VERSION_ANNOTATION`), undefined for the spec's initial URI. */
  readonly templateVersion?: number;
  /** The URI the pod template serves. */
  readonly templateUri?: string;
  /** The version before the last promotion (`STABLE_VERSION_ANNOTATION`). */
  readonly stableVersion?: number;
  /** Argo Rollouts' `status.abort`: the canary of the template's version was aborted (rolled back). */
  readonly aborted: boolean;
  /** The dead letter. */
  readonly refused: Readonly<Record<string, Refusal>>;
}

/** What the promoter decided. */
export enum PromotionDecisionKind {
  /** Patch the serving object to the approved version. */
  PROMOTE = 'PROMOTE',
  /** The object serves the approved version already (a repeated run). */
  ALREADY_SERVED = 'ALREADY_SERVED',
  /** No version carries the alias: nothing is approved yet. */
  NO_APPROVAL = 'NO_APPROVAL',
  /** The version is still being registered: looked at again next run. */
  WAITING = 'WAITING',
  /** Refused now: recorded in the dead letter, the failure metric set, the alert fires. */
  REFUSE = 'REFUSE',
  /** Refused before (in the dead letter): nothing new to record, the failure metric stays set. */
  REFUSED_BEFORE = 'REFUSED_BEFORE',
  /** An experiment runs on the object (`EXPERIMENT_ANNOTATION`): approvals wait until it is removed. */
  EXPERIMENT_RUNNING = 'EXPERIMENT_RUNNING',
}

/** The decision and, for `PROMOTE`, what to serve. */
export interface PromotionDecision {
  readonly kind: PromotionDecisionKind;
  readonly reason: string;
  /** The approved version (when there is one). */
  readonly version?: number;
  /** `PROMOTE`: the URI to serve. */
  readonly uri?: string;
  /** The version that serves now (the stable one after an abort). */
  readonly servedVersion?: number;
  /**
   * An aborted canary whose version is not in the dead letter yet: record it there (with this
   * reason) whatever else is decided.
   */
  readonly rolledBack?: { readonly version: number; readonly reason: string };
}

/** The rules' options. */
export interface PromotionRules {
  /** Tags an approved version must carry, non-empty. */
  readonly requiredLineageKeys: ReadonlyArray<string>;
  /** Serve a version older than the served one when the alias is moved back to it. */
  readonly allowOlder: boolean;
}

/** The default rules: every lineage key, no rollback on approval (as `ApprovalPromotion` on AWS). */
export function defaultPromotionRules(): PromotionRules {
  return { requiredLineageKeys: Lineage.metadataKeys(), allowOlder: false };
}

/** The version number of an MLflow version string, undefined when it is not a positive integer. */
export function versionNumber(value: string | undefined): number | undefined {
  return value !== undefined && /^[1-9]\d{0,9}$/.test(value.trim()) ? Number(value.trim()) : undefined;
}

/** The dead letter parsed from its annotation (a malformed one reads as empty, and is rewritten). */
export function parseRefused(value: string | undefined): Record<string, Refusal> {
  if (value === undefined || value.trim() === '') return {};
  try {
    const parsed = JSON.parse(value) as unknown;
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return {};
    const out: Record<string, Refusal> = {};
    for (const [k, v] of Object.entries(parsed as Record<string, unknown>)) {
      if (versionNumber(k) !== undefined && v !== null && typeof v === 'object') {
        const r = v as Record<string, unknown>;
        out[k] = { reason: String(r.reason ?? ''), at: String(r.at ?? '') };
      }
    }
    return out;
  } catch {
    return {};
  }
}

/** The dead letter with one more refusal, the oldest dropped beyond `REFUSED_RECORD_SIZE`. */
export function withRefusal(refused: Readonly<Record<string, Refusal>>, version: number, refusal: Refusal): Record<string, Refusal> {
  const entries = Object.entries(refused).filter(([k]) => k !== String(version));
  entries.push([String(version), refusal]);
  entries.sort((a, b) => a[1].at.localeCompare(b[1].at));
  return Object.fromEntries(entries.slice(-REFUSED_RECORD_SIZE));
}

/** Decide what to do with the version the alias names (undefined: no alias) given what serves. */
export function decidePromotion(approved: MlflowModelVersion | undefined, served: ServedState, rules: PromotionRules): PromotionDecision {
  // An aborted canary: its version is refused from now on, and what serves is the stable version.
  const rolledBackVersion = served.aborted ? served.templateVersion : undefined;
  const rolledBack = rolledBackVersion !== undefined && served.refused[String(rolledBackVersion)] === undefined
    ? { version: rolledBackVersion, reason: `rolled back: the canary of version ${rolledBackVersion} was aborted (status.abort)` }
    : undefined;
  const servedVersion = served.aborted ? served.stableVersion : served.templateVersion;
  const base = { servedVersion, ...(rolledBack ? { rolledBack } : {}) };
  if (approved === undefined) {
    return { ...base, kind: PromotionDecisionKind.NO_APPROVAL, reason: 'no model version carries the alias: nothing is approved' };
  }
  const version = versionNumber(approved.version);
  if (version === undefined) {
    return { ...base, kind: PromotionDecisionKind.REFUSE, reason: `MLflow answered version ${JSON.stringify(approved.version)}, not a version number` };
  }
  const about = { ...base, version };
  const before = served.refused[String(version)];
  if (before !== undefined) {
    return { ...about, kind: PromotionDecisionKind.REFUSED_BEFORE, reason: `version ${version} was refused at ${before.at} (${before.reason}): move the alias, or remove it from the ${REFUSED_ANNOTATION} annotation to replay` };
  }
  if (rolledBack !== undefined && rolledBack.version === version) {
    return { ...about, kind: PromotionDecisionKind.REFUSED_BEFORE, reason: `${rolledBack.reason}: not promoted again` };
  }
  if (!served.aborted && served.templateVersion === version) {
    return { ...about, kind: PromotionDecisionKind.ALREADY_SERVED, reason: `version ${version} is served already` };
  }
  const status = approved.status ?? 'READY';
  if (status === 'PENDING_REGISTRATION') {
    return { ...about, kind: PromotionDecisionKind.WAITING, reason: `version ${version} is still being registered (PENDING_REGISTRATION)` };
  }
  if (status !== 'READY') {
    return { ...about, kind: PromotionDecisionKind.REFUSE, reason: `version ${version} is ${status}, not READY` };
  }
  const tags = new Map((approved.tags ?? []).map((t) => [t.key, t.value ?? '']));
  const missing = rules.requiredLineageKeys.filter((k) => (tags.get(k) ?? '').trim() === '');
  if (missing.length > 0) {
    return { ...about, kind: PromotionDecisionKind.REFUSE, reason: `version ${version} lacks lineage tags ${missing.join(', ')}: a model that cannot be rebuilt is not deployed` };
  }
  const uri = (approved.source ?? '').trim();
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(uri)?.[1]?.toLowerCase();
  if (scheme === undefined || UNSERVABLE_SOURCE_SCHEMES.includes(scheme)) {
    return { ...about, kind: PromotionDecisionKind.REFUSE, reason: `version ${version}'s source ${JSON.stringify(uri)} is not a storage URI the server can load (register the artifact's s3:// or gs:// URI)` };
  }
  if (servedVersion !== undefined && version < servedVersion && !rules.allowOlder) {
    return { ...about, kind: PromotionDecisionKind.REFUSE, reason: `version ${version} is older than version ${servedVersion}, which serves: rolling back on approval is off (allowOlder)` };
  }
  const direction = servedVersion !== undefined && version < servedVersion ? 'rolling back' : 'promoting';
  return { ...about, kind: PromotionDecisionKind.PROMOTE, uri, reason: `${direction} from ${servedVersion === undefined ? 'the initial model' : `version ${servedVersion}`} to version ${version}` };
}
