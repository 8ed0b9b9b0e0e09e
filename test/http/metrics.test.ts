import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { generateSecret } from '../../src/domain/secrets.js';
import { dialects } from '../support/db.js';
import { ALICE, startApi, type ApiHarness } from './harness.js';

/** The value of one sample line (`name{labels} value`) in Prometheus text, or undefined. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe.each(dialects)('GET /metrics and GET /healthz on %s', (dialect) => {
  let h: ApiHarness;
  beforeEach(async () => {
    h = await startApi(dialect);
  });
  afterEach(async () => h.close());

  it('counts requests by route and outcome and times them, in Prometheus text format', async () => {
    const key = await h.createKey('ci');
    await h.post('/v1/keys/verify', { key: key.secret });
    await h.post('/v1/keys/verify', { key: key.secret });
    await h.post('/v1/keys/verify', { key: 'aks_nope' });
    await h.post('/v1/keys/verify', { key: generateSecret() });
    await h.post('/login', { username: key.id, password: generateSecret() });
    await h.get('/no/such/path');
    const reply = await h.metrics();
    expect(reply.status).toBe(200);
    expect(reply.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = reply.text;
    expect(sample(text, 'akb_http_requests_total{route="/v1/keys/verify",outcome="valid"}')).toBe(2);
    expect(sample(text, 'akb_http_requests_total{route="/v1/keys/verify",outcome="malformed"}')).toBe(1);
    expect(sample(text, 'akb_http_requests_total{route="/v1/keys/verify",outcome="not_found"}')).toBe(1);
    expect(sample(text, 'akb_http_requests_total{route="/login",outcome="unauthorized"}')).toBe(1);
    expect(sample(text, 'akb_http_requests_total{route="unmatched",outcome="not_found"}')).toBe(1);
    expect(sample(text, 'akb_http_request_duration_seconds_count{route="/v1/keys/verify"}')).toBe(4);
    expect(text).toContain('akb_http_request_duration_seconds_bucket{le="0.005",route="/v1/keys/verify"}');
    expect(text).toContain('process_resident_memory_bytes');
  });

  it('reports the audit backlog and keys by status as users see them', async () => {
    await h.createKey('active');
    const off = await h.createKey('off');
    await h.services.keys.deactivate(ALICE, off.id);
    await h.createKey('expiring', { owner: 'UBOB', expiresAt: new Date(h.clock.now().getTime() + 1000) });
    h.clock.advance(1000);
    const pending = await h.store.read.audit.countPending();
    expect(pending).toBeGreaterThan(0);
    const text = (await h.metrics()).text;
    expect(sample(text, 'akb_audit_outbox_pending')).toBe(pending);
    expect(sample(text, 'akb_keys{status="active"}')).toBe(1);
    expect(sample(text, 'akb_keys{status="inactive"}')).toBe(1);
    expect(sample(text, 'akb_keys{status="expired"}')).toBe(1);
    expect(sample(text, 'akb_database_up')).toBe(1);
  });

  it('shows pending last-used writes until they are flushed', async () => {
    const key = await h.createKey('ci');
    await h.post('/v1/keys/verify', { key: key.secret });
    expect(sample((await h.metrics()).text, 'akb_usage_pending_keys')).toBe(1);
    await h.api.flushUsage();
    expect(sample((await h.metrics()).text, 'akb_usage_pending_keys')).toBe(0);
  });

  it('keeps answering with the database down, saying so in akb_database_up; /healthz says 503', async () => {
    await h.db.store.close();
    const metrics = await h.metrics();
    expect(metrics.status).toBe(200);
    expect(sample(metrics.text, 'akb_database_up')).toBe(0);
    const health = await h.get('/healthz');
    expect(health.status).toBe(503);
    expect(health.json).toMatchObject({ status: 'degraded', database: 'unreachable' });
  });

  it('a second app in the same process has its own registry: nothing collides and counts stay apart', async () => {
    const other = await startApi(dialect);
    try {
      await other.post('/v1/keys/verify', { key: 'aks_nope' });
      expect(sample((await other.metrics()).text, 'akb_http_requests_total{route="/v1/keys/verify",outcome="malformed"}')).toBe(1);
      expect(sample((await h.metrics()).text, 'akb_http_requests_total{route="/v1/keys/verify",outcome="malformed"}')).toBeUndefined();
    } finally {
      await other.close();
    }
  });

  it('/healthz answers 200 while the database is reachable', async () => {
    const reply = await h.get('/healthz');
    expect(reply.status).toBe(200);
    expect(reply.json).toEqual({ status: 'ok', database: 'ok' });
  });
});
