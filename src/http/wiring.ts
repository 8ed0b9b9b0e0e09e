import type { RequestListener, Server } from 'node:http';
import { AppError } from '../errors.js';
import { createIntegrationApi, type IntegrationApi, type IntegrationApiOptions } from './api.js';
import { createHttpServer, listen, type PathMount } from './server.js';

export interface HttpWiringOptions extends IntegrationApiOptions {
  /** The public port: Slack's endpoint (HTTP mode), the integration API, /healthz. */
  port: number;
  host?: string;
  /** /metrics on its own port (loopback by default). */
  metricsPort: number;
  metricsHost?: string;
  slackRequestListener?: RequestListener;
  mounts?: PathMount[];
}

export interface RunningHttp {
  api: IntegrationApi;
  server: Server;
  port: number;
  metricsPort: number;
  /** Closes both ports, then writes the key usage still in memory (no request can add a use after it). */
  stop(): Promise<void>;
}

async function close(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

/**
 * A port someone else holds is the operator's to change: said as a configuration error naming the
 * variable, not as Node's bare `listen EADDRINUSE`.
 */
function portProblem(variable: 'PORT' | 'METRICS_PORT', port: number, host = '0.0.0.0'): (error: unknown) => never {
  return (error) => {
    const code = typeof error === 'object' && error !== null && 'code' in error ? error.code : undefined;
    if (code === 'EADDRINUSE')
      throw new AppError(
        'CONFIG_INVALID',
        `${variable} ${port} is already in use on ${host}; set ${variable} to a free port (0 picks one)`,
        {
          cause: error,
        },
      );
    if (code === 'EACCES')
      throw new AppError('CONFIG_INVALID', `${variable} ${port} may not be opened on ${host} by this user; choose a port above 1023`, {
        cause: error,
      });
    throw error;
  };
}

/**
 * The HTTP side as the app runs it: the integration API's routes and /healthz on one port (with Slack's
 * endpoint and any mounts), /metrics on another, through the same dispatcher and observer. `runtime.ts`
 * and the HTTP tests both start it here, so the tests serve exactly what production serves.
 */
export async function startHttp(options: HttpWiringOptions): Promise<RunningHttp> {
  const { port: wantedPort, host, metricsPort: wantedMetricsPort, metricsHost, slackRequestListener, mounts, ...apiOptions } = options;
  const api = createIntegrationApi(apiOptions);
  const servers: Server[] = [];
  const stop = async () => {
    for (const server of servers.reverse()) await close(server);
    await api.stop();
  };
  try {
    const server = createHttpServer({
      routes: api.routes,
      slackRequestListener,
      trustProxy: options.trustProxy,
      trustProxyCidrs: options.trustProxyCidrs,
      logger: options.logger,
      observer: api.observer,
      mounts,
    });
    const port = await listen(server, wantedPort, host).catch(portProblem('PORT', wantedPort, host));
    servers.push(server);
    const metricsServer = createHttpServer({ routes: [api.metricsRoute], logger: options.logger });
    const metricsPort = await listen(metricsServer, wantedMetricsPort, metricsHost).catch(
      portProblem('METRICS_PORT', wantedMetricsPort, metricsHost ?? '0.0.0.0'),
    );
    servers.push(metricsServer);
    return { api, server, port, metricsPort, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
