/**
 * The requeue of a promotion that waits for a busy stack: an asynchronous Invoke of the function
 * itself (`X-Amz-Invocation-Type: Event`), signed with the function's credentials (SigV4). Lambda
 * accepts it into the function's asynchronous queue (HTTP 202) and runs it when the one reserved
 * execution is free. Lambda API reference, "Invoke".
 *
 * Written against the HTTP API because the bundle carries only the SageMaker and CloudFormation
 * clients; the signer is the SDK's own (@smithy/signature-v4, a declared dev dependency at the version the clients install).
 */

// The SDK's signer, a dependency of the bundled clients (scripts/bundle-runtime.ts bundles it).
// eslint-disable-next-line import/no-extraneous-dependencies
import { SignatureV4 } from '@smithy/signature-v4';
import { Sha256 } from '../aws-signing';
import { ModelPackageStateChangeEvent } from './promote';

/** The credentials of the function (what the SDK clients resolve). */
export interface RequeueCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

export interface RequeueTarget {
  /** The function to invoke (the function itself: `AWS_LAMBDA_FUNCTION_NAME`). */
  readonly functionName: string;
  readonly region: string;
  /** Lambda's endpoint, e.g. `https://lambda.eu-west-1.amazonaws.com` (or an emulator's). */
  readonly endpoint: string;
  readonly credentials: () => Promise<RequeueCredentials>;
  /** @default - global fetch */
  readonly fetch?: typeof fetch;
}

/** Invoke the function asynchronously with `event`; throws unless Lambda accepted it (HTTP 202). */
export async function requeueTo(target: RequeueTarget, event: ModelPackageStateChangeEvent): Promise<void> {
  const url = new URL(`/2015-03-31/functions/${encodeURIComponent(target.functionName)}/invocations`, target.endpoint);
  const body = JSON.stringify(event);
  const signer = new SignatureV4({ service: 'lambda', region: target.region, credentials: target.credentials, sha256: Sha256 });
  const signed = await signer.sign({
    method: 'POST',
    protocol: url.protocol,
    hostname: url.hostname,
    port: url.port === '' ? undefined : Number(url.port),
    path: url.pathname,
    query: {},
    headers: { 'host': url.host, 'content-type': 'application/json', 'x-amz-invocation-type': 'Event' },
    body,
  });
  const response = await (target.fetch ?? fetch)(url, { method: 'POST', headers: signed.headers, body });
  if (response.status !== 202) {
    throw new Error(`requeue: Lambda Invoke of ${target.functionName} answered HTTP ${response.status}: ${(await response.text()).slice(0, 500)}`);
  }
}

/** Lambda's endpoint in `region`: the SDK's endpoint variables first (an emulator), else the public one. */
export function lambdaEndpoint(env: Record<string, string | undefined>, region: string): string {
  const configured = env.AWS_ENDPOINT_URL_LAMBDA?.trim() || env.AWS_ENDPOINT_URL?.trim();
  if (configured) {
    return configured;
  }
  return region.startsWith('cn-') ? `https://lambda.${region}.amazonaws.com.cn` : `https://lambda.${region}.amazonaws.com`;
}
