import type { Services } from '../domain/services.js';
import { route, type Route } from './route.js';

/** GET /healthz: the process is up and the database answers. */
export function healthRoute(services: Services): Route {
  return route({
    method: 'GET',
    path: '/healthz',
    async handle(ctx) {
      try {
        await services.health.ping();
      } catch {
        // Unreachable is this route's answer, not a fault: the probe reads it from the body.
        ctx.json(503, { status: 'degraded', database: 'unreachable', requestId: ctx.requestId });
        return 'degraded';
      }
      return ctx.json(200, { status: 'ok', database: 'ok' });
    },
  });
}
