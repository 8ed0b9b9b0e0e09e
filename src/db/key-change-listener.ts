import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { ChangeFeed } from './key-cache.js';

/** The channel every write that could make a key unusable notifies (store.ts), delivered at commit. */
export const KEY_CHANGES_CHANNEL = 'akb_key_changes';

/** How operators (and tests) find the listening connections in pg_stat_activity. */
export const LISTENER_APPLICATION_NAME = 'akb-key-changes';

export interface ListenerTuning {
  /** How often the listening connection is asked `select 1`. */
  heartbeatMs: number;
  /** The feed is trusted only while the last heartbeat answer is at most this old. */
  staleAfterMs: number;
  /** Reconnect back-off: first wait, doubled per failure up to the maximum. */
  backoffMs: number;
  maxBackoffMs: number;
}

const DEFAULT_TUNING: ListenerTuning = { heartbeatMs: 1000, staleAfterMs: 3000, backoffMs: 100, maxBackoffMs: 5000 };

/**
 * PostgreSQL's side of the key cache's change feed: one dedicated connection that LISTENs on
 * `akb_key_changes`. Every notification from another replica (or another store in this process) drops
 * the cache. Notifications sent while this connection is down are lost for good, so:
 * - a lost connection drops the cache and the feed reports "untrusted" (the cache is bypassed) until a
 *   new connection is LISTENing again, which starts a new epoch (another drop);
 * - a connection that dies silently (a black-holed network sends no error) is caught by the heartbeat:
 *   PostgreSQL sends a session its pending notifications before answering its next query, so an answer
 *   to `select 1` proves that nothing committed before it was missed. Without a recent answer the feed
 *   is untrusted.
 * The connection has its own 'error' handler: a lost connection must never end the process.
 */
export class KeyChangeListener implements ChangeFeed {
  /** Sent as the payload, so this process can ignore its own notifications (it dropped its cache already). */
  readonly origin = randomUUID();
  readonly #tuning: ListenerTuning;
  #client: pg.Client | undefined;
  #listening = false;
  #epoch = 0;
  #lastBeatAt = 0;
  #started = false;
  #stopped = false;
  #failures = 0;
  #reconnectTimer: NodeJS.Timeout | undefined;
  #heartbeatTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly url: string,
    private readonly onChange: () => void,
    private readonly onError: (error: Error) => void = () => undefined,
    tuning: Partial<ListenerTuning> = {},
  ) {
    this.#tuning = { ...DEFAULT_TUNING, ...tuning };
  }

  /** Whether the feed is trusted now (LISTENing, heartbeat recent); does not start it. */
  get listening(): boolean {
    return this.#listening && Date.now() - this.#lastBeatAt <= this.#tuning.staleAfterMs;
  }

  /** Starts listening on first use, so processes that never verify (migrations, CLIs) open no extra connection. */
  epoch(): number | undefined {
    if (!this.#started) this.start();
    if (!this.#listening || Date.now() - this.#lastBeatAt > this.#tuning.staleAfterMs) return undefined;
    return this.#epoch;
  }

  start(): void {
    if (this.#started || this.#stopped) return;
    this.#started = true;
    void this.#connect();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#reconnectTimer);
    clearInterval(this.#heartbeatTimer);
    this.#listening = false;
    const client = this.#client;
    this.#client = undefined;
    if (client === undefined) return;
    // A black-holed connection may never confirm its end; shutting down must not wait for it.
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      client.end().catch(() => undefined),
      new Promise((resolve) => {
        timer = setTimeout(resolve, 1000);
      }),
    ]);
    clearTimeout(timer);
  }

  async #connect(): Promise<void> {
    const client = new pg.Client({
      connectionString: this.url,
      application_name: LISTENER_APPLICATION_NAME,
      connectionTimeoutMillis: 1000,
      keepAlive: true,
      query_timeout: this.#tuning.staleAfterMs,
    });
    this.#client = client;
    client.on('error', (error) => this.#lost(client, error));
    client.on('end', () => this.#lost(client));
    client.on('notification', (message) => {
      if (client !== this.#client || message.channel !== KEY_CHANGES_CHANNEL) return;
      if (message.payload !== this.origin) this.onChange();
    });
    try {
      await client.connect();
      await client.query(`listen ${KEY_CHANGES_CHANNEL}`);
    } catch (error) {
      this.#lost(client, error instanceof Error ? error : new Error(String(error)));
      return;
    }
    if (client !== this.#client) return;
    this.#failures = 0;
    this.#lastBeatAt = Date.now();
    // A new epoch: whatever was committed while nobody listened is unknown, so the cache starts empty.
    this.#epoch += 1;
    this.#listening = true;
    this.onChange();
    this.#heartbeatTimer = setInterval(() => this.#beat(client), this.#tuning.heartbeatMs);
    this.#heartbeatTimer.unref();
  }

  #beat(client: pg.Client): void {
    const sentAt = Date.now();
    client.query('select 1').then(
      () => {
        if (client === this.#client) this.#lastBeatAt = sentAt;
      },
      (error: unknown) => this.#lost(client, error instanceof Error ? error : new Error(String(error))),
    );
  }

  #lost(client: pg.Client, error?: Error): void {
    if (client !== this.#client) return;
    this.#client = undefined;
    this.#listening = false;
    clearInterval(this.#heartbeatTimer);
    this.onChange();
    if (error !== undefined && !this.#stopped) this.onError(error);
    client.end().catch(() => undefined);
    if (this.#stopped) return;
    const wait = Math.min(this.#tuning.maxBackoffMs, this.#tuning.backoffMs * 2 ** this.#failures) * (0.5 + Math.random() / 2);
    this.#failures += 1;
    this.#reconnectTimer = setTimeout(() => void this.#connect(), wait);
    this.#reconnectTimer.unref();
  }
}
