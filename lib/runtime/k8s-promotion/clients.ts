/**
 * The two HTTP clients of the Kubernetes promoter, on Node's own modules (no Kubernetes or MLflow
 * client library): MLflow's REST API and the Kubernetes API with the pod's ServiceAccount token.
 */

import { readFileSync } from 'fs';
import * as http from 'http';
import * as https from 'https';
import { MlflowModelVersion } from '../../core/mlflow-promotion';

/** An HTTP answer. */
export interface HttpAnswer {
  readonly status: number;
  readonly body: string;
}

/** A request's method, headers, body and the CA its server's certificate must chain to. */
export interface HttpRequest {
  readonly method: string;
  readonly headers?: Record<string, string>;
  readonly body?: string;
  readonly ca?: string | Buffer;
}

/** One request with Node's http/https (a CA for the cluster's API server, a bearer token). */
export function request(url: string, init: HttpRequest): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const mod = u.protocol === 'https:' ? https : http;
    // No keep-alive agent: a run makes a handful of calls, and idle sockets would keep the process alive.
    const options = { method: init.method, headers: init.headers, agent: false, ...(init.ca !== undefined ? { ca: init.ca } : {}), timeout: 30_000 };
    const req = mod.request(u, options, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf-8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`${init.method} ${url}: timed out`)));
    req.on('error', reject);
    if (init.body !== undefined) req.write(init.body);
    req.end();
  });
}

/** MLflow's model registry REST API (mlflow/server/handlers.py). */
export class MlflowClient {
  constructor(private readonly trackingUri: string, private readonly token?: string) {}

  /**
   * The version carrying `alias`, or undefined when none does. MLflow 3.17.2 answers 400
   * INVALID_PARAMETER_VALUE "Registered model alias <alias> not found." for an alias no version
   * carries, and 404 RESOURCE_DOES_NOT_EXIST for a model never registered (seen against the server
   * of scripts/requirements-mlflow-check.txt by scripts/k8s-promotion-check.sh).
   */
  public async versionByAlias(name: string, alias: string): Promise<MlflowModelVersion | undefined> {
    const q = new URLSearchParams({ name, alias });
    const res = await this.call('GET', `/api/2.0/mlflow/registered-models/alias?${q}`);
    if (res.status === 404 || (res.status === 400 && /alias .* not found/i.test(res.body))) return undefined;
    this.check(res, 'registered-models/alias');
    return (JSON.parse(res.body) as { model_version: MlflowModelVersion }).model_version;
  }

  /** Set a tag on a model version (the promotion's outcome, for the approver). */
  public async setVersionTag(name: string, version: string, key: string, value: string): Promise<void> {
    const res = await this.call('POST', '/api/2.0/mlflow/model-versions/set-tag', JSON.stringify({ name, version, key, value }));
    this.check(res, 'model-versions/set-tag');
  }

  private call(method: string, path: string, body?: string): Promise<HttpAnswer> {
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
      // With a length: MLflow's server reads no chunked body (it answers "Missing value for required parameter").
      headers['Content-Length'] = String(Buffer.byteLength(body));
    }
    if (this.token) headers.Authorization = `Bearer ${this.token}`;
    return request(`${this.trackingUri.replace(/\/+$/, '')}${path}`, { method, headers, body });
  }

  private check(res: HttpAnswer, what: string): void {
    if (res.status < 200 || res.status >= 300) {
      throw new Error(`MLflow ${what} answered ${res.status}: ${res.body.slice(0, 300)}`);
    }
  }
}

/** Where the Kubernetes API is and how to authenticate (in-cluster by default). */
export interface KubeConnection {
  readonly url: string;
  readonly token: string;
  readonly ca?: Buffer;
}

/** The in-cluster connection (the pod's ServiceAccount), or `KUBE_API_URL` / `KUBE_TOKEN_FILE` / `KUBE_CA_FILE`. */
export function kubeConnection(env: NodeJS.ProcessEnv = process.env): KubeConnection {
  const sa = '/var/run/secrets/kubernetes.io/serviceaccount';
  const host = env.KUBERNETES_SERVICE_HOST;
  const url = env.KUBE_API_URL ?? (host !== undefined ? `https://${host.includes(':') ? `[${host}]` : host}:${env.KUBERNETES_SERVICE_PORT ?? '443'}` : undefined);
  if (url === undefined) {
    throw new Error('no Kubernetes API: not in a pod (KUBERNETES_SERVICE_HOST unset) and KUBE_API_URL not set');
  }
  const token = readFileSync(env.KUBE_TOKEN_FILE ?? `${sa}/token`, 'utf-8').trim();
  const caFile = env.KUBE_CA_FILE ?? `${sa}/ca.crt`;
  let ca: Buffer | undefined;
  try {
    ca = readFileSync(caFile);
  } catch {
    ca = undefined;
  }
  return { url: url.replace(/\/+$/, ''), token, ca };
}

/** A Kubernetes API error, with its status (403 Forbidden, 409 Conflict). */
export class KubeApiError extends Error {
  constructor(public readonly status: number, message: string) {
    super(message);
    this.name = 'KubeApiError';
  }
}

/** The calls the promoter makes on its one object: get, and a JSON merge patch. */
export class KubeClient {
  constructor(private readonly conn: KubeConnection) {}

  public async get(path: string): Promise<Record<string, any>> {
    return this.call('GET', path);
  }

  public async mergePatch(path: string, patch: unknown): Promise<Record<string, any>> {
    return this.call('PATCH', `${path}?fieldManager=cdk-mlops-promotion`, JSON.stringify(patch), 'application/merge-patch+json');
  }

  private async call(method: string, path: string, body?: string, contentType?: string): Promise<Record<string, any>> {
    const headers: Record<string, string> = { Accept: 'application/json', Authorization: `Bearer ${this.conn.token}` };
    if (contentType !== undefined) headers['Content-Type'] = contentType;
    if (body !== undefined) headers['Content-Length'] = String(Buffer.byteLength(body));
    const res = await request(`${this.conn.url}${path}`, { method, headers, body, ca: this.conn.ca });
    if (res.status < 200 || res.status >= 300) {
      let message = res.body.slice(0, 300);
      try {
        message = String((JSON.parse(res.body) as { message?: string }).message ?? message);
      } catch { /* not a Status */ }
      throw new KubeApiError(res.status, `Kubernetes ${method} ${path} answered ${res.status}: ${message}`);
    }
    return JSON.parse(res.body) as Record<string, any>;
  }
}
