import type { Logger } from '../logger.js';

export interface WorkerLoop {
  /** Cuts the current pause short (new work was queued). Rate-limit holds live in the workers, so this never breaks one. */
  wake(): void;
  /** Stops after the current tick; resolves once it has returned. */
  stop(): Promise<void>;
}

export interface WorkerLoopOptions {
  name: string;
  logger: Logger;
  /** One unit of work; resolves to how long to pause before the next. The signal fires on stop. */
  tick: (signal: AbortSignal) => Promise<number>;
  /** Pause after a tick threw (a bug or the database being away). */
  errorDelayMs?: number;
}

/**
 * Runs `tick` over and over, one at a time, pausing as long as each tick asks. Background workers
 * (the audit mirror, the warning sender) pace themselves this way rather than through cron, so a slow
 * Slack call never overlaps the next one and stopping never cuts a delivery in half.
 */
export function startWorkerLoop(options: WorkerLoopOptions): WorkerLoop {
  const controller = new AbortController();
  const errorDelayMs = options.errorDelayMs ?? 5000;
  let endPause: (() => void) | undefined;
  let wokenDuringTick = false;

  const pause = (ms: number): Promise<void> =>
    new Promise<void>((resolve) => {
      if (controller.signal.aborted || wokenDuringTick) {
        wokenDuringTick = false;
        resolve();
        return;
      }
      const done = () => {
        clearTimeout(timer);
        controller.signal.removeEventListener('abort', done);
        endPause = undefined;
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, ms));
      controller.signal.addEventListener('abort', done, { once: true });
      endPause = done;
    });

  const loop = (async () => {
    while (!controller.signal.aborted) {
      let waitMs: number;
      try {
        waitMs = await options.tick(controller.signal);
      } catch (error) {
        if (controller.signal.aborted) break;
        options.logger.error(`${options.name} failed; trying again shortly`, { error });
        waitMs = errorDelayMs;
      }
      // Even "no pause" yields to the event loop, so a busy worker never starves Slack acks.
      await (waitMs > 0 ? pause(waitMs) : new Promise<void>((resolve) => setImmediate(resolve)));
    }
  })();

  return {
    wake() {
      if (endPause === undefined) wokenDuringTick = true;
      else endPause();
    },
    async stop() {
      controller.abort();
      await loop;
    },
  };
}
