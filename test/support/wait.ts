/**
 * A limit only a stall can break. `npm test` must pass on a busy 2-core machine, so no test bounds how
 * fast something is (that is what bench/ is for). Where a test must tell "answered by its own deadline"
 * from "hung until the fault went away", it allows this long: a broken build waits for ever, while no
 * busy machine stalls a process this long.
 */
export const STALL_MS = 30_000;

/** Polls an async condition until it holds (no fixed sleeps in tests); fails with `what` on timeout. */
export async function until<T>(probe: () => Promise<T | undefined | null | false>, what: string, timeoutMs = STALL_MS): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== null && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
