import type { IncomingMessage } from 'node:http';

/** Checklist A2: bodies above this are refused before parsing. */
export const MAX_BODY_BYTES = 8 * 1024;

export type BodyResult =
  | { ok: true; value: unknown }
  | { ok: false; error: 'payload_too_large' | 'invalid_json' | 'unsupported_media_type' };

/**
 * Only `application/json` (any parameters, e.g. charset) is read as JSON. A body without a Content-Type
 * is refused too: a form post or a text/plain one (what browsers send cross-site without a preflight)
 * must never be taken for JSON. An empty body needs no type; it simply is not a JSON document.
 */
function isJsonRequest(req: IncomingMessage): boolean {
  const type = req.headers['content-type'];
  if (type === undefined) return req.headers['transfer-encoding'] === undefined && (req.headers['content-length'] ?? '0') === '0';
  // What nearly every client sends, compared before splitting and lower-casing: a microsecond per verify.
  if (type === 'application/json') return true;
  return (type.split(';')[0] ?? '').trim().toLowerCase() === 'application/json';
}

/**
 * Reads a JSON body of at most `limit` bytes. A declared Content-Length above the limit is refused
 * without reading a byte; a chunked or lying body is counted while streaming and reading stops at the
 * first byte over. The caller answers 413 (or 415) with `Connection: close`, so the rest is never consumed.
 */
export function readJsonBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<BodyResult> {
  return new Promise((resolve) => onJsonBody(req, limit, resolve));
}

/**
 * readJsonBody with a callback, called exactly once: in the tick the last byte arrived (or at once, for
 * a refusal from the headers). The verify route answers from inside it, with no promise in between.
 */
export function onJsonBody(req: IncomingMessage, limit: number, done: (result: BodyResult) => void): void {
  if (!isJsonRequest(req)) {
    done({ ok: false, error: 'unsupported_media_type' });
    return;
  }
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > limit) {
    done({ ok: false, error: 'payload_too_large' });
    return;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  let settled = false;
  const finish = (result: BodyResult) => {
    if (settled) return;
    settled = true;
    req.off('data', onData);
    req.off('end', onEnd);
    req.off('error', onError);
    done(result);
  };
  const onData = (chunk: Buffer) => {
    size += chunk.length;
    if (size > limit) {
      // Stop pulling from the socket: the rest of an oversized body is never read into memory.
      req.pause();
      finish({ ok: false, error: 'payload_too_large' });
      return;
    }
    chunks.push(chunk);
  };
  const onEnd = () => {
    const text = chunks.length === 1 ? (chunks[0] ?? Buffer.alloc(0)).toString('utf8') : Buffer.concat(chunks, size).toString('utf8');
    let result: BodyResult;
    try {
      result = { ok: true, value: JSON.parse(text) as unknown };
    } catch {
      result = { ok: false, error: 'invalid_json' };
    }
    // Outside the try: whatever `done` throws is its caller's to catch, never taken for bad JSON.
    finish(result);
  };
  // An aborted upload settles as invalid; the response then goes nowhere, which is fine.
  const onError = () => finish({ ok: false, error: 'invalid_json' });
  req.on('data', onData);
  req.on('end', onEnd);
  req.on('error', onError);
}
