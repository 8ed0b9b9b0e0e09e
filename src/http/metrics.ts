import { timingSafeEqual } from 'node:crypto';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Services } from '../domain/services.js';
import type { UsageRecorder } from './usage-recorder.js';
import { route, type Route } from './route.js';
import type { HttpObserver } from './server.js';

export interface ApiMetrics {
  /** Per app, never prom-client's global one: several apps in one test process must not collide. */
  registry: Registry;
  observer: HttpObserver;
  flushFailures: Counter;
  route: Route;
}

// Verify answers in well under a millisecond when healthy; the low buckets are where the interest is.
const LATENCY_BUCKETS = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

/**
 * Prometheus metrics (GET /metrics): requests by route and outcome, latency, the audit mirror's backlog,
 * keys by status and last-used bookkeeping. Database-backed gauges are read when scraped, not kept up.
 */
export function createApiMetrics(services: Services, usage: UsageRecorder): ApiMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });

  // A database-backed gauge that cannot be read keeps its last value; akb_database_up says why.
  const fromDatabase = async <T>(read: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await read();
    } catch {
      return undefined;
    }
  };

  const requests = new Counter({
    name: 'akb_http_requests_total',
    help: 'HTTP requests by route and outcome.',
    labelNames: ['route', 'outcome'] as const,
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'akb_http_request_duration_seconds',
    help: 'HTTP request latency by route.',
    labelNames: ['route'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  new Gauge({
    name: 'akb_database_up',
    help: '1 when the database answered this scrape, else 0.',
    registers: [registry],
    async collect() {
      this.set((await fromDatabase(() => services.health.ping().then(() => true))) === true ? 1 : 0);
    },
  });
  const flushFailures = new Counter({
    name: 'akb_usage_flush_failures_total',
    help: 'Failed writes of coalesced last-used times or auth failures (retried at the next flush).',
    registers: [registry],
  });

  // Label children are cached: resolving labels on every request would cost more than the verify itself.
  const requestChildren = new Map<string, Counter.Internal>();
  const latencyChildren = new Map<string, Histogram.Internal<'route'>>();
  const observer: HttpObserver = {
    observe(route, outcome, seconds) {
      const key = `${route}\u0000${outcome}`;
      let counter = requestChildren.get(key);
      if (counter === undefined) {
        counter = requests.labels(route, outcome);
        requestChildren.set(key, counter);
      }
      counter.inc();
      let histogram = latencyChildren.get(route);
      if (histogram === undefined) {
        histogram = latency.labels(route);
        latencyChildren.set(route, histogram);
      }
      histogram.observe(seconds);
    },
  };

  new Gauge({
    name: 'akb_audit_outbox_pending',
    help: 'Audit records waiting to be mirrored to the security channel.',
    registers: [registry],
    async collect() {
      const pending = await fromDatabase(() => services.health.pendingAudit());
      if (pending !== undefined) this.set(pending);
    },
  });
  new Gauge({
    name: 'akb_keys',
    help: 'Access keys by status (Active, Inactive, Expired as users see them).',
    labelNames: ['status'] as const,
    registers: [registry],
    async collect() {
      const counts = await fromDatabase(() => services.health.keysByStatus());
      if (counts === undefined) return;
      this.set({ status: 'active' }, counts.active);
      this.set({ status: 'inactive' }, counts.inactive);
      this.set({ status: 'expired' }, counts.expired);
    },
  });
  new Counter({
    name: 'akb_leak_unknown_secrets_total',
    help: 'Well-formed secrets seen by the leak response (Slack, GitHub, GitLab) that belong to no key, by source.',
    labelNames: ['source'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const [source, count] of Object.entries(services.leaks.unknownBySource())) this.inc({ source }, count);
    },
  });
  new Gauge({
    name: 'akb_usage_pending_keys',
    help: 'Keys whose latest use is held in memory, waiting for the next flush.',
    registers: [registry],
    collect() {
      this.set(usage.pendingKeys);
    },
  });
  new Gauge({
    name: 'akb_usage_dropped_uses',
    help: 'Uses not recorded because too many keys were pending (should stay 0).',
    registers: [registry],
    collect() {
      this.set(usage.droppedUses);
    },
  });
  new Gauge({
    name: 'akb_usage_count_cells',
    help: 'Per-key hourly usage counter cells held in memory until the next flush (bounded: docs/usage-analytics.md).',
    registers: [registry],
    collect() {
      this.set(usage.pendingCountCells);
    },
  });
  new Gauge({
    name: 'akb_usage_dropped_counts',
    help: 'Uses not counted per key because the counter buffer was full (a flood of distinct tags or networks).',
    registers: [registry],
    collect() {
      this.set(usage.droppedCounts);
    },
  });

  const metricsRoute = route({
    method: 'GET',
    path: '/metrics',
    async handle({ res }) {
      const text = await registry.metrics();
      res.writeHead(200, { 'content-type': registry.contentType, 'cache-control': 'no-store' });
      res.end(text);
      return 'ok';
    },
  });
  return { registry, observer, flushFailures, route: metricsRoute };
}

/**
 * GET /metrics on the public port, for deployments that cannot reach a separate metrics port: only with
 * `Authorization: Bearer <METRICS_TOKEN>` (compared in constant time), otherwise 401 metrics_token_required.
 */
export function bearerProtected(guarded: Route, token: string): Route {
  const expected = Buffer.from(`Bearer ${token}`);
  return {
    ...guarded,
    serve(ctx, done) {
      const presented = Buffer.from(ctx.req.headers.authorization ?? '');
      if (presented.length !== expected.length || !timingSafeEqual(presented, expected))
        return done(ctx.error('metrics_token_required', { 'www-authenticate': 'Bearer' }));
      guarded.serve(ctx, done);
    },
  };
}
