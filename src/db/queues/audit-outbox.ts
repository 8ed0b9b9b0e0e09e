import type { AuditOutbox, OutboxBacklog, OutboxClaim, OutboxClaimRequest, OutboxItem } from '../../domain/audit-outbox.js';
import { takeForNextMessage } from '../../domain/audit-outbox.js';
import { lastErrorText } from '../../domain/delivery.js';
import { backgroundStatement, backgroundTransaction } from '../background-tx.js';
import type { Connection } from '../connect.js';
import { toAuditRecord } from '../repos/rows.js';

const GATE_ID = 1;
const at = (ms: number): string => new Date(ms).toISOString();

/**
 * The `audit_outbox` queue. Claims are short transactions of their own, never inside `Store.write`
 * (which would hold the audit chain's lock). On PostgreSQL the gate row is locked FOR UPDATE and
 * the records FOR UPDATE SKIP LOCKED, so replicas never lease the same record twice.
 */
export class KyselyAuditOutbox implements AuditOutbox {
  constructor(private readonly connection: Connection) {}

  private get postgres(): boolean {
    return this.connection.dialect === 'postgres';
  }

  async claim(request: OutboxClaimRequest): Promise<OutboxClaim> {
    const nowMs = request.now.getTime();
    const nowIso = at(nowMs);
    return backgroundTransaction(this.connection, async (trx) => {
      const gate = await trx
        .selectFrom('audit_mirror_gate')
        .select(['not_before', 'reason'])
        .where('id', '=', GATE_ID)
        .$if(this.postgres, (q) => q.forUpdate())
        .executeTakeFirst();
      if (gate !== undefined && gate.not_before > nowIso) return { kind: 'gated', notBefore: gate.not_before, reason: gate.reason };

      const dueRows = (priorityOnly: boolean, limit: number) =>
        trx
          .selectFrom('audit_outbox')
          .select(['seq', 'attempts'])
          .where('state', '=', 'pending')
          // A fresh record is due at once whatever this worker's clock says; only retries wait for their time.
          .where((eb) => eb.or([eb('attempts', '=', 0), eb('next_attempt_at', '<=', nowIso)]))
          .where((eb) => eb.or([eb('claimed_until', 'is', null), eb('claimed_until', '<=', nowIso)]))
          .$if(priorityOnly, (q) => q.where('priority', '>', 0))
          .orderBy('seq')
          .limit(limit)
          .$if(this.postgres, (q) => q.forUpdate().skipLocked())
          .execute();
      // A priority record (a key reported compromised) jumps any backlog and goes out alone.
      const urgent = await dueRows(true, 1);
      const due = urgent.length > 0 ? urgent : await dueRows(false, request.maxItems);
      const take =
        urgent.length > 0
          ? 1
          : takeForNextMessage(
              due.map((row) => Number(row.attempts)),
              request.maxItems,
            );
      if (take === 0) return { kind: 'idle' };
      const chosen = due.slice(0, take);
      const seqs = chosen.map((row) => Number(row.seq));

      await trx
        .updateTable('audit_outbox')
        .set({ claimed_until: at(nowMs + request.leaseMs) })
        .where('seq', 'in', seqs)
        .execute();
      await trx
        .updateTable('audit_mirror_gate')
        .set({ not_before: at(nowMs + request.spacingMs), reason: 'pacing' })
        .where('id', '=', GATE_ID)
        .execute();

      const rows = await trx.selectFrom('audit_log').selectAll().where('seq', 'in', seqs).execute();
      const bySeq = new Map(rows.map((row) => [Number(row.seq), row]));
      const items: OutboxItem[] = chosen.map((row) => {
        const seq = Number(row.seq);
        const attempts = Number(row.attempts);
        const stored = bySeq.get(seq);
        if (stored === undefined) return { seq, attempts, record: undefined, unreadable: 'audit record missing' };
        try {
          return { seq, attempts, record: toAuditRecord(stored) };
        } catch (error) {
          // A corrupt row (e.g. details that are not JSON) is this record's problem only.
          return { seq, attempts, record: undefined, unreadable: `unreadable audit record: ${lastErrorText(error)}` };
        }
      });
      return { kind: 'claimed', items };
    });
  }

  async markPosted(seqs: readonly number[], delivery: { channelId: string; ts: string }, now: Date): Promise<void> {
    if (seqs.length === 0) return;
    await backgroundStatement(this.connection, (db) =>
      db
        .updateTable('audit_outbox')
        .set({ state: 'posted', message_ts: delivery.ts, posted_at: now.toISOString(), claimed_until: null })
        .where('seq', 'in', [...seqs])
        .execute(),
    );
  }

  async release(seqs: readonly number[]): Promise<void> {
    if (seqs.length === 0) return;
    await backgroundStatement(this.connection, (db) =>
      db
        .updateTable('audit_outbox')
        .set({ claimed_until: null })
        .where('seq', 'in', [...seqs])
        .where('state', '=', 'pending')
        .execute(),
    );
  }

  async recordFailure(seq: number, failure: { error: string; retryAt: Date | null }): Promise<void> {
    await backgroundStatement(this.connection, (db) =>
      db
        .updateTable('audit_outbox')
        .set((eb) => ({
          attempts: eb('attempts', '+', 1),
          last_error: failure.error,
          claimed_until: null,
          state: failure.retryAt === null ? 'parked' : 'pending',
          ...(failure.retryAt === null ? {} : { next_attempt_at: failure.retryAt.toISOString() }),
        }))
        .where('seq', '=', seq)
        .execute(),
    );
  }

  async holdGate(until: Date, reason: string): Promise<void> {
    const untilIso = until.toISOString();
    await backgroundStatement(this.connection, (db) =>
      db
        .updateTable('audit_mirror_gate')
        .set({ not_before: untilIso, reason })
        .where('id', '=', GATE_ID)
        .where('not_before', '<', untilIso)
        .execute(),
    );
  }

  async backlog(): Promise<OutboxBacklog> {
    return backgroundStatement(this.connection, async (db) => {
      const counts = await db
        .selectFrom('audit_outbox')
        .select(['state', (eb) => eb.fn.countAll().as('n')])
        .where('state', 'in', ['pending', 'parked'])
        .groupBy('state')
        .execute();
      const oldest = await db
        .selectFrom('audit_outbox')
        .innerJoin('audit_log', 'audit_log.seq', 'audit_outbox.seq')
        .select('audit_log.at')
        .where('audit_outbox.state', '=', 'pending')
        .orderBy('audit_outbox.seq')
        .limit(1)
        .executeTakeFirst();
      const count = (state: string) => Number(counts.find((row) => row.state === state)?.n ?? 0);
      return { pending: count('pending'), parked: count('parked'), oldestPendingAt: oldest?.at ?? null };
    });
  }
}

/**
 * Deletes audit_outbox rows posted before `cutoff` (OUTBOX_RETENTION). The audit records themselves
 * stay in audit_log for good; only the delivery bookkeeping goes. Pending and parked rows are kept.
 */
export async function pruneAuditOutbox(connection: Connection, cutoff: Date, limit: number): Promise<number> {
  const cutoffIso = cutoff.toISOString();
  return backgroundTransaction(connection, async (trx) => {
    const victims = await trx
      .selectFrom('audit_outbox')
      .select('seq')
      .where('state', '=', 'posted')
      .where('posted_at', '<', cutoffIso)
      .orderBy('seq')
      .limit(limit)
      .execute();
    if (victims.length === 0) return 0;
    await trx
      .deleteFrom('audit_outbox')
      .where(
        'seq',
        'in',
        victims.map((v) => Number(v.seq)),
      )
      .execute();
    return victims.length;
  });
}
