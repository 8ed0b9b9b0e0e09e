import { createPublicKey, type KeyObject } from 'node:crypto';
import { z } from 'zod';
import type { Logger } from '../logger.js';

/**
 * GitHub's secret scanning public keys (`GITHUB_SCANNING_KEYS_URL`, by default
 * https://api.github.com/meta/public_keys/secret_scanning), as GitHub publishes them:
 * `{"public_keys": [{"key_identifier", "key" (PEM), "is_current"}]}`. Fetched on first use and cached;
 * an identifier not in the cache fetches the list again, at most once a minute, so a flood of made-up
 * identifiers costs GitHub (and us) one request a minute.
 */
const publishedKeys = z.object({
  public_keys: z
    .array(z.object({ key_identifier: z.string().min(1).max(200), key: z.string().min(1).max(10_000), is_current: z.boolean().optional() }))
    .max(100),
});

export const REFETCH_INTERVAL_MS = 60_000;
const FETCH_TIMEOUT_MS = 5_000;

/** `unavailable`: the list could not be fetched (nothing known yet), so nothing can be checked. */
export type ScanningKey = { kind: 'found'; key: KeyObject } | { kind: 'unknown' } | { kind: 'unavailable' };

export class GithubScanningKeys {
  readonly #url: string;
  readonly #nowMs: () => number;
  readonly #fetch: typeof fetch;
  readonly #logger: Logger;
  #keys = new Map<string, KeyObject>();
  #lastFetchMs: number | undefined;
  #inFlight: Promise<void> | undefined;

  constructor(options: { url: string; nowMs: () => number; logger: Logger; fetch?: typeof fetch }) {
    this.#url = options.url;
    this.#nowMs = options.nowMs;
    this.#logger = options.logger;
    this.#fetch = options.fetch ?? fetch;
  }

  /** How often the list was fetched (tests and the metrics show the cache works). */
  fetches = 0;

  async keyFor(identifier: string): Promise<ScanningKey> {
    const cached = this.#keys.get(identifier);
    if (cached !== undefined) return { kind: 'found', key: cached };
    const last = this.#lastFetchMs;
    if (last === undefined || this.#nowMs() - last >= REFETCH_INTERVAL_MS) {
      // Concurrent misses share one fetch.
      this.#inFlight ??= this.#refresh().finally(() => {
        this.#inFlight = undefined;
      });
      await this.#inFlight;
    } else if (this.#inFlight !== undefined) await this.#inFlight;
    const found = this.#keys.get(identifier);
    if (found !== undefined) return { kind: 'found', key: found };
    return this.#keys.size === 0 ? { kind: 'unavailable' } : { kind: 'unknown' };
  }

  async #refresh(): Promise<void> {
    this.#lastFetchMs = this.#nowMs();
    this.fetches += 1;
    try {
      const response = await this.#fetch(this.#url, {
        headers: { accept: 'application/json' },
        signal: AbortSignal.timeout(FETCH_TIMEOUT_MS),
      });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const parsed = publishedKeys.parse(await response.json());
      const keys = new Map<string, KeyObject>();
      for (const entry of parsed.public_keys) {
        try {
          keys.set(entry.key_identifier, createPublicKey(entry.key));
        } catch (error) {
          this.#logger.warn('a GitHub secret scanning public key could not be read; skipped', {
            keyIdentifier: entry.key_identifier,
            error,
          });
        }
      }
      this.#keys = keys;
    } catch (error) {
      // The keys known so far stay in use; the next unknown identifier after a minute tries again.
      this.#logger.warn('fetching GitHub secret scanning public keys failed', { url: this.#url, error });
    }
  }
}
