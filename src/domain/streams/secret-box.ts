import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

/** A webhook's signing secret as Standard Webhooks writes it: `whsec_` and 32 random bytes in base64. */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

/** The pattern lives with the other secret shapes, so the logger redacts it too. */
export { redactWebhookSecrets } from '../secrets.js';

/**
 * Encrypts stream secrets at rest (AES-256-GCM, a fresh IV each time) under a key derived with HKDF from
 * STREAM_SECRET_KEY (or, unset, KEY_HASH_PEPPER). The database alone therefore cannot sign deliveries.
 */
export class StreamSecretBox {
  readonly #key: Buffer;

  constructor(keyMaterial: string) {
    if (keyMaterial.length < 32) throw new Error('the stream secret key must be at least 32 characters');
    this.#key = Buffer.from(hkdfSync('sha256', keyMaterial, 'access-key-bot', 'stream-secrets-v1', 32));
  }

  seal(secret: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv);
    const body = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
    return ['v1', iv.toString('base64'), cipher.getAuthTag().toString('base64'), body.toString('base64')].join(':');
  }

  open(sealed: string): string {
    const [version, iv, tag, body] = sealed.split(':');
    if (version !== 'v1' || iv === undefined || tag === undefined || body === undefined) throw new Error('unreadable stream secret');
    const decipher = createDecipheriv('aes-256-gcm', this.#key, Buffer.from(iv, 'base64'));
    decipher.setAuthTag(Buffer.from(tag, 'base64'));
    return Buffer.concat([decipher.update(Buffer.from(body, 'base64')), decipher.final()]).toString('utf8');
  }
}
