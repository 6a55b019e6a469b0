/**
 * The SHA-256 the SDK's SigV4 signer (@smithy/signature-v4) takes as `sha256`, from node:crypto:
 * the runtime's hand-written AWS calls (the experiment's SSM and SageMaker JSON calls,
 * experiment/aws-state.ts; the promotion's Lambda requeue, promotion/requeue.ts) sign with it, so
 * their bundles carry the signer without a hash package. Not exported from the package index.
 */

import { createHash, createHmac, Hash, Hmac } from 'crypto';

/** Bytes of what the signer hashes (a string, an ArrayBuffer or a view of one). */
export type SourceData = string | ArrayBuffer | ArrayBufferView;

/** `data` as bytes: a string as UTF-8, a view as the bytes it covers (not its whole buffer). */
export function bytes(data: SourceData): Buffer {
  if (typeof data === 'string') {
    return Buffer.from(data, 'utf-8');
  }
  return ArrayBuffer.isView(data) ? Buffer.from(data.buffer, data.byteOffset, data.byteLength) : Buffer.from(data);
}

/** SHA-256 (or its HMAC with a key) for the signer, from node:crypto. */
export class Sha256 {
  private readonly key?: Buffer;
  private hash: Hash | Hmac;
  constructor(secret?: SourceData) {
    this.key = secret === undefined ? undefined : bytes(secret);
    this.hash = this.fresh();
  }
  public update(data: SourceData): void {
    this.hash.update(bytes(data));
  }
  public async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
  public reset(): void {
    this.hash = this.fresh();
  }
  private fresh(): Hash | Hmac {
    return this.key === undefined ? createHash('sha256') : createHmac('sha256', this.key);
  }
}
