import type { Config } from '../../config.js';
import type { Services } from '../../domain/services.js';
import type { Logger } from '../../logger.js';
import type { InFlight } from '../in-flight.js';

/** What every listener is given: the domain, the configuration and a logger. No module state. */
export interface ListenerContext {
  services: Services;
  /** The domain's clock (the runtime's `now`): views show status and expiry as the rules decide them. */
  now: () => Date;
  config: Config;
  logger: Logger;
  /** Deliveries that shutdown waits for. */
  inFlight: InFlight;
}
