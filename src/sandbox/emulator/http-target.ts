import { request } from 'node:http';
import { signedHeaders, slackSignature } from './signing.js';
import { tryParseJson } from './json.js';
import type { RawRequest, RawResponse } from './types.js';

/** Slack's exact content types (as Slack sends them): Bolt compares the form type as an exact string. */
export const FORM_CONTENT_TYPE = 'application/x-www-form-urlencoded';
export const JSON_CONTENT_TYPE = 'application/json';

function parseAnswer(text: string, contentType: string | undefined): unknown {
  if (text.length === 0) return undefined;
  if ((contentType ?? '').includes('json')) {
    const parsed = tryParseJson(text);
    if (parsed.ok) return parsed.value;
  }
  return text;
}

/**
 * One POST to the app, with no connection reuse so that stopping the app's server is never held up
 * by an idle keep-alive socket from the emulator.
 */
export function postToApp(url: string, body: string, headers: Record<string, string>, timeoutMs: number): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const req = request(
      url,
      { method: 'POST', headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) }, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const ackMs = performance.now() - started;
          const text = Buffer.concat(chunks).toString('utf8');
          const flat: Record<string, string> = {};
          for (const [key, value] of Object.entries(res.headers)) {
            if (value !== undefined) flat[key] = Array.isArray(value) ? value.join(', ') : value;
          }
          resolve({ status: res.statusCode ?? 0, body: parseAnswer(text, res.headers['content-type']), headers: flat, ackMs });
        });
        res.on('error', reject);
      },
    );
    req.setTimeout(timeoutMs, () => {
      req.destroy();
      resolve({ status: 0, body: undefined, headers: {}, ackMs: performance.now() - started });
    });
    // After a timeout the destroyed request also emits 'error'; the promise is settled by then.
    req.on('error', reject);
    req.end(body);
  });
}

/** Builds the headers for sendRaw: signed by default, or with a chosen timestamp/secret, or unsigned. */
export function rawHeaders(raw: RawRequest, signingSecret: string, nowSec: number): Record<string, string> {
  const headers: Record<string, string> = { 'content-type': raw.contentType ?? FORM_CONTENT_TYPE };
  const sign = raw.sign ?? true;
  if (sign !== false) {
    const options = sign === true ? {} : sign;
    const timestamp = options.timestamp ?? nowSec;
    headers['x-slack-request-timestamp'] = String(timestamp);
    headers['x-slack-signature'] = slackSignature(options.secret ?? signingSecret, timestamp, raw.body);
  }
  return { ...headers, ...(raw.headers ?? {}) };
}

export function signedAppHeaders(signingSecret: string, nowSec: number, body: string, contentType: string): Record<string, string> {
  return { 'content-type': contentType, ...signedHeaders(signingSecret, nowSec, body) };
}
