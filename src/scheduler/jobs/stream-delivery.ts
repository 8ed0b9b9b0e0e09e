import { DEFAULT_STREAM_TUNING, type StreamDeliveryTuning } from '../../domain/streams/deliver.js';
import type { Logger } from '../../logger.js';
import type { JobContext } from '../job-context.js';

export interface StreamWorkerTuning {
  /** How often an idle worker looks for streams behind the chain head. */
  pollMs: number;
  /** How long a leased stream belongs to this worker; after a crash another replica takes it then. */
  leaseMs: number;
  /** Streams delivered at the same time by this process, each on its own (one slow receiver holds only itself). */
  maxConcurrent: number;
  delivery?: Partial<StreamDeliveryTuning>;
}

export const DEFAULT_STREAM_WORKER: StreamWorkerTuning = { pollMs: 1000, leaseMs: 120_000, maxConcurrent: 8 };

/**
 * The event streams' worker (docs/streams.md). Each tick leases the streams that are due and behind
 * the chain head (not the ones this process is already delivering) and starts one attempt per stream
 * without waiting for it, so a stream whose receiver hangs or is down delays no other stream, and the
 * Slack mirror (its own loop) is never touched. Replicas share the work through the leases.
 */
export function createStreamDelivery(
  input: JobContext & {
    logger: Logger;
    now: () => Date;
    tuning?: Partial<StreamWorkerTuning>;
    /** Called when an attempt that sent something ends: its stream may have more, so look again now. */
    wake?: () => void;
  },
) {
  const tuning = { ...DEFAULT_STREAM_WORKER, ...input.tuning };
  const { services, ports, logger } = input;
  const inFlight = new Map<string, Promise<void>>();
  const delivery = tuning.delivery;
  return {
    async tick(): Promise<number> {
      const room = tuning.maxConcurrent - inFlight.size;
      if (room <= 0) return tuning.pollMs;
      const claims = await ports.streamQueue.claim({ now: input.now(), leaseMs: tuning.leaseMs, max: room, exclude: [...inFlight.keys()] });
      for (const claim of claims) {
        const id = claim.stream.id;
        let wakeSoon = false;
        const run = services.streams
          .deliver(claim, input.now, delivery === undefined ? undefined : { ...DEFAULT_STREAM_TUNING, ...delivery })
          .then((result) => {
            if (result.kind === 'failed')
              logger.warn('event stream delivery failed; its backlog is kept', {
                stream: id,
                failures: result.failures,
                error: result.error,
              });
            else if (result.kind === 'delivered' && result.records > 0) {
              logger.info('event stream delivered', { stream: id, records: result.records, throughSeq: result.throughSeq });
              // A backlog goes out batch after batch, not one batch per poll.
              wakeSoon = true;
            }
          })
          .catch((error: unknown) =>
            logger.error('event stream attempt crashed; the lease runs out and it is tried again', { stream: id, error }),
          )
          .finally(() => {
            inFlight.delete(id);
            if (wakeSoon) input.wake?.();
          });
        inFlight.set(id, run);
      }
      return claims.length > 0 ? 0 : tuning.pollMs;
    },
    /** Waits for the attempts in progress (shutdown). */
    async drain(): Promise<void> {
      await Promise.all(inFlight.values());
    },
  };
}
