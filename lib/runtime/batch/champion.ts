/**
 * The model a Kubernetes batch run scores with when `k8s.BatchScoring` has `championAlias`: the
 * version MLflow's alias (`champion`) names when the run starts, the one the promoter
 * (lib/runtime/k8s-promotion) serves. Read once per run by the validate-input step, through MLflow's
 * REST API (GET `/api/2.0/mlflow/registered-models/alias`, the promoter's client); the score and
 * commit steps take what it found, so a run's scores and lineage name one version.
 *
 * The version's own rules of the promotion (lib/core/mlflow-promotion.ts `decidePromotion`) apply:
 * a version number, READY, its lineage tags present, a storage URI the server can load as source.
 * A champion the promoter would refuse for itself is not scored either: the run fails (exit 1,
 * `BatchScoringRunFailed`) rather than score with a model that is not served. The rules that depend
 * on what serves (older than the served version, an aborted canary, a running experiment) need the
 * serving object, which batch pods may not read: they are not applied (the README says so).
 */

import { BatchRunError } from './partition';
import { DEFAULT_APPROVAL_ALIAS, MlflowModelVersion, UNSERVABLE_SOURCE_SCHEMES, versionNumber } from '../../core/mlflow-promotion';

/** The config's `champion` (rendered by `k8s.BatchScoring` from `championAlias`, defaults filled in). */
export interface ChampionConfig {
  readonly trackingUri: string;
  readonly registeredModelName: string;
  /** @default 'champion' */
  readonly alias?: string;
  /** Tags the version must carry, non-empty. @default - none checked */
  readonly requiredLineageKeys?: ReadonlyArray<string>;
  /** What is scored while no version carries the alias (the server's first version). @default - none: the run fails */
  readonly fallback?: ResolvedModel;
}

/** What the alias resolves to. */
export interface ResolvedModel {
  readonly modelVersion: string;
  readonly modelSource: string;
}

/** The one MLflow call made (lib/runtime/k8s-promotion/clients.ts `MlflowClient`). */
export interface AliasReader {
  versionByAlias(name: string, alias: string): Promise<MlflowModelVersion | undefined>;
}

/** The version the alias names, checked; a BatchRunError (the run fails, not retried) when there is none or it may not be scored. */
export async function resolveChampion(config: ChampionConfig, mlflow: AliasReader): Promise<ResolvedModel> {
  const alias = config.alias ?? DEFAULT_APPROVAL_ALIAS;
  const what = `the alias "${alias}" of MLflow registered model "${config.registeredModelName}" (${config.trackingUri})`;
  const v = await mlflow.versionByAlias(config.registeredModelName, alias);
  if (v === undefined) {
    if (config.fallback !== undefined) {
      // Before the first promotion the server serves its first version: batch scores the same.
      return config.fallback;
    }
    throw new BatchRunError(`no model version carries ${what} (or the registered model does not exist): nothing is approved, `
      + 'so nothing is scored (set the alias on a version, then re-run the date)');
  }
  const version = versionNumber(v.version);
  if (version === undefined) {
    throw new BatchRunError(`${what} names version ${JSON.stringify(v.version)}, not a version number`);
  }
  const status = v.status ?? 'READY';
  if (status !== 'READY') {
    throw new BatchRunError(`${what} names version ${version}, which is ${status}, not READY: re-run the date once it is registered`);
  }
  const tags = new Map((v.tags ?? []).map((t) => [t.key, t.value ?? '']));
  const missing = (config.requiredLineageKeys ?? []).filter((k) => (tags.get(k) ?? '').trim() === '');
  if (missing.length > 0) {
    throw new BatchRunError(`${what} names version ${version}, which lacks lineage tags ${missing.join(', ')}: the promoter does not serve it, so it is not scored`);
  }
  const source = (v.source ?? '').trim();
  const scheme = /^([a-z][a-z0-9+.-]*):\S/i.exec(source)?.[1]?.toLowerCase();
  if (scheme === undefined || UNSERVABLE_SOURCE_SCHEMES.includes(scheme)) {
    throw new BatchRunError(`${what} names version ${version}, whose source ${JSON.stringify(source)} is not a storage URI (the promoter does not serve it, so it is not scored)`);
  }
  return { modelVersion: String(version), modelSource: source };
}
