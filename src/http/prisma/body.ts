import type { IncomingMessage } from 'node:http';
import { MAX_BODY_BYTES, readJsonBody, type BodyResult } from '../body.js';

/**
 * Bodiless calls (GET, DELETE, the status PATCH) arrive from real clients with `Content-Type:
 * application/json` and an empty body — or `null`, which Python's `json.dumps(None)` sends. Both mean
 * "no body"; so does `{}`. Anything else is refused, so a misdirected call never half-works.
 */
export async function readNoBody(req: IncomingMessage): Promise<'ok' | 'payload_too_large' | 'unexpected_body'> {
  const declared = req.headers['content-length'];
  if (declared === '0' || (declared === undefined && req.headers['transfer-encoding'] === undefined)) {
    req.resume();
    return 'ok';
  }
  const text = await readText(req, MAX_BODY_BYTES);
  if (text === TOO_LARGE) return 'payload_too_large';
  // An aborted upload must not go on to change anything; its answer goes nowhere anyway.
  if (text === ABORTED) return 'unexpected_body';
  const trimmed = text.trim();
  return trimmed === '' || trimmed === 'null' || /^\{\s*\}$/.test(trimmed) ? 'ok' : 'unexpected_body';
}

/** A JSON body (at most 8 KB), as `/login` reads it. */
export function readBody(req: IncomingMessage): Promise<BodyResult> {
  return readJsonBody(req, MAX_BODY_BYTES);
}

const TOO_LARGE = Symbol('too large');
const ABORTED = Symbol('aborted');

function readText(req: IncomingMessage, limit: number): Promise<string | typeof TOO_LARGE | typeof ABORTED> {
  if (Number(req.headers['content-length'] ?? 0) > limit) return Promise.resolve(TOO_LARGE);
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const settle = (value: string | typeof TOO_LARGE | typeof ABORTED) => {
      if (settled) return;
      settled = true;
      resolve(value);
    };
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.pause();
        settle(TOO_LARGE);
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => settle(Buffer.concat(chunks).toString('utf8')));
    req.on('error', () => settle(ABORTED));
  });
}
