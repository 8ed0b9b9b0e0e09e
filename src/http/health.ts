import type { Services } from '../domain/services.js';
import { sendJson, type Route } from './server.js';

/** GET /healthz: the process is up and the database answers. */
export function healthRoute(services: Services): Route {
  return {
    method: 'GET',
    path: '/healthz',
    async handle(_req, res, ctx) {
      try {
        await services.health.ping();
        sendJson(res, 200, { status: 'ok', database: 'ok' });
      } catch {
        ctx.outcome = 'degraded';
        sendJson(res, 503, { status: 'degraded', database: 'unreachable', requestId: ctx.requestId });
      }
    },
  };
}
