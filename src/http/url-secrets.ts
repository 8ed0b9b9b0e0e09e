import { SECRET_LENGTH, SECRET_PREFIX, isWellFormedSecret } from '../domain/secrets.js';

/** Deeper nesting than this is no honest URL: it is refused rather than decoded further. */
const MAX_DECODE_ROUNDS = 8;
const SECRET_BODY_LENGTH = SECRET_LENGTH - SECRET_PREFIX.length;
const ESCAPE = /%([0-9A-Fa-f]{2})/g;
// Only runs at least as long as a secret's random body plus checksum can be one.
const BASE62_RUN = new RegExp(`[0-9A-Za-z]{${SECRET_BODY_LENGTH},}`, 'g');

/**
 * One round of percent-decoding, byte by byte. Unlike decodeURIComponent it never throws: invalid
 * escapes and invalid UTF-8 stay as they are, which is all a search for ASCII secrets needs.
 */
function decodeOnce(text: string): string {
  return text.replace(ESCAPE, (_escape, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
}

/** The prefix in any case, or a base62 run holding a secret's body whose checksum is right. */
function carriesSecret(text: string): boolean {
  if (text.toLowerCase().includes(SECRET_PREFIX)) return true;
  for (const match of text.matchAll(BASE62_RUN)) {
    const run = match[0];
    for (let start = 0; start + SECRET_BODY_LENGTH <= run.length; start++) {
      if (isWellFormedSecret(SECRET_PREFIX + run.slice(start, start + SECRET_BODY_LENGTH))) return true;
    }
  }
  return false;
}

/**
 * OWASP REST: keys never travel in URLs (they end up in proxy logs and browser history). The URL (path
 * and query) is percent-decoded until it stops changing (`%2561` → `%61` → `a`), and every stage is
 * searched for `aks_` in any case and for a secret's body without its prefix (recognised by its
 * checksum, so ordinary long ids are not refused). Normal URLs have neither `%` nor a 46-character run,
 * so they cost one lower-casing and one regular-expression scan.
 */
export function urlCarriesSecret(url: string): boolean {
  let text = url;
  for (let round = 0; ; round++) {
    if (carriesSecret(text)) return true;
    if (!text.includes('%')) return false;
    const decoded = decodeOnce(text);
    if (decoded === text) return false;
    // Still changing after this many rounds: fail closed.
    if (round + 1 >= MAX_DECODE_ROUNDS) return true;
    text = decoded;
  }
}
