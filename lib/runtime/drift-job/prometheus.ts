/**
 * The drift job's result as Prometheus metrics (text exposition format 0.0.4), for the Kubernetes
 * CronJob: printed to stdout or pushed to a Pushgateway.
 */

import { DriftJobResult } from './job';

/** Content type of the text exposition format. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** The subset of `fetch` that `pushToGateway` uses. */
export type FetchLike = (url: string, init: { method: string; headers: Record<string, string>; body: string }) => Promise<{
  readonly ok: boolean;
  readonly status: number;
  text(): Promise<string>;
}>;

/**
 * Render a result as gauges:
 *
 * - `cdk_mlops_drift_psi{endpoint,feature}`: PSI per feature (`feature="__prediction__"` for the
 *   predictions); no sample when the window is empty (absent, not 0).
 * - `cdk_mlops_drift_records_in_window{endpoint}`: capture records read in the window.
 * - `cdk_mlops_drift_malformed_records{endpoint}`: records skipped as malformed.
 * - `cdk_mlops_drift_last_run_timestamp_seconds{endpoint}`: when the job ran, in Unix seconds.
 * - With a reference other than the training baseline: `cdk_mlops_drift_reference_records{endpoint,reference}`
 *   (records in the reference range) and `cdk_mlops_drift_reference_fallback_columns{endpoint,reference}`
 *   (columns compared with the training baseline for lack of reference values).
 */
export function renderPrometheus(result: DriftJobResult): string {
  const endpoint = `endpoint="${escapeLabelValue(result.endpointName)}"`;
  const drifts = [...result.features, ...(result.prediction !== undefined ? [result.prediction] : [])];
  const lines: string[] = [
    ...header('cdk_mlops_drift_psi', 'Population stability index of the window against its reference (0.1 investigate, 0.2 act).'),
    ...drifts.map((d) => `cdk_mlops_drift_psi{${endpoint},feature="${escapeLabelValue(d.feature)}"} ${formatNumber(d.psi)}`),
    ...header('cdk_mlops_drift_records_in_window', 'Data-capture records read in the window.'),
    `cdk_mlops_drift_records_in_window{${endpoint}} ${formatNumber(result.counters.records)}`,
    ...header('cdk_mlops_drift_malformed_records', 'Data-capture records skipped as malformed.'),
    `cdk_mlops_drift_malformed_records{${endpoint}} ${formatNumber(result.counters.malformed)}`,
    ...header('cdk_mlops_drift_last_run_timestamp_seconds', 'When the drift job last ran, in seconds since the Unix epoch.'),
    `cdk_mlops_drift_last_run_timestamp_seconds{${endpoint}} ${formatNumber(result.runAt.getTime() / 1000)}`,
  ];
  if (result.reference !== undefined) {
    const labels = `${endpoint},reference="${escapeLabelValue(result.reference.kind)}"`;
    lines.push(
      ...header('cdk_mlops_drift_reference_records', 'Data-capture records in the reference range the window was compared with.'),
      `cdk_mlops_drift_reference_records{${labels}} ${formatNumber(result.reference.records)}`,
      ...header('cdk_mlops_drift_reference_fallback_columns', 'Columns compared with the training baseline for lack of reference values.'),
      `cdk_mlops_drift_reference_fallback_columns{${labels}} ${formatNumber(result.reference.fallbackColumns.length)}`,
    );
  }
  return lines.join('\n') + '\n';
}

/**
 * Replace the metrics of the group `job`/`endpoint` on a Pushgateway: HTTP PUT of `body` to
 * `<url>/metrics/job/<job>/endpoint/<endpoint>`. Throws when the gateway does not answer 2xx.
 *
 * Label values are URL-encoded; one containing `/` (or empty) uses the Pushgateway's
 * `<label>@base64/<base64url>` form.
 */
export async function pushToGateway(url: string, job: string, endpoint: string, body: string, fetchImpl: FetchLike = fetch): Promise<void> {
  const target = `${url.replace(/\/+$/, '')}/metrics/${pathLabel('job', job)}/${pathLabel('endpoint', endpoint)}`;
  const res = await fetchImpl(target, { method: 'PUT', headers: { 'Content-Type': PROMETHEUS_CONTENT_TYPE }, body });
  if (!res.ok) {
    const detail = await res.text().catch(() => '');
    throw new Error(`Pushgateway PUT ${target} answered ${res.status}${detail ? `: ${detail.trim()}` : ''}`);
  }
}

/** A label value in the text format: backslash, double quote and newline escaped. */
export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function header(name: string, help: string): string[] {
  // HELP text escapes backslash and newline only.
  return [`# HELP ${name} ${help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}`, `# TYPE ${name} gauge`];
}

function formatNumber(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Infinity) return '+Inf';
  if (n === -Infinity) return '-Inf';
  return String(n);
}

function pathLabel(name: string, value: string): string {
  if (value === '' || value.includes('/')) {
    return `${name}@base64/${Buffer.from(value, 'utf-8').toString('base64url') || '='}`;
  }
  return `${name}/${encodeURIComponent(value)}`;
}
