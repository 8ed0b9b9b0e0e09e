import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKeyId } from '../../src/domain/secrets.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { ALL_METHODS, sendRaw, type RawAnswer } from '../support/raw-http.js';

/**
 * Reliability checklist A10 for the key API's routes (test/http/dispatcher.test.ts covers the others):
 * every method × every path, patterned ones included, × odd bodies, unauthenticated, on the real app.
 */

const send = sendRaw;
const METHODS = ALL_METHODS;
const KEY_ID = generateKeyId();
/** Each path (a template filled in) and the methods it answers; the rest must be 405 with that Allow. */
const ROUTES: Array<[string, string[]]> = [
  ['/access_keys', ['GET', 'HEAD', 'POST']],
  [`/access_keys/${KEY_ID}`, ['GET', 'HEAD', 'DELETE']],
  ['/access_keys/not-a-key-id', ['GET', 'HEAD', 'DELETE']],
  [`/access_keys/${KEY_ID}/status/true`, ['PATCH']],
  [`/access_keys/${KEY_ID}/status/`, ['PATCH']],
  [`/access_keys/${KEY_ID}/status/maybe`, ['PATCH']],
  ['/user/me', ['GET', 'HEAD']],
];
const UNMATCHED = [
  '/access_keys/',
  `/access_keys/${KEY_ID}/`,
  `/access_keys/${KEY_ID}/status`,
  `/access_keys/${KEY_ID}/status/true/x`,
  '/user',
  '/user/me/x',
];
const BODIES: Array<[string, Buffer | undefined, Record<string, string>]> = [
  ['no body', undefined, {}],
  ['an empty body', Buffer.alloc(0), { 'content-type': 'application/json' }],
  ['{}', Buffer.from('{}'), { 'content-type': 'application/json' }],
  ['a form', Buffer.from('name=x&expiresOn=0'), { 'content-type': 'application/x-www-form-urlencoded' }],
  ['binary', Buffer.from([0, 255, 1, 254, 0x7b, 0x22, 0, 0x9f]), { 'content-type': 'application/octet-stream' }],
  ['truncated JSON', Buffer.from('{"name": "x'), { 'content-type': 'application/json' }],
];
const allowOf = (answer: RawAnswer): string[] =>
  String(answer.headers.allow ?? '')
    .split(', ')
    .sort();

describe('reliability A10: the key API routes under every method and odd bodies (the real app in HTTP mode)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => t.stop());

  it('every method × key API path × odd body gets a 4xx (405 with Allow for a wrong method, OPTIONS 204), never a 5xx; /healthz still 200 after', async () => {
    const port = t.app.port;
    const failures: string[] = [];
    for (const [path, allowed] of ROUTES) {
      for (const method of METHODS) {
        for (const [bodyName, body, headers] of BODIES) {
          const answer = await send(port, method, path, body, headers);
          const what = `${method} ${path} with ${bodyName} → ${String(answer.status)} ${answer.body.slice(0, 80)}`;
          if (answer.status === 'reset' || answer.status >= 500) failures.push(what);
          else if (method === 'OPTIONS') {
            expect(answer.status, what).toBe(204);
            expect(allowOf(answer), what).toEqual([...allowed, 'OPTIONS'].sort());
          } else if (!allowed.includes(method)) {
            expect(answer.status, what).toBe(405);
            expect(allowOf(answer), what).toEqual([...allowed, 'OPTIONS'].sort());
          } else {
            expect(answer.status, what).toBeGreaterThanOrEqual(400);
            if (method !== 'HEAD') expect(JSON.parse(answer.body), what).toHaveProperty('error');
          }
        }
      }
    }
    for (const path of UNMATCHED) {
      for (const method of METHODS) {
        const answer = await send(port, method, path, Buffer.from('{}'), { 'content-type': 'application/json' });
        if (answer.status !== 404) failures.push(`${method} ${path} → ${String(answer.status)} (expected 404)`);
      }
    }
    expect(failures).toEqual([]);
    expect((await send(port, 'GET', '/healthz', undefined)).status).toBe(200);
    expect(t.logs.filter((line) => line.includes('http route failed'))).toEqual([]);
  });
});
