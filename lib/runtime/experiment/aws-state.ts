/**
 * The experiment's record on AWS: one SSM parameter (String, JSON) the handler alone writes
 * (`Experiment.stateParameterName`, `/cdk-mlops/experiments/<endpoint>/<name>`). It holds when the experiment
 * started, the last analysis (its always-valid p-value, carried to the next: `previousPValue`) and,
 * once decided, the result; a finished record is never changed again (the handler does nothing).
 *
 * Why a parameter the handler writes (not CloudFormation, not a tag, not an S3 object): a deploy
 * never overwrites it (CloudFormation does not own it), `aws ssm get-parameter` reads it in one
 * call from the runbook, SSM keeps every version (`get-parameter-history`: the run's trail), and
 * the function's role is limited to that one ARN; an endpoint tag cannot hold JSON (tag values
 * allow letters, digits, spaces and `_.:/=+-@` only) and CloudFormation manages the endpoint's tags.
 *
 * Written against SSM's JSON API (`AmazonSSM.GetParameter` / `PutParameter`, SigV4-signed with the
 * SDK's signer), as are the two SageMaker calls (aws-sagemaker.ts): the bundle carries only the
 * CloudWatch client (each SDK client adds 150-220 KiB gzipped to the package). SSM API reference,
 * "GetParameter", "PutParameter"; the protocol is awsJson1_1 (`X-Amz-Target`).
 */

// The SDK's signer, a dependency of the bundled clients (scripts/bundle-runtime.ts bundles it).
// eslint-disable-next-line import/no-extraneous-dependencies
import { SignatureV4 } from '@smithy/signature-v4';
import { Sha256 } from '../aws-signing';

/** The credentials of the function (what the SDK clients resolve). */
export interface Credentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

/** Reads and writes the experiment's record. */
export interface StateStore {
  /** The record's JSON, or undefined when none was written yet. */
  get(): Promise<string | undefined>;
  /** Write the record's JSON (a new version of the parameter). */
  put(value: string): Promise<void>;
}

export interface SsmTarget {
  /** The parameter's name, e.g. `/cdk-mlops/experiments/fraud/checkout-v2`. */
  readonly name: string;
  readonly region: string;
  /** SSM's endpoint, e.g. `https://ssm.eu-west-1.amazonaws.com` (or an emulator's). */
  readonly endpoint: string;
  readonly credentials: () => Promise<Credentials>;
  /** @default - global fetch */
  readonly fetch?: typeof fetch;
}

/** Where a JSON-protocol service answers, and with which credentials. */
export interface AwsJsonTarget {
  /** The signing name, e.g. `ssm`, `sagemaker`. */
  readonly service: string;
  /** The `X-Amz-Target` prefix, e.g. `AmazonSSM`, `SageMaker`. */
  readonly targetPrefix: string;
  readonly region: string;
  /** The service's endpoint (or an emulator's). */
  readonly endpoint: string;
  readonly credentials: () => Promise<Credentials>;
  /** @default - global fetch */
  readonly fetch?: typeof fetch;
}

/** An error a JSON-protocol service answered (`__type`, e.g. `ParameterNotFound`, `ValidationException`). */
export class AwsJsonError extends Error {
  constructor(public readonly type: string, public readonly status: number, message: string) {
    super(message);
    this.name = type || 'AwsJsonError';
  }
}

/**
 * One call of an awsJson1_1 API (SSM, SageMaker): a SigV4-signed POST with `X-Amz-Target`, the
 * parsed JSON answer; an error answer is thrown as an `AwsJsonError`.
 */
export async function awsJsonCall(target: AwsJsonTarget, action: string, payload: Record<string, unknown>): Promise<any> {
  const url = new URL('/', target.endpoint);
  const body = JSON.stringify(payload);
  const signer = new SignatureV4({ service: target.service, region: target.region, credentials: target.credentials, sha256: Sha256 });
  const signed = await signer.sign({
    method: 'POST',
    protocol: url.protocol,
    hostname: url.hostname,
    port: url.port === '' ? undefined : Number(url.port),
    path: url.pathname,
    query: {},
    headers: { 'host': url.host, 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `${target.targetPrefix}.${action}` },
    body,
  });
  const response = await (target.fetch ?? fetch)(url, { method: 'POST', headers: signed.headers, body });
  const text = await response.text();
  if (response.status === 200) {
    return text === '' ? {} : JSON.parse(text);
  }
  let type = '';
  try {
    type = String(JSON.parse(text).__type ?? '').replace(/^.*#/, '');
  } catch {
    // not JSON: the status says it
  }
  throw new AwsJsonError(type, response.status, `${target.targetPrefix}.${action} answered HTTP ${response.status}: ${text.slice(0, 500)}`);
}

/** The record in the SSM parameter `target.name`. */
export function ssmStateStore(target: SsmTarget): StateStore {
  const api: AwsJsonTarget = { ...target, service: 'ssm', targetPrefix: 'AmazonSSM' };
  return {
    get: async () => {
      try {
        const answer = await awsJsonCall(api, 'GetParameter', { Name: target.name });
        return answer?.Parameter?.Value;
      } catch (e) {
        if (e instanceof AwsJsonError && e.type === 'ParameterNotFound') {
          return undefined;
        }
        throw e;
      }
    },
    put: async (value: string) => {
      await awsJsonCall(api, 'PutParameter', { Name: target.name, Value: value, Type: 'String', Overwrite: true });
    },
  };
}

/** A service's endpoint in `region`: the SDK's endpoint variables first (an emulator), else the public one. */
export function serviceEndpoint(env: Record<string, string | undefined>, region: string, service: 'ssm' | 'sagemaker'): string {
  const configured = env[`AWS_ENDPOINT_URL_${service.toUpperCase()}`]?.trim() || env.AWS_ENDPOINT_URL?.trim();
  if (configured) {
    return configured;
  }
  const host = service === 'sagemaker' ? `api.sagemaker.${region}` : `ssm.${region}`;
  return region.startsWith('cn-') ? `https://${host}.amazonaws.com.cn` : `https://${host}.amazonaws.com`;
}

/** SSM's endpoint in `region` (`serviceEndpoint`). */
export function ssmEndpoint(env: Record<string, string | undefined>, region: string): string {
  return serviceEndpoint(env, region, 'ssm');
}
