import { AppError } from '../errors.js';
import { appendAudit, auditOf } from './audit.js';
import type { DomainDeps } from './deps.js';
import { removeKey } from './keys/common.js';
import { SYSTEM_ACTOR, SYSTEM_ADMIN_ROLE, type ReviewCampaign, type ReviewDecision, type ReviewItem } from './model.js';
import type { ReadRepos, Repos } from './ports.js';
import { firstTime } from './replays.js';
import { randomBase62 } from './secrets.js';
import { DAY_MS, iso, isExpired } from './time.js';
import { contextIn, requireAdmin, requireAdminIn, roleNamed } from './users.js';

/** Without `deadline`, a campaign runs two weeks. */
export const DEFAULT_REVIEW_MS = 14 * DAY_MS;
/** A deadline sooner than this leaves owners no time to answer. */
const MIN_REVIEW_MS = 60_000;
const MAX_REVIEW_MS = 366 * DAY_MS;
export const REVIEW_REASON_MAX = 500;
/** A campaign's start writes a row and a queued DM per key in scope: more than an interactive request's 2 s. */
const REVIEW_START_BUDGET_MS = 30_000;

export interface StartReviewInput {
  roleName?: string;
  durationMs?: number;
  defaultDecision?: ReviewCampaign['defaultDecision'];
}

/**
 * `/accesskey admin review start` (docs/offboarding.md, "Access reviews"): every key in scope that still
 * grants or could grant access (not deleted, not expired; in the role, if one is named) becomes an item,
 * and each owner gets one DM per key through the notification outbox. Audited `review.started`.
 */
export async function startReview(
  deps: DomainDeps,
  actorId: string,
  input: StartReviewInput,
  options: { once?: string } = {},
): Promise<{ campaign: ReviewCampaign; keys: number; replayed: boolean }> {
  const durationMs = input.durationMs ?? DEFAULT_REVIEW_MS;
  if (durationMs < MIN_REVIEW_MS || durationMs > MAX_REVIEW_MS)
    throw new AppError('INVALID_INPUT', 'A review deadline must be between 1 minute and 366 days away, e.g. `deadline 14d`.');
  const result = await deps.store.write(
    async (tx) => {
      await requireAdminIn(tx, deps, actorId);
      const role = input.roleName === undefined ? undefined : await roleNamed(tx, input.roleName);
      const now = deps.now();
      const campaign: ReviewCampaign = {
        id: `rev_${randomBase62(12)}`,
        createdBy: actorId,
        createdAt: iso(now),
        roleName: role?.name ?? null,
        deadlineAt: iso(new Date(now.getTime() + durationMs)),
        remindAt: iso(new Date(now.getTime() + Math.floor(durationMs / 2))),
        defaultDecision: input.defaultDecision ?? 'inactivate',
        remindedAt: null,
        closedAt: null,
      };
      if (!(await firstTime(tx, deps, actorId, options.once))) return { campaign, keys: 0, replayed: true };
      const roleNames = new Map((await tx.roles.list()).map((r) => [r.id, r.name]));
      const keys = (await tx.keys.list(role === undefined ? {} : { roleId: role.id })).filter(
        (k) => k.deliveredAt !== null && !isExpired(k, now) && k.status !== 'compromised',
      );
      const items: ReviewItem[] = keys.map((k) => ({
        campaignId: campaign.id,
        keyId: k.id,
        keyName: k.name,
        ownerId: k.ownerId,
        roleName: roleNames.get(k.roleId) ?? null,
        decision: null,
        decidedBy: null,
        decidedAt: null,
        reason: null,
        auditSeq: null,
      }));
      await tx.reviews.insertCampaign(campaign, items);
      await appendAudit(
        tx,
        {
          actorId,
          action: 'review.started',
          roleName: campaign.roleName,
          details: { campaignId: campaign.id, keys: items.length, deadlineAt: campaign.deadlineAt, default: campaign.defaultDecision },
        },
        now,
      );
      await tx.notifications.enqueueMany(
        items.map((item) => ({ kind: 'review.key_dm', campaignId: campaign.id, keyId: item.keyId })),
        iso(now),
      );
      return { campaign, keys: items.length, replayed: false };
      // Thousands of keys are thousands of rows: the command acknowledges Slack first, so this may take longer.
    },
    { budgetMs: REVIEW_START_BUDGET_MS },
  );
  if (result.keys > 0) deps.outbox?.wake();
  return result;
}

export type ReviewAnswerResult =
  | { outcome: 'decided'; item: ReviewItem }
  /** Answered before (a second press, a replay, the default at the deadline): nothing changed. */
  | { outcome: 'already'; item: ReviewItem; campaign: ReviewCampaign };

/** Whether keeping this key needs a written reason: a System Admin key (docs/offboarding.md). */
export const keepNeedsReason = (item: Pick<ReviewItem, 'roleName'>): boolean => item.roleName === SYSTEM_ADMIN_ROLE;

/**
 * Applies one decision to an item inside the caller's transaction: the key change (made inactive, or
 * deleted), then the `review.decided` record whose seq the item keeps, so every exported row is covered
 * by the audit chain. False when the item was decided before.
 */
async function applyDecision(
  tx: Repos,
  item: ReviewItem,
  decision: ReviewDecision,
  decidedBy: string,
  reason: string | null,
  now: Date,
  byDefault: boolean,
): Promise<ReviewItem | undefined> {
  const key = await tx.keys.findById(item.keyId);
  const role = key === undefined ? undefined : await tx.roles.findById(key.roleId);
  const details = { campaignId: item.campaignId, reason: 'access_review' };
  if (key !== undefined && decision === 'inactivate' && key.status === 'active') {
    await tx.keys.update(key.id, { status: 'inactive' });
    await appendAudit(tx, auditOf(decidedBy, decidedBy === key.ownerId ? 'key.deactivated' : 'key.revoked', key, role, details), now);
  }
  if (key !== undefined && decision === 'delete') await removeKey(tx, decidedBy, 'key.deleted', key, role, details, now);
  const record = await appendAudit(
    tx,
    {
      actorId: decidedBy,
      action: 'review.decided',
      keyId: item.keyId,
      keyName: item.keyName,
      ownerId: item.ownerId,
      roleName: item.roleName,
      details: { campaignId: item.campaignId, decision, reason, byDefault, keyGone: key === undefined },
    },
    now,
  );
  const answer = { decision, decidedBy, decidedAt: iso(now), reason, auditSeq: record.seq };
  if (!(await tx.reviews.decide(item.campaignId, item.keyId, answer))) return undefined;
  return { ...item, ...answer };
}

/**
 * An owner's answer in their DM: Keep, Make inactive or Delete. The key's owner answers (an admin may
 * answer for anyone); keeping a System Admin key needs a written reason. Decided once: a second press,
 * a Slack retry or an answer after the deadline finds it decided and changes nothing.
 */
export async function answerReview(
  deps: DomainDeps,
  actorId: string,
  input: { campaignId: string; keyId: string; decision: ReviewDecision; reason?: string },
  options: { once?: string } = {},
): Promise<ReviewAnswerResult> {
  const reason = input.reason?.trim() === '' ? undefined : input.reason?.trim();
  if (reason !== undefined && ([...reason].length > REVIEW_REASON_MAX || /\p{Cc}/u.test(reason.replace(/\n/g, ''))))
    throw new AppError('INVALID_INPUT', `Keep the reason under ${REVIEW_REASON_MAX} characters, without control characters.`);
  return deps.store.write(async (tx): Promise<ReviewAnswerResult> => {
    const campaign = await tx.reviews.findCampaign(input.campaignId);
    const item = await tx.reviews.findItem(input.campaignId, input.keyId);
    if (campaign === undefined || item === undefined) throw new AppError('INVALID_INPUT', 'That review is not known here.');
    const ctx = await contextIn(tx, deps, actorId);
    if (actorId !== item.ownerId && !ctx.isAdmin)
      throw new AppError('NOT_ADMIN', "Only the key's owner or an admin can answer its review.");
    const pastDeadline = campaign.closedAt !== null || campaign.deadlineAt <= iso(deps.now());
    if (!(await firstTime(tx, deps, actorId, options.once)) || item.decision !== null || pastDeadline)
      return { outcome: 'already', item, campaign };
    if (input.decision === 'keep' && keepNeedsReason(item) && reason === undefined)
      throw new AppError('INVALID_INPUT', 'Keeping a System Admin key needs a written reason.', { details: { rule: 'reason_required' } });
    const decided = await applyDecision(tx, item, input.decision, actorId, reason ?? null, deps.now(), false);
    if (decided === undefined) return { outcome: 'already', item, campaign };
    return { outcome: 'decided', item: decided };
  });
}

/**
 * Run with the expiry check: a campaign halfway to its deadline reminds each owner with open keys once
 * (`reminded_at` is the marker); a campaign past its deadline gives every open key the default, audited
 * by the system, and closes (`closed_at` is the marker), in one transaction per campaign.
 */
export async function runDueReviews(deps: DomainDeps, limit = 20): Promise<{ reminded: number; closed: number; defaulted: number }> {
  const now = deps.now();
  const out = { reminded: 0, closed: 0, defaulted: 0 };
  for (const campaign of await deps.store.read.reviews.dueCampaigns(iso(now), limit)) {
    if (campaign.deadlineAt <= iso(now)) {
      const closed = await closeCampaign(deps, campaign, now);
      out.defaulted += closed.defaulted;
      if (closed.closed) out.closed += 1;
      continue;
    }
    const reminded = await deps.store.write(async (tx) => {
      if (!(await tx.reviews.markReminded(campaign.id, iso(now)))) return 0;
      const owners = new Set((await tx.reviews.items(campaign.id)).filter((i) => i.decision === null).map((i) => i.ownerId));
      for (const ownerId of owners) await tx.notifications.enqueue({ kind: 'review.reminder', campaignId: campaign.id, ownerId }, iso(now));
      return owners.size;
    });
    out.reminded += reminded;
  }
  if (out.reminded > 0) deps.outbox?.wake();
  return out;
}

/** Open items defaulted per transaction: each holds the audit chain's lock, so each stays short. */
const DEFAULT_BATCH = 200;
/** Batches per campaign per run; a bigger campaign is finished by the next runs. */
const MAX_DEFAULT_BATCHES = 50;

/**
 * A campaign past its deadline: open items get the default in short batches (each under the audit lock,
 * re-reading what is still open, so replicas running it together default each item once); the batch
 * that finds nothing left closes the campaign (`closed_at`, `review.closed`). Answers after the deadline
 * are refused meanwhile (see `answerReview`).
 */
async function closeCampaign(deps: DomainDeps, campaign: ReviewCampaign, now: Date): Promise<{ defaulted: number; closed: boolean }> {
  let defaulted = 0;
  for (let batch = 0; batch < MAX_DEFAULT_BATCHES; batch++) {
    const step = await deps.store.write(
      async (tx) => {
        const current = await tx.reviews.findCampaign(campaign.id);
        if (current === undefined || current.closedAt !== null) return { count: 0, done: true, closed: false };
        const open = await tx.reviews.openItems(campaign.id, DEFAULT_BATCH);
        let count = 0;
        for (const item of open) {
          if (await applyDecision(tx, item, campaign.defaultDecision, SYSTEM_ACTOR, null, now, true)) count += 1;
        }
        if (open.length === DEFAULT_BATCH) return { count, done: false, closed: false };
        if (!(await tx.reviews.markClosed(campaign.id, iso(now)))) return { count, done: true, closed: false };
        const all = await tx.reviews.items(campaign.id);
        const byDefault = all.filter((i) => i.decidedBy === SYSTEM_ACTOR).length;
        await appendAudit(
          tx,
          {
            actorId: SYSTEM_ACTOR,
            action: 'review.closed',
            roleName: campaign.roleName,
            details: { campaignId: campaign.id, keys: all.length, answered: all.length - byDefault, defaulted: byDefault },
          },
          now,
        );
        return { count, done: true, closed: true };
      },
      { budgetMs: 15_000 },
    );
    defaulted += step.count;
    if (step.done) return { defaulted, closed: step.closed };
  }
  return { defaulted, closed: false };
}

/** `admin review status`: the latest campaigns, answered / open each. */
export async function reviewStatus(deps: DomainDeps, actorId: string, limit = 10) {
  await requireAdmin(deps, actorId);
  return deps.store.read.reviews.listCampaigns(limit);
}

/** `admin review export <id>`: every item with its answer and the audit record covering it. */
export async function exportReview(deps: DomainDeps, actorId: string, campaignId: string) {
  await requireAdmin(deps, actorId);
  const campaign = await deps.store.read.reviews.findCampaign(campaignId.trim());
  if (campaign === undefined)
    throw new AppError(
      'INVALID_INPUT',
      `No review campaign has the ID "${campaignId.trim().slice(0, 40)}". See \`/accesskey admin review status\`.`,
    );
  const items = await deps.store.read.reviews.items(campaign.id);
  const rows = [];
  for (const item of items) {
    const record = item.auditSeq === null ? undefined : await deps.store.read.audit.findBySeq(item.auditSeq);
    rows.push({ item, hash: record?.hash ?? null });
  }
  return { campaign, rows };
}

/** One row of a review export as `npm run audit:verify -- --review-csv` reads it back. */
export interface ExportedReviewRow {
  keyId: string;
  decision: string;
  reason: string;
  auditSeq: string;
  auditHash: string;
}

/**
 * Checks a review export against the audit chain: every answered row must name a `review.decided`
 * record of that key, with that decision and reason, whose hash is the one in the row. With the chain
 * itself verified, a row that passes is vouched for by the chain; an edited row or record fails here.
 */
export async function checkReviewExport(
  audit: Pick<ReadRepos['audit'], 'findBySeq'>,
  rows: readonly ExportedReviewRow[],
): Promise<{ ok: true; answered: number; open: number } | { ok: false; line: number; problem: string }> {
  let answered = 0;
  let open = 0;
  for (const [index, row] of rows.entries()) {
    // Line 1 is the header; a spreadsheet-safe cell may start with a quote (see the export).
    const line = index + 2;
    const cell = (value: string) => value.replace(/^'/, '');
    if (row.auditSeq === '' && cell(row.decision) === 'open') {
      open += 1;
      continue;
    }
    const seq = Number(row.auditSeq);
    const record = Number.isSafeInteger(seq) ? await audit.findBySeq(seq) : undefined;
    if (record === undefined) return { ok: false, line, problem: `no audit record #${row.auditSeq}` };
    if (record.hash !== row.auditHash) return { ok: false, line, problem: `the hash differs from audit record #${seq}` };
    const reason = record.details.reason ?? null;
    const same =
      record.action === 'review.decided' &&
      record.keyId === cell(row.keyId) &&
      record.details.decision === cell(row.decision) &&
      (reason === null ? row.reason === '' : cell(row.reason) === reason);
    if (!same) return { ok: false, line, problem: `the row differs from audit record #${seq}` };
    answered += 1;
  }
  return { ok: true, answered, open };
}
