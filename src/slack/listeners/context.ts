import type { Config } from '../../config.js';
import type { Services } from '../../domain/services.js';
import type { Logger } from '../../logger.js';
import type { InFlight } from '../in-flight.js';

/** What every listener is given: the domain, the configuration and a logger. No module state. */
export interface ListenerContext {
  services: Services;
  config: Config;
  logger: Logger;
  /** Deliveries that shutdown waits for. */
  inFlight: InFlight;
}
