import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';

/**
 * The page has no sign-in, so it must only answer the developer's own browser tab. Two things keep other
 * web pages out:
 * - DNS rebinding: a page on evil.example re-points its name at 127.0.0.1 and reads the answers. Its
 *   requests still carry `Host: evil.example`, so only addresses and loopback names (plus the names the
 *   operator bound to) are answered.
 * - Cross-site requests: a form or a "simple" fetch can POST without asking first. Requiring JSON makes
 *   the browser ask (preflight, which is never granted), and the Origin must be this very server.
 */
export interface Refusal {
  status: number;
  error: string;
}

/** The name part of a Host header: `[::1]:3000` → `::1`, `Localhost:3000` → `localhost`. */
function hostName(header: string): string {
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(header);
  if (bracketed?.[1] !== undefined) return bracketed[1].toLowerCase();
  return header.replace(/:\d+$/, '').toLowerCase();
}

export function hostRefusal(req: IncomingMessage, extraNames: readonly string[]): Refusal | undefined {
  const header = req.headers.host;
  const name = header === undefined ? '' : hostName(header);
  const known = isIP(name) !== 0 || name === 'localhost' || name.endsWith('.localhost') || extraNames.some((n) => n.toLowerCase() === name);
  if (known) return undefined;
  return { status: 403, error: 'This Host is not the sandbox’s; open it at http://127.0.0.1:<PORT>/sandbox.' };
}

/** For every POST: JSON only, from a page this server served. */
export function postRefusal(req: IncomingMessage): Refusal | undefined {
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/json') return { status: 415, error: 'Send JSON (Content-Type: application/json).' };
  const origin = req.headers.origin;
  const host = req.headers.host;
  if (origin === undefined || host === undefined || origin.toLowerCase() !== `http://${host.toLowerCase()}`) {
    return { status: 403, error: 'Only the sandbox page itself may do this (Origin must be this server).' };
  }
  return undefined;
}
