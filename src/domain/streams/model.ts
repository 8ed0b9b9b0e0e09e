import type { StreamSecretBox } from './secret-box.js';
import type { AuditRecord } from '../model.js';

/** Event streams for SIEMs (SPEC §16, docs/streams.md): where the audit chain is sent, and how. */
export const streamKinds = ['webhook', 'syslog'] as const;
export type StreamKind = (typeof streamKinds)[number];

/**
 * - `json`: one plain JSON object per record (our own field names);
 * - `cloudevents`: one CloudEvents 1.0 structured event per request (`application/cloudevents+json`);
 * - `cloudevents-batch`: several in one `application/cloudevents-batch+json` array (webhooks only);
 * - `ocsf`: OCSF 1.3 JSON, Entity Management (3004) for key/role/stream changes, API Activity (6003) for the rest.
 */
export const streamFormats = ['json', 'cloudevents', 'cloudevents-batch', 'ocsf'] as const;
export type StreamFormat = (typeof streamFormats)[number];

/** `unverified`: a webhook that has not answered its verification challenge yet; nothing is sent to it. */
export const streamStates = ['unverified', 'active', 'paused'] as const;
export type StreamState = (typeof streamStates)[number];

export interface AuditStream {
  id: string;
  name: string;
  kind: StreamKind;
  /** `https://…` (or `http://` to loopback) for a webhook; `tcp://host:port` or `tls://host:port` for syslog. */
  url: string;
  format: StreamFormat;
  /** Only records whose action starts with this are sent (e.g. `key.`); null: everything. */
  actionPrefix: string | null;
  state: StreamState;
  /** PEM of the CA a `tls://` syslog stream trusts (null: the system's CAs). */
  tlsCa: string | null;
  /** Every record with seq ≤ this has been delivered (or filtered out). */
  cursorSeq: number;
  failures: number;
  lastError: string | null;
  lastErrorAt: string | null;
  lastDeliveredAt: string | null;
  nextAttemptAt: string;
  /** The security channel has been told this stream is failing (reset when it recovers). */
  failingAlerted: boolean;
  createdAt: string;
  createdBy: string;
}

/** A stream as its admin row shows it: the stream and how far behind the chain head it is. */
export interface StreamStatus extends AuditStream {
  lag: number;
}

/** What the transport is handed: the stream, its decrypted signing secret (webhooks) and the records to send. */
export interface StreamDelivery {
  stream: AuditStream;
  secret: string | null;
  records: readonly AuditRecord[];
  /** A test event instead of records (Send test event), already in the stream's format: not part of the chain. */
  test?: object;
}

export type StreamSendOutcome =
  | { kind: 'delivered' }
  /** Anything else (refused, unreachable, timed out): the records stay queued and the stream backs off. */
  | { kind: 'failed'; error: string };

export type ChallengeOutcome = { kind: 'passed' } | { kind: 'failed'; error: string };

/** The outside world, as the streams see it: `src/streams/` implements it over HTTPS and syslog. */
export interface StreamTransport {
  send(delivery: StreamDelivery): Promise<StreamSendOutcome>;
  /** Okta-style: `GET url` with `X-Verification-Challenge: <challenge>` must answer 200 `{"verification": "<challenge>"}`. */
  challenge(url: string, challenge: string): Promise<ChallengeOutcome>;
}

/** One stream leased to this worker: only the holder of `token` may move its cursor. */
export interface StreamClaim {
  stream: AuditStream;
  token: string;
  /** The sealed signing secret (webhooks), opened only to sign. */
  secretSealed: string | null;
  /** The last seq of the batch a failed attempt sent: a retry sends exactly that batch again. */
  batchEndSeq: number | null;
}

/**
 * The per-stream outbox: each stream's cursor into the audit log, leased to one replica at a time.
 * `src/db/queues/audit-streams.ts` implements it; short statements of their own, never in `Store.write`.
 */
export interface StreamQueue {
  /** Leases up to `max` active streams that are due and behind the chain head, skipping `exclude` and other replicas' leases. */
  claim(request: { now: Date; leaseMs: number; max: number; exclude: readonly string[] }): Promise<StreamClaim[]>;
  /** Remembers the batch about to be sent, so a retry repeats it exactly (stable ids). */
  fixBatch(claim: StreamClaim, endSeq: number): Promise<void>;
  /**
   * Moves the cursor from where the claim found it to `toSeq` (compare-and-set: a replay or another
   * replica's progress since then wins). False when it did not move. The lease is kept.
   */
  complete(claim: StreamClaim, toSeq: number, now: Date): Promise<boolean>;
  /** Ends the lease (the attempt is over). */
  release(claim: StreamClaim): Promise<void>;
  /** Charges a failed attempt, keeps the backlog, and makes the stream due again at `retryAt`; returns the failure count. */
  fail(claim: StreamClaim, error: string, retryAt: Date, now: Date): Promise<number>;
  /** The signing secret of a stream (for Send test event), sealed. */
  sealedSecret(id: string): Promise<string | null>;
}

/** What the stream features need beyond the store: the outside world and the key that seals secrets. */
export interface StreamDeps {
  transport: StreamTransport;
  secrets: StreamSecretBox;
}
