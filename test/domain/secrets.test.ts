import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SECRET_PATTERN, SecretHasher, checksumOf, generateKeyId, generateSecret, isWellFormedSecret } from '../../src/domain/secrets.js';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

describe('secrets', () => {
  it('100,000 generated secrets all match the published pattern, all checksums validate, and none repeat', () => {
    const seen = new Set<string>();
    const issuePattern = /^aks_[0-9A-Za-z]{38,}$/;
    let badShape = 0;
    let badChecksum = 0;
    for (let i = 0; i < 100_000; i++) {
      const secret = generateSecret();
      if (!issuePattern.test(secret) || !SECRET_PATTERN.test(secret)) badShape++;
      if (!isWellFormedSecret(secret)) badChecksum++;
      seen.add(secret);
    }
    expect({ badShape, badChecksum, distinct: seen.size }).toEqual({ badShape: 0, badChecksum: 0, distinct: 100_000 });
  });

  it('a secret with any one character changed never passes the checksum', () => {
    const secret = generateSecret();
    let mutations = 0;
    for (let position = 4; position < secret.length; position++) {
      for (const replacement of BASE62) {
        if (replacement === secret[position]) continue;
        const mutated = secret.slice(0, position) + replacement + secret.slice(position + 1);
        expect(isWellFormedSecret(mutated)).toBe(false);
        mutations++;
      }
    }
    expect(mutations).toBe(46 * 61);
  });

  it('rejects wrong prefixes, lengths, alphabets and non-strings before any hashing', () => {
    const secret = generateSecret();
    for (const bad of [
      null,
      42,
      ['x'],
      '',
      'aks_',
      `ak_${secret.slice(3)}`,
      `${secret} `,
      ` ${secret}`,
      `${secret}\n`,
      secret.slice(0, -1),
      `${secret.slice(0, 10)}\u0000${secret.slice(11)}`,
      secret.replace(/[a-z]/, 'é'),
    ]) {
      expect(isWellFormedSecret(bad)).toBe(false);
    }
    expect(isWellFormedSecret(secret)).toBe(true);
  });

  it('agrees with the published pattern on every character, even where the checksum would pass', () => {
    const secret = generateSecret();
    let checked = 0;
    for (let code = 0; code < 0x3000; code++) {
      const character = String.fromCharCode(code);
      // In the random part, with the checksum recomputed: only the alphabet test can refuse it.
      const body = `${secret.slice(0, 20)}${character}${secret.slice(21, 44)}`;
      const inBody = `${body}${checksumOf(body)}`;
      // In the checksum itself.
      const inChecksum = `${secret.slice(0, 47)}${character}${secret.slice(48)}`;
      for (const candidate of [inBody, inChecksum]) {
        const published = SECRET_PATTERN.test(candidate) && checksumOf(candidate.slice(0, 44)) === candidate.slice(44);
        expect(isWellFormedSecret(candidate)).toBe(published);
        checked++;
      }
    }
    expect(checked).toBe(2 * 0x3000);
  });

  it('the checksum is six base62 characters of the CRC32 of what precedes it', () => {
    const secret = generateSecret();
    expect(secret.slice(-6)).toBe(checksumOf(secret.slice(0, -6)));
    expect(checksumOf('aks_')).toMatch(/^[0-9A-Za-z]{6}$/);
  });

  it('key IDs are ak_ followed by base62 and do not repeat', () => {
    const ids = new Set(Array.from({ length: 10_000 }, generateKeyId));
    expect(ids.size).toBe(10_000);
    for (const id of ids) expect(id).toMatch(/^ak_[0-9A-Za-z]{20}$/);
  });

  it('hashes with SHA-256 without a pepper and HMAC-SHA256 with one, and they differ', () => {
    const secret = generateSecret();
    const plain = new SecretHasher(undefined);
    const peppered = new SecretHasher('p'.repeat(32));
    expect(plain.version).toBe(1);
    expect(peppered.version).toBe(2);
    expect(plain.hash(secret)).toMatch(/^[0-9a-f]{64}$/);
    expect(peppered.hash(secret)).not.toBe(plain.hash(secret));
    expect(SecretHasher.sameHash(plain.hash(secret), plain.hash(secret))).toBe(true);
    expect(SecretHasher.sameHash(plain.hash(secret), peppered.hash(secret))).toBe(false);
  });

  it('hashes with SHA-256 and compares whole hashes only', () => {
    const secret = generateSecret();
    const hash = new SecretHasher(undefined).hash(secret);
    expect(hash).toBe(createHash('sha256').update(secret).digest('hex'));
    expect(new SecretHasher(undefined).currentHash(secret)).toEqual({ version: 1, hash });
    const lastDiffers = `${hash.slice(0, -1)}${hash.endsWith('0') ? '1' : '0'}`;
    expect(SecretHasher.sameHash(hash, lastDiffers)).toBe(false);
    expect(SecretHasher.sameHash(hash, hash.slice(0, -1))).toBe(false);
    expect(SecretHasher.sameHash('', '')).toBe(false);
  });
});
