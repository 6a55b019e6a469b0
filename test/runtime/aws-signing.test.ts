/**
 * The SHA-256 the runtime's hand-written AWS calls give the SDK's SigV4 signer
 * (lib/runtime/aws-signing.ts; used by experiment/aws-state.ts and promotion/requeue.ts).
 */
// eslint-disable-next-line import/no-extraneous-dependencies
import { SignatureV4 } from '@smithy/signature-v4';
import { describe, expect, it } from 'vitest';
import { bytes, Sha256 } from '../../lib/runtime/aws-signing';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
// FIPS 180-2, appendix B.1: SHA-256("abc").
const ABC = 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad';
// RFC 4231, test case 2: HMAC-SHA-256 with key "Jefe".
const JEFE = '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843';

describe('aws-signing', () => {
  it('hashes a string, a Uint8Array and an ArrayBuffer alike', async () => {
    const u8 = new TextEncoder().encode('abc');
    for (const input of ['abc', u8, u8.buffer.slice(u8.byteOffset, u8.byteOffset + u8.byteLength)]) {
      const h = new Sha256();
      h.update(input);
      expect(hex(await h.digest())).toBe(ABC);
    }
  });

  it('takes only the bytes a view covers, not its whole buffer', async () => {
    const buffer = new TextEncoder().encode('xxabcyy');
    const view = new Uint8Array(buffer.buffer, buffer.byteOffset + 2, 3);
    expect(bytes(view).toString('utf-8')).toBe('abc');
    const h = new Sha256();
    h.update(new DataView(buffer.buffer, buffer.byteOffset + 2, 3));
    expect(hex(await h.digest())).toBe(ABC);
  });

  it('hashes updates in sequence, and starts over after reset', async () => {
    const h = new Sha256();
    h.update('a');
    h.update('bc');
    expect(hex(await h.digest())).toBe(ABC);
    h.reset();
    h.update('abc');
    expect(hex(await h.digest())).toBe(ABC);
  });

  it('is an HMAC with a key (string or bytes)', async () => {
    for (const key of ['Jefe', new TextEncoder().encode('Jefe')]) {
      const h = new Sha256(key);
      h.update('what do ya want for nothing?');
      expect(hex(await h.digest())).toBe(JEFE);
      h.reset();
      h.update('what do ya want ');
      h.update('for nothing?');
      expect(hex(await h.digest())).toBe(JEFE);
    }
  });

  it('signs with the SDK signer as AWS documents (SigV4 test suite, get-vanilla)', async () => {
    const signer = new SignatureV4({
      service: 'service',
      region: 'us-east-1',
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' },
      sha256: Sha256,
      applyChecksum: false, // the suite's request has no x-amz-content-sha256 header
    });
    const signed = await signer.sign(
      { method: 'GET', protocol: 'https:', hostname: 'example.amazonaws.com', path: '/', query: {}, headers: { host: 'example.amazonaws.com' } },
      { signingDate: new Date('2015-08-30T12:36:00Z') },
    );
    expect(signed.headers.authorization).toBe('AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, '
      + 'SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31');
  });
});
