import { appendAudit, cutTailAlert, verifyAuditChain, type ChainVerdict } from './audit.js';
import type { DomainDeps } from './deps.js';
import { SYSTEM_ACTOR, type AuditHead } from './model.js';
import type { ReadRepos, SettingsRepo } from './ports.js';
import { plural } from './text.js';

/**
 * What people can run to check the audit log (docs/operations.md, "Audit verification"):
 * - the chain walk (`verifyAuditChain`): finds an edited, missing or relinked record, but not a chain
 *   someone rewrote wholesale (every hash recomputed) or cut short (tail dropped, head rewound);
 * - the mirror cross-check: compares the chain with the record hashes the mirror posted to the
 *   security channel, which a database editor cannot rewrite;
 * - the tail witness: the last head this app saw, kept outside the chain rows, checked at start-up.
 */

/** A record hash as the security channel shows it: the full hash, or (older posts) its first characters. */
export interface MirroredHash {
  seq: number;
  hash: string;
}

export interface MirrorCrossCheck {
  /** Distinct records found in the channel. */
  posted: number;
  /** Posted records whose hash matches the chain. */
  matched: number;
  /** Every posted record up to this seq matches (null when the first one already differs, or none was posted). */
  matchedThrough: number | null;
  /** The lowest posted record that the chain contradicts. */
  firstMismatch?: { seq: number; problem: 'hash_differs' | 'missing_from_log' };
  /** The newest posted record, to say how much of the chain the channel does not cover yet. */
  lastPostedSeq: number | null;
}

/** Walks the chain once, page by page, against the posted hashes (a prefix match for short ones). */
export async function crossCheckMirror(
  repos: Pick<ReadRepos, 'audit'>,
  mirrored: readonly MirroredHash[],
  pageSize = 1000,
): Promise<MirrorCrossCheck> {
  const posted = new Map<number, string>();
  for (const m of mirrored) if (Number.isInteger(m.seq) && m.seq > 0 && /^[0-9a-f]{8,64}$/.test(m.hash)) posted.set(m.seq, m.hash);
  const seqs = [...posted.keys()].sort((a, b) => a - b);
  const problems = new Map<number, 'hash_differs' | 'missing_from_log'>();
  const seen = new Set<number>();
  let after = 0;
  const last = seqs.at(-1) ?? 0;
  while (after < last) {
    const page = await repos.audit.listAscending(after, pageSize);
    for (const record of page) {
      const hash = posted.get(record.seq);
      if (hash === undefined) continue;
      seen.add(record.seq);
      if (!record.hash.startsWith(hash)) problems.set(record.seq, 'hash_differs');
    }
    const tail = page.at(-1);
    if (tail === undefined || page.length < pageSize) break;
    after = tail.seq;
  }
  for (const seq of seqs) if (!seen.has(seq)) problems.set(seq, 'missing_from_log');
  const firstBad = seqs.find((seq) => problems.has(seq));
  const matchedThrough = firstBad === undefined ? (seqs.at(-1) ?? null) : (seqs.filter((seq) => seq < firstBad).at(-1) ?? null);
  const problem = firstBad === undefined ? undefined : problems.get(firstBad);
  return {
    posted: seqs.length,
    matched: seqs.length - problems.size,
    matchedThrough,
    ...(firstBad === undefined || problem === undefined ? {} : { firstMismatch: { seq: firstBad, problem } }),
    lastPostedSeq: seqs.at(-1) ?? null,
  };
}

export interface AuditVerification {
  chain: ChainVerdict;
  /** Absent when no channel history was available (no token / channel, or the mirror is off). */
  mirror?: MirrorCrossCheck;
  /** Why the cross-check could not run, when it was asked for. */
  mirrorError?: string;
  head: AuditHead;
}

/** Where the cross-check reads the security channel from (Slack in the app; a test double never). */
export type MirrorHistory = () => Promise<MirroredHash[]>;

export async function verifyAudit(repos: Pick<ReadRepos, 'audit'>, history?: MirrorHistory): Promise<AuditVerification> {
  const chain = await verifyAuditChain(repos);
  const head = await repos.audit.readHead();
  if (history === undefined) return { chain, head };
  try {
    return { chain, head, mirror: await crossCheckMirror(repos, await history()) };
  } catch (error) {
    return { chain, head, mirrorError: error instanceof Error ? error.message : String(error) };
  }
}

/** True when the chain is intact and, if it ran, the cross-check found nothing the chain contradicts. */
export function verificationPassed(result: AuditVerification): boolean {
  return result.chain.ok && result.mirror?.firstMismatch === undefined;
}

/** The last chain head this app saw, kept outside the chain rows (a file, or app_settings). */
export interface AuditWitness {
  /** Where it is kept, for log lines and the README's caveats. */
  readonly where: string;
  read(): Promise<AuditHead | undefined>;
  write(head: AuditHead): Promise<void>;
}

export type TailCheck =
  | { ok: true; head: AuditHead; seen: AuditHead | undefined }
  | { ok: false; head: AuditHead; seen: AuditHead; found: string | null; alertSeq: number };

/**
 * Does the chain still continue from what this app last saw? The record at the seen seq must exist
 * with the seen hash, and the head must not be behind it. Recomputing every hash changes that record's
 * hash; dropping the tail and rewinding the head removes it. Either way an `audit.tail_mismatch`
 * record (priority: posted to the security channel before any backlog) is appended, and the witness
 * moves to the new head so the alert is raised once, not on every restart.
 */
export async function checkAuditTail(deps: DomainDeps, witness: AuditWitness): Promise<TailCheck> {
  const seen = await witness.read();
  const result = await deps.store.write(async (tx): Promise<TailCheck> => {
    const head = await tx.audit.readHead();
    const queued = await tx.audit.highestQueuedSeq();
    // Mirror rows above the head outlive records cut after it, whatever the witness last saw.
    if (queued > head.seq) {
      const alert = await appendAudit(tx, cutTailAlert(head, queued), deps.now());
      const claimed = seen ?? head;
      return { ok: false, head: { seq: alert.seq, hash: alert.hash }, seen: claimed, found: null, alertSeq: alert.seq };
    }
    if (seen === undefined || seen.seq === 0) return { ok: true, head, seen };
    const record = await tx.audit.findBySeq(seen.seq);
    if (record !== undefined && record.hash === seen.hash && head.seq >= seen.seq) return { ok: true, head, seen };
    const alert = await appendAudit(
      tx,
      {
        actorId: SYSTEM_ACTOR,
        action: 'audit.tail_mismatch',
        details: {
          seenSeq: seen.seq,
          seenHash: seen.hash.slice(0, 16),
          foundHash: record === undefined ? null : record.hash.slice(0, 16),
          headSeqBefore: head.seq,
          witness: witness.where,
        },
      },
      deps.now(),
    );
    return { ok: false, head: { seq: alert.seq, hash: alert.hash }, seen, found: record?.hash ?? null, alertSeq: alert.seq };
  });
  await witness.write(result.head);
  return result;
}

/** Moves the witness forward while the app runs, checking continuity the same way first. */
export async function advanceAuditWitness(deps: DomainDeps, witness: AuditWitness): Promise<TailCheck> {
  const seen = await witness.read();
  const head = await deps.store.read.audit.readHead();
  const unchanged = seen !== undefined && seen.seq === head.seq && seen.hash === head.hash;
  if (unchanged && (await deps.store.read.audit.highestQueuedSeq()) <= head.seq) return { ok: true, head, seen };
  return checkAuditTail(deps, witness);
}

/** A witness kept in the database itself: only catches careless rewinds, never a deliberate editor. */
export function settingsWitness(settings: SettingsRepo): AuditWitness {
  const NAME = 'audit_witness';
  return {
    where: 'app_settings',
    async read() {
      const raw = await settings.get(NAME);
      return parseWitness(raw);
    },
    async write(head) {
      await settings.set(NAME, JSON.stringify(head));
    },
  };
}

export function parseWitness(raw: string | undefined): AuditHead | undefined {
  if (raw === undefined) return undefined;
  try {
    const value: unknown = JSON.parse(raw);
    if (typeof value !== 'object' || value === null) return undefined;
    const { seq, hash } = value as { seq?: unknown; hash?: unknown };
    if (typeof seq !== 'number' || !Number.isInteger(seq) || seq < 0 || typeof hash !== 'string' || !/^[0-9a-f]{64}$/.test(hash))
      return undefined;
    return { seq, hash };
  } catch {
    return undefined;
  }
}

/** The result in plain sentences, for the CLI and for Slack: what was checked, how far it holds. */
export function describeVerification(result: AuditVerification): string[] {
  const lines: string[] = [];
  const { chain } = result;
  if (chain.ok) lines.push(`Hash chain intact: ${plural(chain.records, 'record')}, head #${result.head.seq}.`);
  else {
    const what =
      chain.problem === 'edited'
        ? 'was edited (its content no longer matches its hash)'
        : chain.problem === 'missing'
          ? 'is missing'
          : 'was relinked (it no longer points at the record before it)';
    lines.push(
      `Hash chain BROKEN: record #${chain.seq} ${what}. ${plural(chain.records, 'record')} before it ${chain.records === 1 ? 'verifies' : 'verify'}.`,
    );
  }
  if (result.mirrorError !== undefined) lines.push(`Security-channel cross-check could not run: ${result.mirrorError}`);
  else if (result.mirror === undefined) lines.push('Security-channel cross-check not run (no Slack token and channel given).');
  else {
    const m = result.mirror;
    if (m.posted === 0) lines.push('Security channel: no mirrored records found to compare with.');
    else if (m.firstMismatch === undefined)
      lines.push(
        `Security channel: ${m.posted === 1 ? 'the posted record hash matches' : `all ${m.posted} posted record hashes match`} the chain, through #${m.matchedThrough ?? 0}.`,
      );
    else {
      const why =
        m.firstMismatch.problem === 'hash_differs'
          ? 'has a different hash in the database than the channel shows'
          : 'was posted to the channel but is not in the database';
      lines.push(
        `Security channel MISMATCH: record #${m.firstMismatch.seq} ${why}. ${m.matched} of ${plural(m.posted, 'posted record')} ${m.matched === 1 ? 'matches' : 'match'}${m.matchedThrough === null ? '' : `; everything through #${m.matchedThrough} matches`}.`,
      );
    }
    if (m.lastPostedSeq !== null && m.lastPostedSeq < result.head.seq)
      lines.push(
        `Records after #${m.lastPostedSeq} are not in the channel yet (mirror backlog or older history), so only the chain vouches for them.`,
      );
  }
  return lines;
}
