import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { route } from '../../src/http/route.js';
import { createHttpServer, listen } from '../../src/http/server.js';
import { createMemoryLogger } from '../../src/logger.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { ALL_METHODS, sendRaw } from '../support/raw-http.js';

const send = sendRaw;
const METHODS = ALL_METHODS;
/** The methods each route answers; everything else must be 405 with exactly this Allow. */
const ROUTES: Record<string, string[]> = {
  '/slack/events': ['POST'],
  '/login': ['POST'],
  '/v1/keys/verify': ['POST'],
  '/auth_token/extend': ['GET', 'HEAD'],
  '/healthz': ['GET', 'HEAD'],
};
const UNMATCHED = ['/', '/metrics', '/slack/events/', '/slack', '/v1/keys', '/nope?x=1'];
const BODIES: Array<[string, Buffer | undefined, Record<string, string>]> = [
  ['no body', undefined, {}],
  ['an empty body', Buffer.alloc(0), { 'content-type': 'application/json' }],
  ['{}', Buffer.from('{}'), { 'content-type': 'application/json' }],
  ['a form', Buffer.from('token=x&command=%2Faccesskey&text=help'), { 'content-type': 'application/x-www-form-urlencoded' }],
  ['binary', Buffer.from([0, 255, 1, 254, 0x7b, 0x22, 0, 0x9f]), { 'content-type': 'application/octet-stream' }],
  ['truncated JSON', Buffer.from('{"key": "aks_'), { 'content-type': 'application/json' }],
];

describe('one request never ends the process (the real app in HTTP mode)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => t.stop());

  it('every method × every route × odd bodies gets an answer; wrong methods are 405 with Allow, unknown paths 404, OPTIONS 204; /healthz and Slack still work after', async () => {
    const port = t.app.port;
    const seen: string[] = [];
    for (const [path, allowed] of Object.entries(ROUTES)) {
      for (const method of METHODS) {
        for (const [bodyName, body, headers] of BODIES) {
          const answer = await send(port, method, path, body, headers);
          const what = `${method} ${path} with ${bodyName}`;
          expect(answer.status, what).not.toBe('reset');
          expect(answer.status, what).toBeLessThan(500);
          if (method === 'OPTIONS') {
            expect(answer.status, what).toBe(204);
            expect(answer.headers.allow, what).toBe([...allowed, 'OPTIONS'].join(', '));
          } else if (!allowed.includes(method)) {
            expect(answer.status, what).toBe(405);
            expect(answer.headers.allow, what).toBe([...allowed, 'OPTIONS'].join(', '));
            if (method !== 'HEAD')
              expect(JSON.parse(answer.body), what).toMatchObject({
                error: 'method_not_allowed',
                requestId: answer.headers['x-request-id'],
              });
          }
          seen.push(`${what} → ${String(answer.status)}`);
        }
      }
    }
    for (const path of UNMATCHED) {
      for (const method of METHODS) {
        for (const [bodyName, body, headers] of BODIES) {
          const answer = await send(port, method, path, body, headers);
          const what = `${method} ${path} with ${bodyName}`;
          expect(answer.status, what).toBe(404);
          if (method !== 'HEAD') expect(JSON.parse(answer.body), what).toMatchObject({ error: 'not_found' });
        }
      }
    }
    // Unsigned Slack posts are refused by status, never by a crash.
    expect(seen).toContain('POST /slack/events with {} → 401');
    expect((await send(port, 'GET', '/healthz', undefined)).status).toBe(200);
    expect((await t.slack.sendSlashCommand({ userId: 'UALICE', text: 'help' })).status).toBe(200);
  });

  it('the request from the issue (PUT with {} on /slack/events) is 405 Allow: POST', async () => {
    const answer = await send(t.app.port, 'PUT', '/slack/events', Buffer.from('{}'), { 'content-type': 'application/json' });
    expect(answer.status).toBe(405);
    expect(answer.headers.allow).toBe('POST, OPTIONS');
  });
});

describe('the one catch around every route', () => {
  it('a handler that throws or rejects, and a Slack listener that throws, get a JSON 500 with the request id, which is logged', async () => {
    const logger = createMemoryLogger();
    const throwing = route({
      method: 'GET',
      path: '/throws',
      handle() {
        throw new Error('handler blew up');
      },
    });
    const rejecting = route({ method: 'POST', path: '/rejects', handle: async () => Promise.reject(new Error('handler rejected')) });
    const server = createHttpServer({
      routes: [throwing, rejecting],
      logger,
      slackRequestListener: () => {
        throw new Error('bolt blew up');
      },
    });
    const port = await listen(server, 0, '127.0.0.1');
    try {
      const signed = {
        'x-slack-signature': `v0=${'a'.repeat(64)}`,
        'x-slack-request-timestamp': String(Math.floor(Date.now() / 1000)),
        'content-type': 'application/json',
      };
      const answers = [
        await send(port, 'GET', '/throws', undefined),
        await send(port, 'POST', '/rejects', Buffer.from('{}')),
        await send(port, 'POST', '/slack/events', Buffer.from('{}'), signed),
      ];
      for (const answer of answers) {
        expect(answer.status).toBe(500);
        const body = JSON.parse(answer.body) as Record<string, unknown>;
        expect(body).toMatchObject({ error: 'internal', requestId: answer.headers['x-request-id'] });
        expect(logger.lines.some((line) => line.includes(String(body.requestId)) && line.includes('http route failed'))).toBe(true);
      }
      // The server keeps serving.
      expect((await send(port, 'GET', '/throws', undefined)).status).toBe(500);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
