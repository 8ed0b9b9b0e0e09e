import { someWindowCrc32 } from '../domain/crc32.js';
import { CHECKSUM_LENGTH, SECRET_LENGTH, SECRET_PREFIX, isWellFormedSecret } from '../domain/secrets.js';

/**
 * Longer URLs are refused with 414 before anything else looks at them. Every route's URL is far
 * shorter (the longest, a key API path with its ID, is under 100 characters; the sandbox's under 300),
 * and the secret check below costs in proportion to the length.
 */
export const MAX_URL_LENGTH = 4096;
/** Deeper nesting than this is no honest URL: it is refused rather than decoded further. */
const MAX_DECODE_ROUNDS = 8;
const SECRET_BODY_LENGTH = SECRET_LENGTH - SECRET_PREFIX.length;
const RANDOM_LENGTH = SECRET_BODY_LENGTH - CHECKSUM_LENGTH;
const ESCAPE = /%([0-9A-Fa-f]{2})/g;

/**
 * One round of percent-decoding, byte by byte. Unlike decodeURIComponent it never throws: invalid
 * escapes and invalid UTF-8 stay as they are, which is all a search for ASCII secrets needs.
 */
function decodeOnce(text: string): string {
  return text.replace(ESCAPE, (_escape, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
}

/** A base62 digit's value (0-9, A-Z, a-z in that order, as secrets.ts writes them), or -1. */
function base62Digit(code: number): number {
  if (code >= 48 && code <= 57) return code - 48;
  if (code >= 65 && code <= 90) return code - 55;
  if (code >= 97 && code <= 122) return code - 61;
  return -1;
}

function checksumAt(text: string, start: number): number {
  let value = 0;
  for (let i = start; i < start + CHECKSUM_LENGTH; i++) value = value * 62 + base62Digit(text.charCodeAt(i));
  return value;
}

/** Counts the steps of one check, so tests can see it stays linear in the URL's length. */
interface Work {
  steps: number;
}

/**
 * Whether the base62 run text[from, to) holds a secret's body: its 40 random characters followed by
 * the 6-character checksum of `aks_` and them. The checksum of every window is rolled along the run
 * (one step per character), and only a window whose checksum matches is checked in full.
 */
function runCarriesSecret(text: string, from: number, to: number, work: Work): boolean {
  return someWindowCrc32(text, { from, to: to - CHECKSUM_LENGTH }, SECRET_PREFIX, RANDOM_LENGTH, (start, crc) => {
    work.steps += 1;
    return (
      crc === checksumAt(text, start + RANDOM_LENGTH) && isWellFormedSecret(SECRET_PREFIX + text.slice(start, start + SECRET_BODY_LENGTH))
    );
  });
}

/** The prefix in any case, or a base62 run holding a secret's body whose checksum is right. */
function carriesSecret(text: string, work: Work): boolean {
  work.steps += text.length;
  if (text.toLowerCase().includes(SECRET_PREFIX)) return true;
  let runStart = 0;
  for (let i = 0; i <= text.length; i++) {
    work.steps += 1;
    if (i < text.length && base62Digit(text.charCodeAt(i)) >= 0) continue;
    if (i - runStart >= SECRET_BODY_LENGTH && runCarriesSecret(text, runStart, i, work)) return true;
    runStart = i + 1;
  }
  return false;
}

/** The secret check with its cost: `steps` grows with the URL's length times the decoding rounds, no faster. */
export function inspectUrl(url: string): { secret: boolean; steps: number } {
  const work: Work = { steps: 0 };
  let text = url;
  for (let round = 0; ; round++) {
    if (carriesSecret(text, work)) return { secret: true, steps: work.steps };
    if (!text.includes('%')) return { secret: false, steps: work.steps };
    const decoded = decodeOnce(text);
    work.steps += text.length;
    if (decoded === text) return { secret: false, steps: work.steps };
    // Still changing after this many rounds: fail closed.
    if (round + 1 >= MAX_DECODE_ROUNDS) return { secret: true, steps: work.steps };
    text = decoded;
  }
}

/**
 * OWASP REST: keys never travel in URLs (they end up in proxy logs and browser history). The URL (path
 * and query) is percent-decoded until it stops changing (`%2561` → `%61` → `a`), and every stage is
 * searched for `aks_` in any case and for a secret's body without its prefix (recognised by its
 * checksum, so ordinary long ids are not refused). Every stage is scanned once, in linear time; the
 * caller refuses URLs over MAX_URL_LENGTH first, so one check costs at most a few tens of microseconds.
 */
export function urlCarriesSecret(url: string): boolean {
  return inspectUrl(url).secret;
}

export function urlTooLong(url: string): boolean {
  return url.length > MAX_URL_LENGTH;
}
