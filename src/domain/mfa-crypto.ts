import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * TOTP secrets at rest (docs/admin-security.md): AES-256-GCM under MFA_ENCRYPTION_KEY, a fresh 96-bit IV
 * each time, the owner's user id as associated data (a row copied onto another admin does not decrypt).
 * Stored as `v1.<iv>.<tag>.<ciphertext>`, each part base64url.
 */
const VERSION = 'v1';

export function encryptSecret(key: Uint8Array, userId: string, plaintext: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(userId, 'utf8'));
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return [VERSION, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), body.toString('base64url')].join('.');
}

/** The plaintext, or undefined when the stored value was not made with this key for this user. */
export function decryptSecret(key: Uint8Array, userId: string, stored: string): string | undefined {
  const [version, iv, tag, body] = stored.split('.');
  if (version !== VERSION || iv === undefined || tag === undefined || body === undefined) return undefined;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(userId, 'utf8'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
  } catch (error) {
    // GCM's authentication failure is the expected answer to a wrong key or a tampered row.
    if (error instanceof Error && /unable to authenticate|auth/i.test(error.message)) return undefined;
    throw error;
  }
}
