import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * Reading a size-limited request body and writing a JSON answer, shared by the integration API
 * (src/http/) and the local sandbox (src/sandbox/), which may not import each other.
 */

export type LimitedBody = { ok: true; bytes: Buffer } | { ok: false; error: 'too_large' | 'aborted' };

/**
 * Reads a body of at most `limit` bytes and calls `done` exactly once: in the tick its last byte
 * arrived, or at once when the declared Content-Length is already too large (no byte is read then).
 * A chunked or lying body is counted while streaming; reading stops at the first byte over, so the
 * caller answers with `Connection: close` and the rest is never consumed.
 */
export function onLimitedBody(req: IncomingMessage, limit: number, done: (body: LimitedBody) => void): void {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > limit) {
    done({ ok: false, error: 'too_large' });
    return;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  let settled = false;
  const finish = (body: LimitedBody) => {
    if (settled) return;
    settled = true;
    req.off('data', onData);
    req.off('end', onEnd);
    req.off('error', onError);
    done(body);
  };
  const onData = (chunk: Buffer) => {
    size += chunk.length;
    if (size > limit) {
      // Stop pulling from the socket: the rest of an oversized body is never read into memory.
      req.pause();
      finish({ ok: false, error: 'too_large' });
      return;
    }
    chunks.push(chunk);
  };
  const onEnd = () => finish({ ok: true, bytes: chunks.length === 1 ? (chunks[0] ?? Buffer.alloc(0)) : Buffer.concat(chunks, size) });
  // An aborted upload is reported, never thrown: its answer goes nowhere anyway.
  const onError = () => finish({ ok: false, error: 'aborted' });
  req.on('data', onData);
  req.on('end', onEnd);
  req.on('error', onError);
}

export function readLimitedBody(req: IncomingMessage, limit: number): Promise<LimitedBody> {
  return new Promise((resolve) => onLimitedBody(req, limit, resolve));
}

/** The one JSON writer: every JSON answer of the API and the sandbox goes out here. */
export function writeJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  writeJsonText(res, status, JSON.stringify(body), headers);
}

/** writeJson for a body already serialised (verify sends the same text for a cached key many times). */
export function writeJsonText(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(text)),
    ...headers,
  });
  res.end(text);
}
