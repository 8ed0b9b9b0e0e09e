import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { dialects } from '../support/db.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { rawRequest, startApi, type ApiHarness } from './harness.js';

const minimal = { SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 's', AUDIT_CHANNEL_ID: 'C0AUDIT' };
const METRICS_TOKEN = 'metrics-token-metrics-token-metrics-token';

describe('where /metrics is served', () => {
  let t: TestApp | undefined;
  afterEach(async () => {
    await t?.stop();
    t = undefined;
  });

  it('by default on METRICS_PORT, bound to loopback, and not on the public PORT', async () => {
    expect(loadConfig(minimal).metrics).toEqual({ port: 9464, host: '127.0.0.1', token: undefined });
    t = await startTestApp();
    expect(t.app.metricsPort).not.toBe(t.app.port);
    const publicReply = await fetch(`http://127.0.0.1:${t.app.port}/metrics`);
    expect(publicReply.status).toBe(404);
    const metricsReply = await fetch(`http://127.0.0.1:${t.app.metricsPort}/metrics`);
    expect(metricsReply.status).toBe(200);
    expect(metricsReply.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await metricsReply.text()).toContain('akb_http_requests_total');
    // The metrics port serves nothing else.
    expect(
      (
        await fetch(`http://127.0.0.1:${t.app.metricsPort}/v1/keys/verify`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: '{}',
        })
      ).status,
    ).toBe(404);
  });

  it('with METRICS_TOKEN also on PORT, but only with that bearer token', async () => {
    t = await startTestApp({ env: { METRICS_TOKEN } });
    const url = `http://127.0.0.1:${t.app.port}/metrics`;
    const missing = await fetch(url);
    expect(missing.status).toBe(401);
    expect(await missing.json()).toMatchObject({ error: 'metrics_token_required' });
    expect((await fetch(url, { headers: { authorization: `Bearer ${METRICS_TOKEN}x` } })).status).toBe(401);
    expect((await fetch(url, { headers: { authorization: METRICS_TOKEN } })).status).toBe(401);
    const allowed = await fetch(url, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(allowed.status).toBe(200);
    expect(await allowed.text()).toContain('akb_http_requests_total');
  });

  it('refuses a short METRICS_TOKEN and a METRICS_PORT that is no port, naming both', () => {
    expect(() => loadConfig({ ...minimal, METRICS_TOKEN: 'short', METRICS_PORT: 'abc' })).toThrow(
      /METRICS_PORT must be a port number[\s\S]*METRICS_TOKEN must be at least 32 characters|METRICS_TOKEN must be at least 32 characters[\s\S]*METRICS_PORT must be a port number/,
    );
    expect(loadConfig({ ...minimal, METRICS_PORT: '0', METRICS_HOST: '0.0.0.0' }).metrics).toMatchObject({ port: 0, host: '0.0.0.0' });
  });
});

describe.each(dialects)('JSON bodies only as application/json on %s', (dialect) => {
  let h: ApiHarness;
  beforeEach(async () => {
    h = await startApi(dialect);
  });
  afterEach(async () => h.close());

  it.each([
    ['text/plain', { 'content-type': 'text/plain;charset=UTF-8' }],
    ['a form', { 'content-type': 'application/x-www-form-urlencoded' }],
    ['application/jsonp', { 'content-type': 'application/jsonp' }],
    ['no Content-Type at all', {}],
  ])(
    'a JSON-looking body sent as %s is 415 unsupported_media_type on /login and verify',
    async (_name, headers: Record<string, string>) => {
      const key = await h.createKey('ci');
      for (const [path, body] of [
        ['/login', { username: key.id, password: key.secret }],
        ['/v1/keys/verify', { key: key.secret }],
      ] as const) {
        const text = JSON.stringify(body);
        const reply = await rawRequest(h.base, { path, headers: { ...headers, 'content-length': String(text.length) }, chunks: [text] });
        expect(reply.status, path).toBe(415);
        expect(JSON.parse(reply.body), path).toMatchObject({ error: 'unsupported_media_type', requestId: expect.any(String) });
      }
    },
  );

  it('application/json with a charset is read; an empty JSON-typed body is 400, and body-less routes ignore the type', async () => {
    const key = await h.createKey('ci');
    const verify = await h.post('/v1/keys/verify', { key: key.secret }, { 'content-type': 'application/json; charset=utf-8' });
    expect(verify.json).toMatchObject({ valid: true });
    const login = await h.post('/login', { username: key.id, password: key.secret }, { 'content-type': 'Application/JSON' });
    expect(login.status).toBe(200);
    expect((await h.postRaw('/login', '')).status).toBe(400);
    // GET routes take no body: an empty body declared as JSON changes nothing.
    const extend = await rawRequest(h.base, {
      path: '/auth_token/extend',
      method: 'GET',
      headers: { 'content-type': 'application/json', 'content-length': '0', 'x-redlock-auth': String(login.json.token) },
      chunks: [],
    });
    expect(extend.status).toBe(200);
    const health = await rawRequest(h.base, {
      path: '/healthz',
      method: 'GET',
      headers: { 'content-type': 'application/json', 'content-length': '0' },
      chunks: [],
    });
    expect(health.status).toBe(200);
  });
});
