import * as crypto from 'node:crypto';
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { crc32 } from './crc32.js';

/**
 * Key format (docs/rules.md: key-format). A secret is `aks_` + 40 random base62 characters (≈238 bits) + a 6-character
 * base62 CRC32 of everything before it, so scanners recognise real keys offline and we reject typos and
 * junk without hashing or touching the database.
 */
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
export const KEY_ID_PREFIX = 'ak_';
export const SECRET_PREFIX = 'aks_';
const KEY_ID_RANDOM_LENGTH = 20;
const SECRET_RANDOM_LENGTH = 40;
export const CHECKSUM_LENGTH = 6;
export const SECRET_LENGTH = SECRET_PREFIX.length + SECRET_RANDOM_LENGTH + CHECKSUM_LENGTH;
/** Published in the README for secret scanners and DLP rules. */
export const SECRET_PATTERN = /^aks_[0-9A-Za-z]{46}$/;
// Not only whole secrets: a pasted secret missing a character or two is still one.
const SECRET_ANYWHERE = /aks_[0-9A-Za-z]{30,}/;
/** True when text carries something shaped like a secret (used to keep secrets out of logs and audit). */
export function containsSecret(text: string): boolean {
  return SECRET_ANYWHERE.test(text);
}
// A whole secret, or any fragment long enough to be part of one: what logs and stored errors never keep.
const SECRET_FRAGMENT = /aks_[0-9A-Za-z]{8,}/g;
/** Text with every secret (or secret fragment) replaced by `aks_[REDACTED]`. */
export function redactSecrets(text: string): string {
  return text.replace(SECRET_FRAGMENT, 'aks_[REDACTED]');
}

// A webhook's signing secret as Standard Webhooks writes it (event streams, src/domain/streams/secret-box.ts).
const WEBHOOK_SECRET_ANYWHERE = /whsec_[A-Za-z0-9+/=]{8,}/;
const WEBHOOK_SECRETS = /whsec_[A-Za-z0-9+/=]{8,}/g;
/** Text with every webhook signing secret cut out (error texts and logs never keep one). */
export function redactWebhookSecrets(text: string): string {
  return text.replace(WEBHOOK_SECRETS, 'whsec_[REDACTED]');
}
// A TOTP enrolment link carries the step-up secret (docs/admin-security.md), however it is escaped.
const TOTP_LINK = /otpauth(?::|%3A)(?:\/|%2F){2}/i;

/**
 * True when text carries any credential this app deals in: a key's secret, a webhook signing secret
 * or a TOTP enrolment link. What the audit log, which is append-only and mirrored, refuses outright.
 */
export function containsCredential(text: string): boolean {
  return containsSecret(text) || WEBHOOK_SECRET_ANYWHERE.test(text) || TOTP_LINK.test(text);
}

const TOTP_LINKS = /otpauth(?::|%3A)(?:\/|%2F){2}\S*/gi;
/** Text with every credential `containsCredential` knows cut out: for places (URLs) that are kept and shown. */
export function redactCredentials(text: string): string {
  return redactWebhookSecrets(redactSecrets(text)).replace(TOTP_LINKS, '[TOTP link removed]');
}

export const KEY_ID_PATTERN = /^ak_[0-9A-Za-z]{16,64}$/;
/** How much of a secret may be shown to tell keys apart: the prefix and four random characters. */
const SECRET_START_LENGTH = SECRET_PREFIX.length + 4;

/** Uniform base62 from a CSPRNG: bytes ≥ 248 are discarded so `% 62` has no bias. */
export function randomBase62(length: number): string {
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length + 8)) {
      if (byte < 248) out += BASE62[byte % 62];
      if (out.length === length) break;
    }
  }
  return out;
}

function base62Fixed(value: number, width: number): string {
  let out = '';
  let rest = value;
  for (let i = 0; i < width; i++) {
    out = BASE62[rest % 62] + out;
    rest = Math.floor(rest / 62);
  }
  return out;
}

export function checksumOf(text: string): string {
  return base62Fixed(crc32(text), CHECKSUM_LENGTH);
}

export function generateKeyId(): string {
  return KEY_ID_PREFIX + randomBase62(KEY_ID_RANDOM_LENGTH);
}

export function generateSecret(): string {
  const body = SECRET_PREFIX + randomBase62(SECRET_RANDOM_LENGTH);
  return body + checksumOf(body);
}

export function secretStart(secret: string): string {
  return secret.slice(0, SECRET_START_LENGTH);
}

function isBase62Code(code: number): boolean {
  return (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122);
}

/** Length, prefix, alphabet, checksum — in that order, all without hashing or any I/O. */
export function isWellFormedSecret(value: unknown): value is string {
  if (typeof value !== 'string' || value.length !== SECRET_LENGTH || !value.startsWith(SECRET_PREFIX)) return false;
  // SECRET_PATTERN's alphabet test as a loop: a quarter of the regular expression's time, on every verify.
  for (let i = SECRET_PREFIX.length; i < SECRET_LENGTH; i++) if (!isBase62Code(value.charCodeAt(i))) return false;
  const split = SECRET_LENGTH - CHECKSUM_LENGTH;
  return checksumOf(value.slice(0, split)) === value.slice(split);
}

export const HASH_SHA256 = 1;
export const HASH_HMAC_SHA256 = 2;

/**
 * SHA-256 as hex. Node's one-shot `crypto.hash` (from 20.12) costs a third of a Hash object, on every
 * verify; `engines` still allows 20.11, which falls back to createHash.
 */
const sha256Hex: (text: string) => string =
  typeof crypto.hash === 'function'
    ? (text) => crypto.hash('sha256', text, 'hex')
    : (text) => createHash('sha256').update(text).digest('hex');

/**
 * Only hashes are stored. A fast hash is right here (unlike passwords): secrets carry ≥190 random bits,
 * so there is nothing to brute-force, and verification must stay in microseconds (a password KDF would cost 100 ms or more per call).
 */
export class SecretHasher {
  readonly #pepper: string | undefined;

  constructor(pepper: string | undefined) {
    this.#pepper = pepper;
  }

  get version(): number {
    return this.#pepper === undefined ? HASH_SHA256 : HASH_HMAC_SHA256;
  }

  hash(secret: string, version: number = this.version): string {
    if (version === HASH_HMAC_SHA256) {
      if (this.#pepper === undefined) throw new Error('KEY_HASH_PEPPER is needed to hash version-2 keys');
      return createHmac('sha256', this.#pepper).update(secret).digest('hex');
    }
    return sha256Hex(secret);
  }

  /** A presented secret's hash under the current scheme (the first of `lookupHashes`). */
  currentHash(secret: string): { version: number; hash: string } {
    return { version: this.version, hash: this.hash(secret) };
  }

  /** The hashes to look a presented secret up by: the current scheme first, then older ones still valid. */
  lookupHashes(secret: string): Array<{ version: number; hash: string }> {
    const current = this.currentHash(secret);
    return this.version === HASH_SHA256 ? [current] : [current, { version: HASH_SHA256, hash: this.hash(secret, HASH_SHA256) }];
  }

  /**
   * Constant-time comparison of a stored hash with the one computed from a presented secret (both hex):
   * every character is compared whatever the first difference, as timingSafeEqual would, without
   * decoding two Buffers on every verify.
   */
  static sameHash(a: string, b: string): boolean {
    if (a.length !== b.length || a.length === 0) return false;
    let difference = 0;
    for (let i = 0; i < a.length; i++) difference |= a.charCodeAt(i) ^ b.charCodeAt(i);
    return difference === 0;
  }

  /** A value stored at start-up to notice a changed or missing pepper before any key silently fails. */
  fingerprint(): string | undefined {
    return this.#pepper === undefined
      ? undefined
      : createHmac('sha256', this.#pepper).update('access-key-bot:pepper-fingerprint').digest('hex').slice(0, 16);
  }
}
