import { grantApiAccess, revokeApiAccess } from './access.js';
import {
  checkDecider,
  decideAccessRequest,
  expireAccessRequests,
  listOpenRequests,
  recordRequestCard,
  requestApiAccess,
} from './access-requests.js';
import { exportAudit, listAllKeys, searchAuditAsAdmin } from './admin.js';
import { verifyAuditChain } from './audit.js';
import { backgroundSteps } from './background.js';
import type { DomainDeps } from './deps.js';
import { activateKey, deactivateKey, deleteKey, extendKey, type ChangeOptions } from './keys/change.js';
import { createKey, slotsFor, type CreateKeyInput } from './keys/create.js';
import { confirmDelivery, sweepUndeliveredKeys } from './keys/delivery.js';
import { keyStatusById, listKeys, showKey } from './keys/find.js';
import { checkRotation, rotateKey, undoRotation, type RotateKeyResult, type RotateOptions } from './keys/rotate.js';
import { verifyKey, verifyKeyCached, type RefusedKeySink } from './keys/verify.js';
import type { ViaKey } from './keys/via.js';
import { forgetOldReplays } from './replays.js';
import { authenticateKey, revalidateKey } from './integration.js';
import { usageWriter } from './usage.js';
import { usageReport } from './usage-report.js';
import type { AccessKey } from './model.js';
import { checkRotationGrace, decideRotationGrace, usesSinceRotation, type GraceDecision } from './keys/rotation-grace.js';
import { iso } from './time.js';
import type { AuditSearch } from './ports.js';
import { keepKey } from './stale-keys.js';
import { answerReview, exportReview, reviewStatus, runDueReviews, startReview, type StartReviewInput } from './reviews.js';
import type { ReviewDecision } from './model.js';
import {
  actOnOffboardedKey,
  forgetDeactivation,
  offboardPerson,
  transferKey,
  type OffboardingAction,
  type OffboardOptions,
} from './offboarding.js';
import { channelOverrides, setChannel, type ChannelPurpose } from './channel-settings.js';
import { findInstallation, removeInstallation, storeInstallation, type InstallationIdentity } from './installations.js';
import { checkAuditTail, advanceAuditWitness, verifyAudit, type AuditWitness, type MirrorHistory } from './audit-verify.js';
import { reportCompromised } from './keys/compromised.js';
import { decideLeak, respondToLeak, secretsOfSomeKey, UnknownLeakCounter, type LeakOutcome, type LeakSighting } from './keys/leaked.js';
import { isWellFormedSecret } from './secrets.js';
import type { LeakResolution } from './repo-ports.js';
import { setRolePolicy, type PolicyChange } from './policy.js';
import { changeRolePermissions, rolePermissions, setKeyNetworks, type NetworksInput, type PermissionChange } from './least-privilege.js';
import { reportOutsideNetwork } from './network-reports.js';
import { assignRole, createRole, deleteRole, listRoles, previewRoleDeletion, previewRoleRemoval, removeRole } from './roles.js';
import type { ExpiryChoice } from './time.js';
import { deliverStream, type StreamDeliveryTuning } from './streams/deliver.js';
import {
  addStream,
  deleteStream,
  listStreams,
  pauseStream,
  replayStream,
  resumeStream,
  sendTestEvent,
  streamStatuses,
  verifyStream,
  type AddStreamInput,
} from './streams/manage.js';
import type { StreamClaim } from './streams/model.js';
import { AppError } from '../errors.js';
import { checkStepUp, confirmEnrolment, mfaStatus, resetMfa, startEnrolment, stepUpRequired } from './mfa.js';
import { bootstrapAdmins, ensureBaselineRoles, requireAdmin, switchActiveRole, userContext } from './users.js';

/** A user and one of their roles, as a role assignment or removal names them. */
interface Membership {
  userId: string;
  roleName: string;
}

/**
 * How a key is created, beside what it is: `once`, the interaction that asked (a replay returns the first
 * result); `via`, the calling key (key API); `deliverLater`, see `CreateKeyInput`.
 */
export type CreateOptions = Pick<CreateKeyInput, 'via' | 'deliverLater'> & { once?: string };

/** Runs a change that may have queued notifications, then wakes the worker so they go out at once. */
async function notifyAfter<T>(deps: DomainDeps, change: Promise<T>, queued = true): Promise<T> {
  const result = await change;
  if (queued) deps.outbox?.wake();
  return result;
}

/**
 * The one object every entry point (Slack listeners, cron jobs, the HTTP API) calls. It knows
 * nothing of Slack or SQL; each method is a domain function with its dependencies bound.
 */
export function createServices(deps: DomainDeps) {
  const unknownLeaks = new UnknownLeakCounter();
  // Sightings take the audit lock one after another anyway; queued here, a burst of 50 messages holds one
  // pooled connection at a time instead of 50 waiting for the lock.
  let leakTurn: Promise<unknown> = Promise.resolve();
  /** One secret seen once; a well-formed secret no key has is only counted (`unknownBySource`). */
  const report = async (secret: string, sighting: LeakSighting): Promise<LeakOutcome> => {
    const turn = leakTurn.then(() => respondToLeak(deps, secret, sighting));
    // The next sighting waits for this one to end, however it ends (its failure is its caller's).
    leakTurn = turn.catch((error: unknown) => error);
    const outcome = await notifyAfter(deps, turn);
    if (outcome.kind === 'unknown') unknownLeaks.count(sighting.source);
    return outcome;
  };
  return {
    /** Event streams for SIEMs (docs/streams.md): admin changes (audited) and the delivery worker's one step. */
    streams: {
      /** `once`: the modal submission that asked; a replay of it adds nothing (answers 'replayed'). */
      add: (actorId: string, input: AddStreamInput, options?: { once?: string }) => addStream(deps, actorId, input, options),
      verify: (actorId: string, id: string) => verifyStream(deps, actorId, id),
      pause: (actorId: string, id: string) => pauseStream(deps, actorId, id),
      resume: (actorId: string, id: string) => resumeStream(deps, actorId, id),
      delete: (actorId: string, id: string) => deleteStream(deps, actorId, id),
      replay: (actorId: string, input: { id: string; fromSeq: number }, options?: { once?: string }) =>
        replayStream(deps, actorId, input.id, input.fromSeq, options),
      list: (actorId: string) => listStreams(deps, actorId),
      /** For views only admins see (App Home's admin section). */
      statuses: () => streamStatuses(deps),
      sendTest: (actorId: string, id: string) => sendTestEvent(deps, actorId, id),
      /** One attempt of a leased stream; `now` is the wall clock (back-off, signatures). */
      deliver: (claim: StreamClaim, now: () => Date, tuning?: StreamDeliveryTuning) => {
        if (deps.streams === undefined) throw new AppError('CONFIG_INVALID', 'Event streams are not configured.');
        return deliverStream(deps, deps.streams, claim, now, tuning);
      },
    },
    users: {
      context: (userId: string) => userContext(deps, userId),
      switchRole: (userId: string, roleName: string) => switchActiveRole(deps, userId, roleName),
      bootstrapAdmins: (userIds: readonly string[]) => notifyAfter(deps, bootstrapAdmins(deps, userIds)),
      ensureBaselineRoles: () => ensureBaselineRoles(deps),
    },
    keys: {
      slots: (userId: string) => slotsFor(deps, userId),
      // Through the key API (`via`), a change queues its owner's DM (docs/http-api.md).
      create: (
        actorId: string,
        input: Pick<CreateKeyInput, 'name' | 'expiry' | 'permissions' | 'networks' | 'networkReportOnly'>,
        options: CreateOptions = {},
      ) =>
        notifyAfter(
          deps,
          createKey(deps, { actorId, ...input, requestId: options.once, via: options.via, deliverLater: options.deliverLater }),
          options.via !== undefined,
        ),
      list: (userId: string, options?: { allRoles?: boolean; via?: ViaKey }) => listKeys(deps, userId, options),
      show: (actorId: string, reference: string, options?: { via?: ViaKey }) => showKey(deps, actorId, reference, options?.via),
      /** SPEC §15: a key's uses per day, top tags and networks, denials by reason (owner, or an admin). */
      usage: (actorId: string, reference: string) => usageReport(deps, actorId, reference),
      /** The owner's answer to the rotation grace question (docs/usage-analytics.md). */
      decideGrace: (actorId: string, input: { reference: string; decision: GraceDecision }, options?: { once?: string }) =>
        decideRotationGrace(deps, actorId, input.reference, input.decision, options),
      /** Rotated-out keys whose grace ends within the hour and that are still in use: kept 24 h more, owner asked. */
      checkRotationGrace: () => checkRotationGrace(deps),
      /** A rotated-out key's valid uses since its grace began (shown on its details). */
      usesSinceRotation: (key: AccessKey) => usesSinceRotation(deps, key),
      /** Status and expiry by key ID only, for automations (workflow steps). */
      statusById: (keyId: string) => keyStatusById(deps, keyId),
      // `once`: the Slack interaction that asked (view or button press), a replay of it changes nothing; `via`: the calling key (key API).
      extend: (actorId: string, input: { reference: string; expiry: ExpiryChoice }, options?: ChangeOptions) =>
        extendKey(deps, actorId, input.reference, input.expiry, options),
      deactivate: (actorId: string, reference: string, options?: ChangeOptions) =>
        notifyAfter(deps, deactivateKey(deps, actorId, reference, options), options?.via !== undefined),
      // Switching a leaked key back on may queue its card's update.
      activate: (actorId: string, reference: string, options?: ChangeOptions) =>
        notifyAfter(deps, activateKey(deps, actorId, reference, options)),
      delete: (actorId: string, input: { reference: string; reason?: string }, options?: ChangeOptions) =>
        notifyAfter(deps, deleteKey(deps, actorId, input.reference, input.reason, options), options?.via !== undefined),
      verify: (secret: unknown, refused?: RefusedKeySink) => verifyKey(deps, secret, refused),
      /** `/accesskey networks <key>` (docs/least-privilege.md). */
      setNetworks: (actorId: string, input: { reference: string } & NetworksInput, options?: ChangeOptions) =>
        setKeyNetworks(deps, actorId, input.reference, input, options),
      /** A report-only key used from outside its networks: one notice per key, network and hour. */
      reportOutsideNetwork: (report: { keyId: string; network: string; address: string | null; hour: number }) =>
        notifyAfter(deps, reportOutsideNetwork(deps, report)),
      /** verify's answer when it needs no I/O (malformed, or a cached key); undefined: call `verify`. */
      verifyCached: (secret: unknown, refused?: RefusedKeySink) => verifyKeyCached(deps, secret, refused),
      /** What `rotate` would do, or its refusal, without changing anything (the command asks first). */
      checkRotation: (actorId: string, reference: string) => checkRotation(deps, actorId, reference),
      rotate: (actorId: string, reference: string, options?: RotateOptions) => rotateKey(deps, actorId, reference, options),
      confirmDelivery: (keyId: string) => confirmDelivery(deps, keyId),
      sweepUndelivered: async (options?: { ttlMs?: number; limit?: number }) => {
        const removed = await sweepUndeliveredKeys(deps, options);
        if (removed.length > 0) deps.outbox?.wake();
        return removed;
      },
      forgetOldReplays: () => forgetOldReplays(deps),
      undoRotation: (actorId: string, result: RotateKeyResult) => undoRotation(deps, actorId, result),
      reportCompromised: (actorId: string, reference: string) => notifyAfter(deps, reportCompromised(deps, actorId, reference)),
    },
    /** Leak response (SPEC §12; docs/leak-response.md): Slack's watch, GitHub's and GitLab's intake, the card's buttons. */
    leaks: {
      /** One secret seen once; a well-formed secret no key has is only counted (`unknownBySource`). */
      report,
      /**
       * A scanner's batch (GitHub's up to 1,000): one lookup sorts out the strangers (counted), and only
       * possible keys take the write path, one by one. Outcomes in the order given.
       */
      reportMany: async (sightings: ReadonlyArray<{ secret: string; sighting: LeakSighting }>): Promise<LeakOutcome[]> => {
        const ours = await secretsOfSomeKey(
          deps,
          sightings.map((s) => s.secret),
        );
        const outcomes: LeakOutcome[] = [];
        for (const { secret, sighting } of sightings) {
          if (!isWellFormedSecret(secret)) outcomes.push({ kind: 'not_a_secret' });
          else if (!ours.has(secret)) {
            unknownLeaks.count(sighting.source);
            outcomes.push({ kind: 'unknown' });
          } else outcomes.push(await report(secret, sighting));
        }
        return outcomes;
      },
      decide: (actorId: string, input: { keyId: string; decision: LeakResolution }, options: { once?: string } = {}) =>
        notifyAfter(deps, decideLeak(deps, actorId, input.keyId, input.decision, options.once)),
      unknownBySource: (): Readonly<Record<LeakSighting['source'], number>> => ({ ...unknownLeaks.bySource }),
    },
    access: {
      grant: (actorId: string, userId: string) => notifyAfter(deps, grantApiAccess(deps, actorId, userId)),
      revoke: (actorId: string, userId: string) => revokeApiAccess(deps, actorId, userId),
      request: (actorId: string, input: { reason?: string; ttlDays: number }, options?: { once?: string }) =>
        requestApiAccess(deps, actorId, input.reason, input.ttlDays, options?.once),
      recordCard: (requestId: string, channel: string, ts: string) => recordRequestCard(deps, requestId, channel, ts),
      /** `card`: the approval card pressed, updated with the decision. */
      decide: (
        actorId: string,
        input: { requestId: string; decision: 'approve' | 'deny'; reason?: string },
        options: { once?: string; card?: { channel?: string; ts?: string } } = {},
      ) => notifyAfter(deps, decideAccessRequest(deps, actorId, input.requestId, input.decision, input.reason, options.once, options.card)),
      listOpen: (actorId: string) => listOpenRequests(deps, actorId),
      /** Before a modal opens (deny's reason, a step-up code): refusals are audited as `attempted`. */
      checkDecider: (actorId: string, requestId: string, attempted?: 'approve' | 'deny') =>
        checkDecider(deps, actorId, requestId, attempted),
      expireRequests: () => notifyAfter(deps, expireAccessRequests(deps)),
    },
    /** docs/offboarding.md: every key of `userId` inactive, API access and open requests ended, one card; `{ count }` of keys made inactive. */
    offboardPerson: (actorId: string, input: { userId: string }, options?: OffboardOptions) =>
      offboardPerson(deps, actorId, input.userId, options),
    offboarding: {
      /** The account is active again: nothing comes back by itself; a later deactivation offboards afresh. */
      reactivated: (userId: string) => forgetDeactivation(deps, userId),
      /** `/accesskey admin transfer <key> @user`. */
      transfer: (actorId: string, input: { reference: string; newOwnerId: string }, options?: { once?: string }) =>
        transferKey(deps, actorId, input, options),
      /** Transfer to… / Delete / Keep inactive on the card; `card` is updated in place. */
      act: (
        actorId: string,
        input: { offboardingId: string; keyId: string; action: OffboardingAction },
        options?: { once?: string; card?: { channel?: string; ts?: string } },
      ) => actOnOffboardedKey(deps, actorId, input, options),
    },
    /** Access-review campaigns (docs/offboarding.md, "Access reviews"). */
    reviews: {
      start: (actorId: string, input: StartReviewInput, options?: { once?: string }) => startReview(deps, actorId, input, options),
      /** Keep / Make inactive / Delete from the owner's DM; `reason` is required to keep a System Admin key. */
      answer: (
        actorId: string,
        input: { campaignId: string; keyId: string; decision: ReviewDecision; reason?: string },
        options?: { once?: string },
      ) => answerReview(deps, actorId, input, options),
      /** Reminders at half time and defaults at the deadline, run with the expiry check. */
      runDue: () => runDueReviews(deps),
      /** One item as it stands (the Keep button asks whether a reason is needed before it opens the modal). */
      item: (campaignId: string, keyId: string) => deps.store.read.reviews.findItem(campaignId, keyId),
      status: (actorId: string) => reviewStatus(deps, actorId),
      export: (actorId: string, campaignId: string) => exportReview(deps, actorId, campaignId),
    },
    /** Channels set by `/accesskey admin settings`, over the env defaults (SPEC §18). */
    settings: {
      channelOverrides: () => channelOverrides(deps),
      setChannel: (actorId: string, purpose: ChannelPurpose, channelId: string | null) => setChannel(deps, actorId, purpose, channelId),
    },
    /** The one Slack installation of an OAuth deployment (SPEC §18); tokens stay sealed here. */
    installations: {
      find: () => findInstallation(deps),
      store: (identity: InstallationIdentity, sealed: string, installerId?: string) =>
        storeInstallation(deps, identity, sealed, installerId),
      remove: (
        input: { reason: 'app_uninstalled' | 'tokens_revoked'; identity: Partial<InstallationIdentity> },
        options?: { once?: string },
      ) => removeInstallation(deps, input, options?.once),
    },
    admin: {
      require: async (actorId: string): Promise<void> => {
        await requireAdmin(deps, actorId);
      },
      /** `admin revoke <key ID>`: an admin makes any key inactive (a revocation when it is not their own). */
      revokeKey: async (actorId: string, reference: string) => {
        await requireAdmin(deps, actorId);
        return deactivateKey(deps, actorId, reference);
      },
      listKeys: (actorId: string, filter: { ownerId?: string; limit: number; offset: number }) => listAllKeys(deps, actorId, filter),
      searchAudit: (actorId: string, filter: AuditSearch) => searchAuditAsAdmin(deps, actorId, filter),
      exportAudit: (actorId: string, sinceIso?: string) => exportAudit(deps, actorId, sinceIso),
    },
    roles: {
      list: (actorId: string) => listRoles(deps, actorId),
      create: (actorId: string, input: { name: string; maxKeys?: number }) => createRole(deps, actorId, input.name, input.maxKeys),
      previewDeletion: (actorId: string, name: string) => previewRoleDeletion(deps, actorId, name),
      /** `expectedRoleId`: the role the confirmation showed, so a role re-created under its name is not deleted. */
      delete: (actorId: string, input: { name: string; expectedRoleId?: string }, options?: { once?: string }) =>
        notifyAfter(deps, deleteRole(deps, actorId, input.name, input.expectedRoleId, options?.once)),
      assign: (actorId: string, input: Membership) => notifyAfter(deps, assignRole(deps, actorId, input.userId, input.roleName)),
      previewRemoval: (actorId: string, input: Membership) => previewRoleRemoval(deps, actorId, input.userId, input.roleName),
      remove: (actorId: string, input: Membership, options?: { once?: string }) =>
        notifyAfter(deps, removeRole(deps, actorId, input.userId, input.roleName, options?.once)),
      setPolicy: (actorId: string, input: { name: string; change: PolicyChange }) => setRolePolicy(deps, actorId, input.name, input.change),
      permissions: (actorId: string, name: string) => rolePermissions(deps, actorId, name),
      changePermissions: (actorId: string, input: { name: string; change: PermissionChange }) =>
        changeRolePermissions(deps, actorId, input.name, input.change),
    },
    notifications: {
      /** "Keep" on a stale-key notice (audited `key.kept`). */
      keepKey: (actorId: string, keyId: string) => keepKey(deps, actorId, keyId),
      /** The secret's CSV is deleted from Slack at `dueAt` (SECRET_FILE_TTL after the upload; queued now, due then). */
      scheduleSecretFileDeletion: async (file: { fileId: string; keyId: string; ownerId: string }, dueAt: Date): Promise<void> => {
        await deps.store.write((tx) =>
          tx.notifications.enqueue({ kind: 'secret_file.delete', ...file }, deps.now().toISOString(), dueAt.toISOString()),
        );
      },
    },
    /** The integration API (docs/http-api.md): login and token checks. */
    integration: {
      authenticate: (keyId: string, secret: string, refused?: RefusedKeySink) => authenticateKey(deps, keyId, secret, refused),
      revalidate: (keyId: string) => revalidateKey(deps, keyId),
      /** Failed-attempt counters every replica shares. */
      throttleCounters: deps.store.throttle,
    },
    /** Coalesced key uses and failed attempts, written in batches by the HTTP side's recorder. */
    usage: usageWriter(deps),
    /** /healthz and /metrics. */
    health: {
      ping: () => deps.store.ping(),
      pendingAudit: () => deps.store.read.audit.countPending(),
      keysByStatus: () => deps.store.read.keys.countByStatus(iso(deps.now())),
    },
    audit: {
      verifyChain: () => verifyAuditChain(deps.store.read),
      search: (filter: AuditSearch) => deps.store.read.audit.search(filter),
      /** `/accesskey admin verify-audit`: the chain walk plus, when given, the security-channel cross-check. */
      verifyAsAdmin: async (actorId: string, history?: MirrorHistory) => {
        await requireAdmin(deps, actorId);
        return verifyAudit(deps.store.read, history);
      },
      checkTail: (witness: AuditWitness) => checkAuditTail(deps, witness),
      advanceWitness: (witness: AuditWitness) => advanceAuditWitness(deps, witness),
    },
    /** Admins' step-up codes (docs/admin-security.md); `once`: the modal submission (a replay changes nothing). */
    mfa: {
      startEnrolment: (actorId: string) => startEnrolment(deps, actorId),
      confirmEnrolment: (actorId: string, code: string, options?: { once?: string }) =>
        confirmEnrolment(deps, actorId, code, options?.once),
      checkStepUp: (actorId: string, code: string, options?: { once?: string }) => checkStepUp(deps, actorId, code, options?.once),
      status: (actorId: string, targetId?: string) => mfaStatus(deps, actorId, targetId),
      reset: (actorId: string, targetId: string) => resetMfa(deps, actorId, targetId),
      /** ADMIN_STEP_UP=on: deciding actions ask for a code first. */
      stepUpRequired: () => stepUpRequired(deps),
    },
    /** The audited steps of the scheduler's jobs (src/scheduler/); their queues come as `JobPorts`. */
    background: backgroundSteps(deps),
  };
}

export type Services = ReturnType<typeof createServices>;
