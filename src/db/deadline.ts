import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * The instant (epoch ms) by which the current database attempt must be over. Set around each attempt of
 * an interactive request, so the PostgreSQL pool bounds its wait for a connection and every query by
 * what is left of the request's budget (Slack wants its answer within 3 s). Unset for background work,
 * which keeps the pool's own, longer limits.
 */
const attemptDeadline = new AsyncLocalStorage<number>();

export function runWithDeadline<T>(deadline: number, fn: () => Promise<T>): Promise<T> {
  return attemptDeadline.run(deadline, fn);
}

/** Milliseconds left before the current deadline, or undefined outside one. Never below 1. */
export function msLeft(now = Date.now()): number | undefined {
  const deadline = attemptDeadline.getStore();
  return deadline === undefined ? undefined : Math.max(1, deadline - now);
}
