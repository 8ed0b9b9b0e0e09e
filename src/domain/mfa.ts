import { Secret, TOTP } from 'otpauth';
import { z } from 'zod';
import { AppError } from '../errors.js';
import { appendAudit } from './audit.js';
import type { DomainDeps, MfaSettings } from './deps.js';
import { agreeIn, otherAdmins } from './dual-control.js';
import { decryptSecret, encryptSecret } from './mfa-crypto.js';
import type { MfaEnrolment } from './model.js';
import type { Repos } from './ports.js';
import { iso } from './time.js';
import { requireAdmin, requireAdminIn } from './users.js';

/**
 * Admins' TOTP codes (SPEC §17, docs/admin-security.md): enrolment confirmed by a first code, and the
 * step-up check in front of deciding actions. RFC 6238 defaults (SHA-1, 6 digits, 30 s), which every
 * authenticator app reads from the QR code; one step either side is accepted for clock drift.
 */
export const TOTP_PERIOD_MS = 30_000;
export const STEP_UP_MAX_FAILURES = 5;
export const STEP_UP_LOCK_MS = 15 * 60_000;
const WINDOW = 1;

const codeSchema = z
  .string()
  .transform((value) => value.replace(/[\s-]/g, ''))
  .pipe(z.string().regex(/^\d{6}$/));

function settingsOf(deps: DomainDeps): MfaSettings {
  if (deps.mfa === undefined)
    throw new AppError('MFA_NOT_CONFIGURED', 'Step-up codes are not set up here: the operator has to set MFA_ENCRYPTION_KEY first.');
  return deps.mfa;
}

const totpOf = (settings: MfaSettings, userId: string, base32: string): TOTP =>
  new TOTP({
    issuer: settings.issuer,
    label: userId,
    algorithm: 'SHA1',
    digits: 6,
    period: TOTP_PERIOD_MS / 1000,
    secret: Secret.fromBase32(base32),
  });

/** What a typed code did. Nothing changes on any answer but `ok`. */
export type CodeOutcome =
  | { ok: true; replayed: boolean }
  | { ok: false; reason: 'malformed' | 'wrong' | 'reused'; attemptsLeft: number }
  | { ok: false; reason: 'locked'; until: string };

/** `/accesskey admin mfa enroll`: a new secret, kept pending until a first code confirms it. The URI carries the secret: for the admin's DM only. */
export async function startEnrolment(deps: DomainDeps, actorId: string): Promise<{ uri: string }> {
  const settings = settingsOf(deps);
  return deps.store.write(async (tx) => {
    await requireAdminIn(tx, deps, actorId);
    const existing = await tx.mfa.find(actorId);
    // Replacing an active factor from a Slack session alone would defeat it: that takes another admin.
    if (existing?.status === 'active')
      throw new AppError(
        'INVALID_INPUT',
        'You are enrolled already. To move to a new device, another admin resets your enrolment (`/accesskey admin mfa reset @you`), then you enrol again.',
      );
    const secret = new Secret({ size: 20 });
    const enrolment: MfaEnrolment = {
      userId: actorId,
      secretEnc: encryptSecret(settings.key, actorId, secret.base32),
      status: 'pending',
      createdAt: iso(deps.now()),
      confirmedAt: null,
      lastStep: null,
      failures: 0,
      lockedUntil: null,
    };
    await tx.mfa.put(enrolment);
    return { uri: totpOf(settings, actorId, secret.base32).toString() };
  });
}

/** The enrolment modal's code: the first right code makes the enrolment active (audited). */
export function confirmEnrolment(deps: DomainDeps, actorId: string, rawCode: string, once?: string): Promise<CodeOutcome> {
  return checkCode(deps, actorId, rawCode, once, 'pending');
}

/** The step-up modal's code: a current code of an active enrolment, never the same time step twice. */
export function checkStepUp(deps: DomainDeps, actorId: string, rawCode: string, once?: string): Promise<CodeOutcome> {
  return checkCode(deps, actorId, rawCode, once, 'active');
}

async function checkCode(
  deps: DomainDeps,
  actorId: string,
  rawCode: string,
  once: string | undefined,
  expected: MfaEnrolment['status'],
): Promise<CodeOutcome> {
  const settings = settingsOf(deps);
  const parsed = codeSchema.safeParse(rawCode);
  return deps.store.write(async (tx) => {
    await requireAdminIn(tx, deps, actorId);
    const now = deps.now();
    const enrolment = await tx.mfa.find(actorId);
    if (enrolment === undefined || (expected === 'active' && enrolment.status !== 'active'))
      throw new AppError('MFA_NOT_ENROLLED', 'You have no confirmed step-up enrolment. Enrol with `/accesskey admin mfa enroll`.');
    const replayMark = once === undefined ? undefined : stepUpMark(once);
    // A replayed submission of the one that succeeded: the code now reads as used, but nothing is wrong.
    if (replayMark !== undefined && (await tx.processedRequests.seen(replayMark))) return { ok: true, replayed: true };
    if (expected === 'pending' && enrolment.status === 'active')
      throw new AppError('INVALID_INPUT', 'Your enrolment is confirmed already.');
    const lockedUntil = enrolment.lockedUntil === null ? undefined : Date.parse(enrolment.lockedUntil);
    if (lockedUntil !== undefined && lockedUntil > now.getTime()) return { ok: false, reason: 'locked', until: iso(new Date(lockedUntil)) };
    // A lock that has run out starts the count afresh.
    const failures = lockedUntil === undefined ? enrolment.failures : 0;
    if (!parsed.success) return { ok: false, reason: 'malformed', attemptsLeft: STEP_UP_MAX_FAILURES - failures };
    const base32 = decryptSecret(settings.key, actorId, enrolment.secretEnc);
    if (base32 === undefined)
      throw new AppError(
        'MFA_NOT_CONFIGURED',
        'Your enrolment cannot be read with this MFA_ENCRYPTION_KEY (was the key changed?). Another admin can reset it so you enrol again.',
      );
    const delta = totpOf(settings, actorId, base32).validate({ token: parsed.data, timestamp: now.getTime(), window: WINDOW });
    const step = delta === null ? null : Math.floor(now.getTime() / TOTP_PERIOD_MS) + delta;
    if (step !== null && (enrolment.lastStep === null || step > enrolment.lastStep)) {
      if (replayMark !== undefined) await tx.processedRequests.claim(replayMark, actorId, iso(now));
      await tx.mfa.update(actorId, {
        lastStep: step,
        failures: 0,
        lockedUntil: null,
        ...(enrolment.status === 'pending' ? { status: 'active' as const, confirmedAt: iso(now) } : {}),
      });
      if (enrolment.status === 'pending') await appendAudit(tx, { actorId, action: 'mfa.enrolled', ownerId: actorId }, now);
      return { ok: true, replayed: false };
    }
    return recordFailure(tx, actorId, failures, step === null ? 'wrong' : 'reused', now);
  });
}

/** A wrong or reused code counts; the fifth in a row locks step-up for STEP_UP_LOCK_MS (audited). */
async function recordFailure(tx: Repos, actorId: string, before: number, reason: 'wrong' | 'reused', now: Date): Promise<CodeOutcome> {
  const failures = before + 1;
  if (failures < STEP_UP_MAX_FAILURES) {
    await tx.mfa.update(actorId, { failures, lockedUntil: null });
    return { ok: false, reason, attemptsLeft: STEP_UP_MAX_FAILURES - failures };
  }
  const until = iso(new Date(now.getTime() + STEP_UP_LOCK_MS));
  await tx.mfa.update(actorId, { failures: 0, lockedUntil: until });
  await appendAudit(tx, { actorId, action: 'mfa.locked', ownerId: actorId, details: { failures, until } }, now);
  return { ok: false, reason: 'locked', until };
}

export interface MfaStatus {
  userId: string;
  enrolment: 'none' | 'pending' | 'active';
  confirmedAt: string | null;
  lockedUntil: string | null;
  /** ADMIN_STEP_UP=on here. */
  stepUpOn: boolean;
  configured: boolean;
}

/** `/accesskey admin mfa status [@admin]`: whether someone is enrolled and whether step-up is locked. */
export async function mfaStatus(deps: DomainDeps, actorId: string, targetId = actorId): Promise<MfaStatus> {
  await requireAdmin(deps, actorId);
  const enrolment = await deps.store.read.mfa.find(targetId);
  const locked =
    enrolment?.lockedUntil !== null && enrolment?.lockedUntil !== undefined && Date.parse(enrolment.lockedUntil) > deps.now().getTime();
  return {
    userId: targetId,
    enrolment: enrolment?.status ?? 'none',
    confirmedAt: enrolment?.confirmedAt ?? null,
    lockedUntil: locked ? (enrolment?.lockedUntil ?? null) : null,
    stepUpOn: deps.mfa?.stepUp === true,
    configured: deps.mfa !== undefined,
  };
}

/** Whether deciding actions must pass a code first (ADMIN_STEP_UP=on). */
export const stepUpRequired = (deps: DomainDeps): boolean => deps.mfa?.stepUp === true;

/** The mark a passing code leaves for the interaction (`once`) it was asked for. */
const stepUpMark = (once: string): string => `${once}:code`;

/**
 * The proof a deciding change checks in its own transaction: step-up is off, or a code passed for this
 * very interaction (the code modal's submission, whose `once` the stepped action runs with). A change
 * that was never stepped up — a press whose key turned compromised meanwhile — has no such mark.
 */
export async function steppedUpIn(tx: Pick<Repos, 'processedRequests'>, deps: DomainDeps, once: string | undefined): Promise<boolean> {
  if (!stepUpRequired(deps)) return true;
  return once !== undefined && (await tx.processedRequests.seen(stepUpMark(once)));
}

/**
 * `/accesskey admin mfa reset @admin`: removes another admin's enrolment (a lost phone) so they enrol
 * again. Never one's own (a stolen Slack session could then swap the factor); two admins agree whenever
 * two besides the target exist.
 */
export async function resetMfa(
  deps: DomainDeps,
  actorId: string,
  targetId: string,
): Promise<{ done: true; approvers: string[] } | { done: false; approvers: string[]; required: number }> {
  return deps.store.write(async (tx) => {
    await requireAdminIn(tx, deps, actorId);
    if (targetId === actorId)
      throw new AppError(
        'INVALID_INPUT',
        'You cannot reset your own enrolment: another admin has to (so a stolen Slack session cannot swap your device).',
      );
    if ((await tx.mfa.find(targetId)) === undefined)
      throw new AppError('MFA_NOT_ENROLLED', 'That person has no step-up enrolment to reset.');
    const required = (await otherAdmins(tx, targetId)).length >= 2 ? 2 : 1;
    const agreed = await agreeIn(
      tx,
      deps,
      actorId,
      { key: `mfa_reset:${targetId}`, describe: `step-up reset for ${targetId}`, ownerId: targetId },
      required,
    );
    if (!agreed.go) return { done: false, approvers: agreed.approvers, required: agreed.required };
    await tx.mfa.remove(targetId);
    await appendAudit(
      tx,
      { actorId, action: 'mfa.reset', ownerId: targetId, details: { approvers: agreed.approvers.join(',') } },
      deps.now(),
    );
    return { done: true, approvers: agreed.approvers };
  });
}
