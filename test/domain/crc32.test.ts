import { randomBytes } from 'node:crypto';
import * as zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { crc32 } from '../../src/domain/crc32.js';

describe('crc32', () => {
  it('gives the standard check value and the empty string 0', () => {
    expect(crc32('123456789')).toBe(0xcbf43926);
    expect(crc32('')).toBe(0);
  });

  it('agrees with zlib on ASCII and on multi-byte UTF-8, so no published checksum changes', () => {
    // zlib.crc32 exists on the Node versions CI runs (≥ 20.15); it is the reference here, not a dependency.
    expect(typeof zlib.crc32).toBe('function');
    const samples = [
      'aks_',
      `aks_${'A'.repeat(40)}`,
      'héllo wörld',
      '鍵 🔑 key',
      ...Array.from({ length: 300 }, (_, i) => randomBytes(i % 97).toString('base64')),
      ...Array.from({ length: 100 }, (_, i) => randomBytes(i % 31).toString('latin1')),
    ];
    for (const sample of samples) expect(crc32(sample), JSON.stringify(sample)).toBe(zlib.crc32(sample));
  });
});
