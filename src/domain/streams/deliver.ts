import { appendAudit } from '../audit.js';
import { backoffDelay, lastErrorText } from '../delivery.js';
import type { DomainDeps } from '../deps.js';
import { SYSTEM_ACTOR, type AuditRecord } from '../model.js';
import type { AuditStream, StreamClaim, StreamDeps } from './model.js';
import { redactWebhookSecrets } from './secret-box.js';

export interface StreamDeliveryTuning {
  /** Records read per attempt (and the most one batch or syslog connection carries). */
  batchSize: number;
  /** Waits after consecutive failures of one stream; the last repeats. */
  backoffMs: number[];
  /** The security channel hears of a failing stream once, after this many consecutive failures. */
  alertAfterFailures: number;
  /**
   * An attempt starts no new request after this long (the rest waits for the next claim), so it ends
   * well inside its lease and another replica never takes a stream that is still being sent.
   */
  attemptBudgetMs: number;
}

export const DEFAULT_STREAM_TUNING: StreamDeliveryTuning = {
  batchSize: 100,
  backoffMs: [1000, 2000, 5000, 10_000, 30_000, 60_000, 300_000],
  alertAfterFailures: 3,
  attemptBudgetMs: 30_000,
};

export type StreamAttempt =
  | { kind: 'delivered'; records: number; throughSeq: number }
  | { kind: 'failed'; failures: number; error: string }
  /** A replay or another replica moved the cursor meanwhile: nothing to do here. */
  | { kind: 'superseded' };

const matches = (stream: AuditStream, record: AuditRecord): boolean =>
  stream.actionPrefix === null || record.action.startsWith(stream.actionPrefix);

/** What one request or connection carries: a single record, or (batch format, syslog) all of them. */
function unitsOf(stream: AuditStream, records: readonly AuditRecord[]): AuditRecord[][] {
  if (records.length === 0) return [];
  if (stream.kind === 'syslog' || stream.format === 'cloudevents-batch') return [[...records]];
  return records.map((record) => [record]);
}

/**
 * One delivery attempt of one leased stream (src/scheduler/jobs/stream-delivery.ts runs them): the
 * records after its cursor, filtered by its action prefix, sent in seq order, the cursor moved after
 * each unit the receiver accepted. A failure keeps the rest for later with a growing back-off; after
 * `alertAfterFailures` in a row a `stream.failing` record tells the security channel (once, across
 * replicas), and the first success after it a `stream.recovered`.
 */
export async function deliverStream(
  deps: DomainDeps,
  sd: StreamDeps,
  claim: StreamClaim,
  now: () => Date,
  tuning: StreamDeliveryTuning = DEFAULT_STREAM_TUNING,
): Promise<StreamAttempt> {
  try {
    return await attempt(deps, sd, claim, now, tuning);
  } finally {
    await deps.store.streamQueue.release(claim);
  }
}

async function attempt(
  deps: DomainDeps,
  sd: StreamDeps,
  claim: StreamClaim,
  now: () => Date,
  tuning: StreamDeliveryTuning,
): Promise<StreamAttempt> {
  const queue = deps.store.streamQueue;
  const { stream } = claim;
  const limit = claim.batchEndSeq === null ? tuning.batchSize : Math.max(1, claim.batchEndSeq - stream.cursorSeq);
  const read = await deps.store.read.audit.listAscending(stream.cursorSeq, limit);
  const batch = claim.batchEndSeq === null ? read : read.filter((r) => r.seq <= (claim.batchEndSeq ?? r.seq));
  const last = batch.at(-1);
  if (last === undefined) {
    return { kind: 'delivered', records: 0, throughSeq: stream.cursorSeq };
  }
  let secret: string | null = null;
  try {
    secret = claim.secretSealed === null ? null : sd.secrets.open(claim.secretSealed);
  } catch {
    // Sealed under another key: nothing can be signed until the key is restored or the stream re-added.
    return failed(deps, claim, 'the signing secret cannot be opened (was STREAM_SECRET_KEY changed?)', now, tuning);
  }
  let cursor = stream.cursorSeq;
  let sent = 0;
  const matching = batch.filter((r) => matches(stream, r));
  const started = now().getTime();
  for (const unit of unitsOf(stream, matching)) {
    // The rest waits for the next claim: the attempt ends well inside its lease.
    if (sent > 0 && now().getTime() - started > tuning.attemptBudgetMs) return { kind: 'delivered', records: sent, throughSeq: cursor };
    const unitEnd = unit.at(-1)?.seq ?? cursor;
    // A single record needs no marker: a retry finds the same first match after the cursor anyway.
    if (unit.length > 1) await queue.fixBatch({ ...claim, stream: { ...stream, cursorSeq: cursor } }, unitEnd);
    const outcome = await sd.transport.send({ stream, secret, records: unit });
    if (outcome.kind === 'failed') return failed(deps, claim, outcome.error, now, tuning);
    const moved = await queue.complete({ ...claim, stream: { ...stream, cursorSeq: cursor } }, unitEnd, now());
    if (!moved) return { kind: 'superseded' };
    cursor = unitEnd;
    sent += unit.length;
  }
  // Records after the last one sent that the filter left out are passed too.
  if (last.seq > cursor && !(await queue.complete({ ...claim, stream: { ...stream, cursorSeq: cursor } }, last.seq, now())))
    return { kind: 'superseded' };
  if (stream.failingAlerted) await noteRecovered(deps, stream);
  return { kind: 'delivered', records: sent, throughSeq: last.seq };
}

/** Charges the attempt, keeps the backlog, backs off; the security channel hears of it once. */
async function failed(
  deps: DomainDeps,
  claim: StreamClaim,
  reason: string,
  now: () => Date,
  tuning: StreamDeliveryTuning,
): Promise<StreamAttempt> {
  const { stream } = claim;
  const error = redactWebhookSecrets(lastErrorText(reason));
  const retryAt = new Date(now().getTime() + backoffDelay(tuning.backoffMs, stream.failures + 1));
  const failures = await deps.store.streamQueue.fail(claim, error, retryAt, now());
  if (failures >= tuning.alertAfterFailures) await alertFailing(deps, stream, error, failures);
  return { kind: 'failed', failures, error };
}

async function alertFailing(deps: DomainDeps, stream: AuditStream, error: string, failures: number): Promise<void> {
  await deps.store.write(async (tx) => {
    if (!(await tx.streams.markAlerted(stream.id, true))) return;
    await appendAudit(
      tx,
      { actorId: SYSTEM_ACTOR, action: 'stream.failing', details: { streamId: stream.id, name: stream.name, failures, error } },
      deps.now(),
    );
  });
}

async function noteRecovered(deps: DomainDeps, stream: AuditStream): Promise<void> {
  await deps.store.write(async (tx) => {
    if (!(await tx.streams.markAlerted(stream.id, false))) return;
    await appendAudit(
      tx,
      { actorId: SYSTEM_ACTOR, action: 'stream.recovered', details: { streamId: stream.id, name: stream.name } },
      deps.now(),
    );
  });
}
