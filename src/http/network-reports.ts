import type { AccessKey } from '../domain/model.js';
import type { Services } from '../domain/services.js';
import type { Logger } from '../logger.js';

const HOUR_MS = 3_600_000;
/** Beyond this many key+network pairs in one hour, the oldest are forgotten (the database still dedupes). */
const MAX_REMEMBERED = 10_000;

/**
 * Report-only networks on the request path (docs/least-privilege.md): a call from outside is answered at
 * once, and the notice is written after, off the request. Each key+network is written at most once per
 * hour by this replica (remembered here, so a busy outside caller costs no database work after the
 * first call); the database makes it once across replicas. A failed write is forgotten, so the next
 * call tries again.
 */
export class NetworkReports {
  readonly #sent = new Map<string, number>();
  readonly #pending = new Set<Promise<unknown>>();

  constructor(
    private readonly services: Pick<Services, 'keys'>,
    private readonly nowMs: () => number,
    private readonly logger: Logger,
  ) {}

  report(key: AccessKey, network: string, address: string | null): void {
    const hour = Math.floor(this.nowMs() / HOUR_MS);
    const id = `${key.id} ${network}`;
    if (this.#sent.get(id) === hour) return;
    if (this.#sent.size >= MAX_REMEMBERED) this.#sent.clear();
    this.#sent.set(id, hour);
    const write = this.services.keys
      .reportOutsideNetwork({ keyId: key.id, network, address, hour })
      .catch((error: unknown) => {
        if (this.#sent.get(id) === hour) this.#sent.delete(id);
        this.logger.warn('could not record a call from outside a key’s networks; the next one tries again', { error, keyId: key.id });
      })
      .finally(() => this.#pending.delete(write));
    this.#pending.add(write);
  }

  /** Waits for the writes in flight (shutdown, tests). */
  async settled(): Promise<void> {
    await Promise.all([...this.#pending]);
  }
}
