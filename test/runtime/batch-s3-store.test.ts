/**
 * The batch runtime's S3 store (lib/runtime/batch/s3-store.ts) and how the Kubernetes batch CLI
 * (lib/runtime/batch/cli.ts) builds it from its environment: with `KMS_KEY_ID` the lineage and the
 * manifest are written SSE-KMS with that key (as the AWS handler does), without it the bucket's
 * default encryption applies. S3 is aws-sdk-client-mock over an in-memory bucket.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Readable } from 'stream';
import {
  DeleteObjectsCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, PutObjectCommandInput, S3Client,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { main, s3StoreOptionsFromEnv } from '../../lib/runtime/batch/cli';
import { S3ObjectStore } from '../../lib/runtime/batch/s3-store';

const KEY = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const s3 = mockClient(S3Client);

/** An in-memory bucket behind the mocked client: List, Get, Put, Delete; the puts are recorded. */
function bucket(objects: Map<string, string>): PutObjectCommandInput[] {
  const puts: PutObjectCommandInput[] = [];
  s3.on(ListObjectsV2Command).callsFake((i) => ({
    Contents: [...objects.keys()].filter((k) => k.startsWith(`${i.Bucket}/${i.Prefix ?? ''}`)).sort()
      .map((k) => ({ Key: k.slice(i.Bucket.length + 1), Size: objects.get(k)!.length, ETag: `"${k.length}"` })),
  }));
  s3.on(GetObjectCommand).callsFake((i) => {
    const text = objects.get(`${i.Bucket}/${i.Key}`);
    if (text === undefined) throw Object.assign(new Error('NoSuchKey'), { name: 'NoSuchKey' });
    return { Body: Object.assign(Readable.from([Buffer.from(text)]), { transformToString: async () => text }) };
  });
  s3.on(PutObjectCommand).callsFake((i) => {
    puts.push(i);
    objects.set(`${i.Bucket}/${i.Key}`, String(i.Body));
    return {};
  });
  s3.on(DeleteObjectsCommand).callsFake((i) => {
    for (const o of i.Delete.Objects) objects.delete(`${i.Bucket}/${o.Key}`);
    return {};
  });
  return puts;
}

beforeEach(() => s3.reset());

describe('S3ObjectStore', () => {
  it('writes SSE-KMS with the key it is given', async () => {
    const puts = bucket(new Map());
    await new S3ObjectStore(new S3Client({ region: 'eu-west-1' }), { kmsKeyId: KEY }).put('s3://scores/fraud/_MANIFEST.json', '{}', 'application/json');
    expect(puts).toEqual([{ Bucket: 'scores', Key: 'fraud/_MANIFEST.json', Body: '{}', ContentType: 'application/json', ServerSideEncryption: 'aws:kms', SSEKMSKeyId: KEY }]);
  });

  it('leaves encryption to the bucket without a key', async () => {
    const puts = bucket(new Map());
    await new S3ObjectStore(new S3Client({ region: 'eu-west-1' })).put('s3://scores/fraud/_MANIFEST.json', '{}', 'application/json');
    expect(puts[0]).not.toHaveProperty('ServerSideEncryption');
    expect(puts[0]).not.toHaveProperty('SSEKMSKeyId');
  });
});

describe('the batch CLI on Kubernetes', () => {
  it('reads the key from KMS_KEY_ID (trimmed); unset or blank is the bucket default', () => {
    expect(s3StoreOptionsFromEnv({ KMS_KEY_ID: KEY })).toEqual({ kmsKeyId: KEY });
    expect(s3StoreOptionsFromEnv({ KMS_KEY_ID: ` ${KEY}\n` })).toEqual({ kmsKeyId: KEY });
    expect(s3StoreOptionsFromEnv({ KMS_KEY_ID: '  ' })).toEqual({});
    expect(s3StoreOptionsFromEnv({})).toEqual({});
  });

  it.each([[KEY, { ServerSideEncryption: 'aws:kms', SSEKMSKeyId: KEY }], [undefined, {}]])(
    'commits a run to S3 with KMS_KEY_ID=%s: the lineage and the manifest PUTs carry that encryption',
    async (kmsKeyId, sse) => {
      const objects = new Map([
        ['data/events/date=2026-11-26/a.csv', '1,2\n3,4\n'],
        ['scores/fraud/date=2026-11-26/run=r1/a.csv.out', '0.1\n0.2\n'],
      ]);
      const puts = bucket(objects);
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'batch-s3-'));
      const config = path.join(dir, 'config.json');
      fs.writeFileSync(config, JSON.stringify({
        spec: { name: 'fraud-daily', inputUri: 's3://data/events/', outputUri: 's3://scores/fraud/' }, modelVersion: '7', modelSource: 'models:/fraud/7',
      }));
      const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
      const validate = await main(['validate-input', '--config', config, '--date', '2026-11-26', '--run-id', 'r1', '--output-dir', dir], undefined, {});
      expect(validate).toBe(0);
      const code = await main([
        'commit', '--config', config, '--date', '2026-11-26', '--run-id', 'r1',
        '--input-records', fs.readFileSync(path.join(dir, 'input-records'), 'utf8'), '--data-version', fs.readFileSync(path.join(dir, 'data-version'), 'utf8'),
      ], undefined, kmsKeyId === undefined ? {} : { KMS_KEY_ID: kmsKeyId });
      log.mockRestore();
      expect(code).toBe(0);
      expect(puts.map((p) => p.Key)).toEqual(['fraud/date=2026-11-26/run=r1/_LINEAGE.json', 'fraud/date=2026-11-26/_MANIFEST.json']);
      for (const p of puts) {
        expect(p).toMatchObject(sse);
        if (kmsKeyId === undefined) expect(p).not.toHaveProperty('ServerSideEncryption');
      }
    },
  );
});
