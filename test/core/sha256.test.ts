import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { sha256Hex } from '../../lib/core/sha256';

const node = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

describe('sha256Hex', () => {
  // FIPS 180-4 example values (NIST CSRC "Cryptographic Standards and Guidelines: Examples").
  it.each([
    ['the empty string', '', 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'],
    ['"abc"', 'abc', 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'],
    [
      'the 448-bit message',
      'abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq',
      '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1',
    ],
    ['one million "a"', 'a'.repeat(1_000_000), 'cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0'],
  ])('matches the NIST vector for %s', (_name, input, digest) => {
    expect(sha256Hex(input)).toBe(digest);
  });

  it('agrees with node:crypto on 1000 "a"', () => {
    expect(sha256Hex('a'.repeat(1000))).toBe(node('a'.repeat(1000)));
  });

  // 55 bytes is the longest message whose padding fits one block; 56-64 need a second one.
  it.each([1, 55, 56, 57, 63, 64, 65, 119, 120, 128])('agrees with node:crypto at %i bytes (padding boundaries)', (n) => {
    const text = 'x'.repeat(n);
    expect(sha256Hex(text)).toBe(node(text));
  });

  it.each(['é', 'größe €', '日本語', '😀 emoji outside the BMP', 'mixed ascii, ü, 中, 🚀'])('hashes %j as UTF-8', (text) => {
    expect(sha256Hex(text)).toBe(node(text));
  });

  it('hashes the UTF-8 bytes, not UTF-16 code units', () => {
    // "é" is the two bytes c3 a9 in UTF-8.
    expect(sha256Hex('é')).toBe(createHash('sha256').update(Buffer.from([0xc3, 0xa9])).digest('hex'));
  });
});
