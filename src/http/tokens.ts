import { randomUUID } from 'node:crypto';
import { SignJWT, errors as joseErrors, jwtVerify } from 'jose';

/** Tokens from /login and /auth_token/extend live this long (docs/http-api.md, as Prisma Cloud's do). */
export const TOKEN_TTL_SECONDS = 10 * 60;
const ISSUER = 'access-key-bot';
const AUDIENCE = 'access-key-bot:integration-api';
/** A real token is a few hundred characters; anything far longer is refused before any crypto. */
const MAX_TOKEN_LENGTH = 4096;

export interface TokenClaims {
  keyId: string;
  ownerId: string;
  roleName: string | null;
}

/**
 * HS256 JWTs signed with TOKEN_SIGNING_SECRET. They carry the key ID (`sub`), its owner and role; the
 * key is re-checked on every extend, so a token never outlives its key by more than its own lifetime.
 */
export class TokenIssuer {
  readonly #key: Uint8Array;
  readonly #now: () => Date;

  constructor(secret: string, now: () => Date) {
    this.#key = new TextEncoder().encode(secret);
    this.#now = now;
  }

  async issue(claims: TokenClaims): Promise<{ token: string; expiresAt: Date }> {
    const issuedAt = Math.floor(this.#now().getTime() / 1000);
    const expiresAt = issuedAt + TOKEN_TTL_SECONDS;
    const token = await new SignJWT({ owner: claims.ownerId, role: claims.roleName })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(claims.keyId)
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt(issuedAt)
      .setExpirationTime(expiresAt)
      .setJti(randomUUID())
      .sign(this.#key);
    return { token, expiresAt: new Date(expiresAt * 1000) };
  }

  /** The key ID a valid, unexpired token names; undefined for anything else (never throws on bad input). */
  async keyIdOf(token: string): Promise<string | undefined> {
    if (token.length === 0 || token.length > MAX_TOKEN_LENGTH) return undefined;
    try {
      const { payload } = await jwtVerify(token, this.#key, {
        algorithms: ['HS256'],
        issuer: ISSUER,
        audience: AUDIENCE,
        currentDate: this.#now(),
        requiredClaims: ['sub', 'exp', 'iat'],
      });
      return payload.sub;
    } catch (error) {
      if (error instanceof joseErrors.JOSEError) return undefined;
      throw error;
    }
  }
}
