import { randomBytes } from 'node:crypto';
import * as zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { crc32 } from '../../src/domain/crc32.js';

describe('crc32', () => {
  it('gives the standard check value, the empty string 0, and fixed sums for UTF-8 text', () => {
    expect(crc32('123456789')).toBe(0xcbf43926);
    expect(crc32('')).toBe(0);
    // Fixed here, so a change shows even where zlib has no crc32 to compare with.
    expect(crc32('aks_')).toBe(0x199a0deb);
    expect(crc32(`aks_${'A'.repeat(40)}`)).toBe(0x557be);
    expect(crc32('héllo wörld')).toBe(0x151d5fb9);
    expect(crc32('鍵 🔑 key')).toBe(0xa12bd0bf);
    // A lone surrogate is encoded as U+FFFD, as Buffer.from does.
    expect(crc32('\uD800')).toBe(0x8b7233c9);
  });

  it('agrees with zlib on ASCII and on multi-byte UTF-8, so no published checksum changes', () => {
    // zlib.crc32 exists on every Node the test tools run on (vitest's vite needs ≥ 20.19); it is the
    // reference here, not a dependency.
    expect(typeof zlib.crc32).toBe('function');
    const samples = [
      'aks_',
      `aks_${'A'.repeat(40)}`,
      'héllo wörld',
      '鍵 🔑 key',
      'a\uD800b\uDC00c',
      ...Array.from({ length: 300 }, (_, i) => randomBytes(i % 97).toString('base64')),
      ...Array.from({ length: 100 }, (_, i) => randomBytes(i % 31).toString('latin1')),
    ];
    for (const sample of samples) expect(crc32(sample), JSON.stringify(sample)).toBe(zlib.crc32(sample));
  });
});
