import { AppError } from '../errors.js';
import { appendAudit } from './audit.js';
import type { DomainDeps } from './deps.js';
import type { AccessRequest } from './model.js';
import type { Repos } from './ports.js';
import { containsCredential, randomBase62 } from './secrets.js';
import { hasVisibleText } from './visible-text.js';
import { DAY_MS, iso } from './time.js';
import { firstTime } from './replays.js';
import { contextIn, userContext } from './users.js';
import { queueOutcomeNotices } from './request-outcomes.js';
import { otherAdmins } from './dual-control.js';

const REASON_MAX = 500;

/**
 * A reason as kept: trimmed, null when nothing visible is left. A secret in it is refused with a clear
 * answer (the audit log would refuse it anyway, as a fault).
 */
function cleanReason(raw: string | undefined): string | null {
  const reason = raw?.trim() ?? '';
  if (containsCredential(reason))
    throw new AppError('INVALID_INPUT', 'That reason looks like it contains a secret key. Never paste secrets into Slack; leave it out.');
  return hasVisibleText(reason) ? reason : null;
}

/** R1 via Slack: a user without API access asks; the request waits for an admin, for a limited time. */
export async function requestApiAccess(
  deps: DomainDeps,
  userId: string,
  rawReason: string | undefined,
  ttlDays: number,
  once?: string,
): Promise<AccessRequest> {
  const reason = cleanReason(rawReason);
  if (reason !== null && ([...reason].length > REASON_MAX || /[\p{Cc}]/u.test(reason.replace(/\n/g, '')))) {
    throw new AppError('INVALID_INPUT', `Keep the reason under ${REASON_MAX} characters, without control characters.`);
  }
  return deps.store.write(async (tx) => {
    const ctx = await contextIn(tx, deps, userId);
    if (ctx.hasApiAccess) throw new AppError('INVALID_INPUT', 'You already have API access. Create a key with `/accesskey create`.');
    // A replay of the same press must not post the card a second time while the first post is under way.
    if (!(await firstTime(tx, deps, userId, once)))
      throw new AppError(
        'REQUEST_PENDING',
        'You already asked for API access; an admin has not decided yet. You will get a DM either way.',
      );
    const now = deps.now();
    const pending = await tx.accessRequests.findPending(userId);
    if (pending !== undefined && Date.parse(pending.expiresAt) > now.getTime()) {
      // Its card never reached the admins (Slack was down): hand it back so the caller posts it now.
      if (pending.cardTs === null) return pending;
      throw new AppError(
        'REQUEST_PENDING',
        'You already asked for API access; an admin has not decided yet. You will get a DM either way.',
        { details: { requestId: pending.id } },
      );
    }
    // The old card shows it expired; no DM, since the requester is asking again right now.
    if (pending !== undefined) await expireIn(tx, deps, pending, { dm: false });
    const request: AccessRequest = {
      id: `req_${randomBase62(16)}`,
      userId,
      reason,
      status: 'pending',
      createdAt: iso(now),
      expiresAt: iso(new Date(now.getTime() + ttlDays * DAY_MS)),
      decidedAt: null,
      decidedBy: null,
      decisionReason: null,
      cardChannel: null,
      cardTs: null,
      approvals: [],
      approvalsRequired: Math.max(1, deps.apiAccessApprovals ?? 1),
    };
    await tx.accessRequests.insert(request);
    await appendAudit(
      tx,
      { actorId: userId, action: 'api_access.requested', ownerId: userId, details: { requestId: request.id, reason: request.reason } },
      now,
    );
    return request;
  });
}

async function expireIn(tx: Repos, deps: DomainDeps, request: AccessRequest, tell: { dm: boolean } = { dm: true }): Promise<AccessRequest> {
  const now = deps.now();
  await tx.accessRequests.update(request.id, { status: 'expired', decidedAt: iso(now) });
  await appendAudit(
    tx,
    { actorId: 'system', action: 'api_access.request_expired', ownerId: request.userId, details: { requestId: request.id } },
    now,
  );
  await queueOutcomeNotices(tx, request, iso(now), undefined, tell.dm);
  return { ...request, status: 'expired', decidedAt: iso(now) };
}

const SELF_DECISION = 'Nobody can decide their own API-access request, admins included. Another admin has to.';

/** Remembers where the approvals card is, so a decision can update it in place. */
export async function recordRequestCard(deps: DomainDeps, requestId: string, channel: string, ts: string): Promise<void> {
  await deps.store.write((tx) => tx.accessRequests.update(requestId, { cardChannel: channel, cardTs: ts }));
}

export type DecisionOutcome =
  /** This call decided it. */
  | { outcome: 'decided'; request: AccessRequest }
  /** Someone decided before (a double click, a replayed request): nothing changed. */
  | { outcome: 'already'; request: AccessRequest }
  /** It had expired; it is now marked so. */
  | { outcome: 'expired'; request: AccessRequest }
  /** The same interaction (`once`) was acted on before: a Slack retry or a replayed request. Nothing changed. */
  | { outcome: 'replayed'; request: AccessRequest }
  /** This admin's approval counted; more distinct admins must approve (SPEC §17). */
  | { outcome: 'recorded'; request: AccessRequest; required: number }
  /** This admin had approved already: the same admin twice counts once. Nothing changed. */
  | { outcome: 'already_approved'; request: AccessRequest; required: number };

/**
 * Distinct admins this request needs now: API_ACCESS_APPROVALS as it was when asked, but never more than
 * the admins who may decide it (the requester never counts), so a small team is not stuck.
 */
async function approvalsNeeded(tx: Repos, request: AccessRequest): Promise<number> {
  const deciders = (await otherAdmins(tx, request.userId)).length;
  return Math.max(1, Math.min(request.approvalsRequired, deciders));
}

/**
 * An admin approves or denies. The pending → decided transition happens once under the write lock, so
 * a second click or a replayed request never decides twice. A non-admin's click changes nothing and is
 * itself audited (a forged admin click must leave a trace).
 */
export async function decideAccessRequest(
  deps: DomainDeps,
  actorId: string,
  requestId: string,
  decision: 'approve' | 'deny',
  reason?: string,
  once?: string,
  card?: { channel?: string; ts?: string },
): Promise<DecisionOutcome> {
  const decisionReason = cleanReason(reason)?.slice(0, REASON_MAX) ?? null;
  try {
    return await deps.store.write(async (tx) => {
      const actor = await contextIn(tx, deps, actorId);
      if (!actor.isAdmin) throw new AppError('NOT_ADMIN', 'Only admins (holders of the System Admin role) can decide API-access requests.');
      const request = await tx.accessRequests.find(requestId);
      if (request === undefined) throw new AppError('REQUEST_NOT_FOUND', 'That request no longer exists.');
      if (!(await firstTime(tx, deps, actorId, once))) return { outcome: 'replayed', request };
      if (request.status !== 'pending') return { outcome: 'already', request };
      if (request.userId === actorId) throw new AppError('SELF_DECISION', SELF_DECISION);
      const now = deps.now();
      if (Date.parse(request.expiresAt) <= now.getTime())
        return {
          outcome: 'expired',
          request: await expireIn(tx, deps, {
            ...request,
            cardChannel: request.cardChannel ?? card?.channel ?? null,
            cardTs: request.cardTs ?? card?.ts ?? null,
          }),
        };
      const approvals = request.approvals.some((a) => a.by === actorId)
        ? request.approvals
        : [...request.approvals, { by: actorId, at: iso(now) }];
      if (decision === 'approve') {
        const required = await approvalsNeeded(tx, request);
        if (approvals === request.approvals) return { outcome: 'already_approved', request, required };
        if (approvals.length < required) {
          const partial: AccessRequest = {
            ...request,
            approvals,
            cardChannel: request.cardChannel ?? card?.channel ?? null,
            cardTs: request.cardTs ?? card?.ts ?? null,
          };
          await tx.accessRequests.update(request.id, { approvals });
          await appendAudit(
            tx,
            {
              actorId,
              action: 'api_access.approval_recorded',
              ownerId: request.userId,
              details: { requestId: request.id, approvals: approvals.length, required, approvers: approvals.map((a) => a.by).join(',') },
            },
            now,
          );
          // The card shows "1 of 2 approved by …" in place; the requester hears only the final outcome.
          await queueOutcomeNotices(tx, partial, iso(now), card, false);
          return { outcome: 'recorded', request: partial, required };
        }
        const target = await contextIn(tx, deps, request.userId);
        if (!target.user.apiAccess) await tx.users.update(request.userId, { apiAccess: true });
      }
      // Whoever approved before a Deny is kept on the record too.
      const approvers = (decision === 'approve' ? approvals : request.approvals).map((a) => a.by);
      const decided: AccessRequest = {
        ...request,
        status: decision === 'approve' ? 'approved' : 'denied',
        decidedAt: iso(now),
        decidedBy: actorId,
        decisionReason,
        approvals: decision === 'approve' ? approvals : request.approvals,
      };
      await tx.accessRequests.update(request.id, {
        status: decided.status,
        decidedAt: decided.decidedAt,
        decidedBy: actorId,
        decisionReason,
        approvals: decided.approvals,
      });
      await appendAudit(
        tx,
        {
          actorId,
          action: decision === 'approve' ? 'api_access.approved' : 'api_access.denied',
          ownerId: request.userId,
          details: { requestId: request.id, reason: decisionReason, approvers: approvers.join(',') },
        },
        now,
      );
      await queueOutcomeNotices(tx, decided, iso(now), card);
      return { outcome: 'decided', request: decided };
    });
  } catch (error) {
    if (error instanceof AppError && error.code === 'NOT_ADMIN') await auditRefusal(deps, actorId, requestId, decision);
    if (error instanceof AppError && error.code === 'SELF_DECISION') await auditSelfDecision(deps, actorId, requestId, decision);
    throw error;
  }
}

async function auditSelfDecision(deps: DomainDeps, actorId: string, requestId: string, attempted: 'approve' | 'deny'): Promise<void> {
  await deps.store.write((tx) =>
    appendAudit(
      tx,
      { actorId, action: 'api_access.self_decision_refused', ownerId: actorId, details: { requestId, attempted } },
      deps.now(),
    ),
  );
}

/** Aggregated like failed authentications (usage.ts): at most two records per actor, attempt and minute. */
async function auditRefusal(deps: DomainDeps, actorId: string, requestId: string, attempted: 'approve' | 'deny'): Promise<void> {
  const verdict =
    deps.refusals?.recordRefusal({ actorId, action: 'api_access.decision_refused', attempted, details: { requestId } }) ?? 'write_now';
  if (verdict === 'aggregated') return;
  await deps.store.write((tx) =>
    appendAudit(tx, { actorId, action: 'api_access.decision_refused', details: { requestId, attempted, count: 1 } }, deps.now()),
  );
}

/** Before the deny modal opens: only an admin may go on (a refusal is audited), and only while pending. */
export async function checkDecider(
  deps: DomainDeps,
  actorId: string,
  requestId: string,
  attempted: 'approve' | 'deny' = 'deny',
): Promise<AccessRequest> {
  const actor = await userContext(deps, actorId);
  if (!actor.isAdmin) {
    await auditRefusal(deps, actorId, requestId, attempted);
    throw new AppError('NOT_ADMIN', 'Only admins (holders of the System Admin role) can decide API-access requests.');
  }
  const request = await deps.store.read.accessRequests.find(requestId);
  if (request === undefined) throw new AppError('REQUEST_NOT_FOUND', 'That request no longer exists.');
  if (request.status === 'pending' && request.userId === actorId) {
    await auditSelfDecision(deps, actorId, requestId, attempted);
    throw new AppError('SELF_DECISION', SELF_DECISION);
  }
  return request;
}

/** `/accesskey admin requests`: open requests, oldest first, for admins only. */
export async function listOpenRequests(deps: DomainDeps, actorId: string, limit = 50): Promise<AccessRequest[]> {
  const actor = await userContext(deps, actorId);
  if (!actor.isAdmin) throw new AppError('NOT_ADMIN', 'Only admins (holders of the System Admin role) can list API-access requests.');
  return deps.store.read.accessRequests.listOpen(iso(deps.now()), limit);
}

/** Marks requests pending past their time as expired (audited); the caller updates their cards. */
export async function expireAccessRequests(deps: DomainDeps, limit = 100): Promise<AccessRequest[]> {
  const due = await deps.store.read.accessRequests.listPendingExpiredBy(iso(deps.now()), limit);
  const expired: AccessRequest[] = [];
  for (const candidate of due) {
    const done = await deps.store.write(async (tx) => {
      const current = await tx.accessRequests.find(candidate.id);
      return current?.status === 'pending' ? expireIn(tx, deps, current) : undefined;
    });
    if (done !== undefined) expired.push(done);
  }
  return expired;
}
