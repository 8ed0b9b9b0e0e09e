import type { JobPorts } from '../domain/background.js';
import type { Services } from '../domain/services.js';

/**
 * What every job is given: the services (use cases and the audited steps of `services.background`) and
 * the store's ports for the queues and markers the job drives itself, wired in src/runtime.ts. The
 * clock is `ports.now`, the services' own, so every expiry decision agrees on "now".
 */
export interface JobContext {
  services: Services;
  ports: JobPorts;
}
