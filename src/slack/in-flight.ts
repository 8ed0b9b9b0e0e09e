/**
 * Work that must finish once started, such as handing a committed key's secret to its owner. Shutdown
 * waits for it (up to a limit), so a SIGTERM mid-delivery cannot leave a key whose secret nobody holds.
 */
export class InFlight {
  readonly #running = new Set<Promise<unknown>>();

  track<T>(work: Promise<T>): Promise<T> {
    this.#running.add(work);
    const forget = () => this.#running.delete(work);
    work.then(forget, forget);
    return work;
  }

  get size(): number {
    return this.#running.size;
  }

  /** Resolves when everything tracked has settled, or after `timeoutMs`, whichever is first. */
  async drain(timeoutMs: number): Promise<void> {
    if (this.#running.size === 0) return;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
    });
    await Promise.race([Promise.allSettled([...this.#running]).then(() => undefined), timeout]);
    clearTimeout(timer);
  }
}
