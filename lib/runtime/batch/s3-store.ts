/** The `ObjectStore` of batch scoring on S3 (or an S3-compatible store: MinIO, moto). */

// The AWS SDK is bundled into the asset (scripts/bundle-runtime.ts): the Lambda does not depend on the runtime's SDK version.
// eslint-disable-next-line import/no-extraneous-dependencies
import { DeleteObjectsCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { ObjectStore, StoredObject, parseS3Uri } from './partition';

/** DeleteObjects takes at most 1,000 keys (https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteObjects.html). */
const MAX_DELETE_KEYS = 1000;

/** Options of `S3ObjectStore`. */
export interface S3ObjectStoreOptions {
  /**
   * Objects written (lineage, manifest) are encrypted with this KMS key (SSE-KMS).
   * @default - the bucket's default encryption
   */
  readonly kmsKeyId?: string;
}

/** `ObjectStore` on an `S3Client`. */
export class S3ObjectStore implements ObjectStore {
  constructor(private readonly s3: S3Client, private readonly options: S3ObjectStoreOptions = {}) {}

  public async list(prefixUri: string): Promise<StoredObject[]> {
    const { bucket, key: prefix } = parseS3Uri(prefixUri);
    const out: StoredObject[] = [];
    let token: string | undefined;
    do {
      const page = await this.s3.send(new ListObjectsV2Command({
        Bucket: bucket, Prefix: prefix, ...(token !== undefined ? { ContinuationToken: token } : {}),
      }));
      for (const o of page.Contents ?? []) {
        if (o.Key === undefined) continue;
        out.push({ uri: `s3://${bucket}/${o.Key}`, size: o.Size ?? 0, etag: (o.ETag ?? '').replace(/"/g, '') });
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token !== undefined);
    return out;
  }

  public async getText(uri: string): Promise<string | undefined> {
    const { bucket, key } = parseS3Uri(uri);
    try {
      const res = await this.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      if (res.Body === undefined) throw new Error(`${uri} has no body`);
      return await res.Body.transformToString('utf8');
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw e;
    }
  }

  public async getStream(uri: string): Promise<AsyncIterable<Uint8Array>> {
    const { bucket, key } = parseS3Uri(uri);
    const res = await this.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    if (res.Body === undefined) throw new Error(`${uri} has no body`);
    // In Node the body is an IncomingMessage (a Readable): an async iterable of Buffers.
    return res.Body as unknown as AsyncIterable<Uint8Array>;
  }

  public async put(uri: string, body: string, contentType: string): Promise<void> {
    const { bucket, key } = parseS3Uri(uri);
    await this.s3.send(new PutObjectCommand({
      Bucket: bucket,
      Key: key,
      Body: body,
      ContentType: contentType,
      ...(this.options.kmsKeyId ? { ServerSideEncryption: 'aws:kms', SSEKMSKeyId: this.options.kmsKeyId } : {}),
    }));
  }

  public async delete(uris: string[]): Promise<void> {
    const byBucket = new Map<string, string[]>();
    for (const uri of uris) {
      const { bucket, key } = parseS3Uri(uri);
      byBucket.set(bucket, [...(byBucket.get(bucket) ?? []), key]);
    }
    for (const [bucket, keys] of byBucket) {
      for (let i = 0; i < keys.length; i += MAX_DELETE_KEYS) {
        const res = await this.s3.send(new DeleteObjectsCommand({
          Bucket: bucket, Delete: { Objects: keys.slice(i, i + MAX_DELETE_KEYS).map((Key) => ({ Key })), Quiet: true },
        }));
        if (res.Errors && res.Errors.length > 0) {
          const first = res.Errors[0];
          throw new Error(`deleting ${res.Errors.length} object(s) of s3://${bucket}/ failed, first ${first.Key}: ${first.Code} ${first.Message}`);
        }
      }
    }
  }
}

function isNotFound(e: unknown): boolean {
  const err = e as { name?: string; $metadata?: { httpStatusCode?: number } };
  return err?.name === 'NoSuchKey' || err?.name === 'NotFound' || err?.$metadata?.httpStatusCode === 404;
}
