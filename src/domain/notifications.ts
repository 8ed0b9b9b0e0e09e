import { z } from 'zod';
import type { DeliveryOutcome } from './delivery.js';
import type { AccessRequest, AccessKey, Offboarding, ReviewCampaign, ReviewItem, Role } from './model.js';
import type { KeyLeak } from './leak-model.js';

/**
 * The user-facing notification outbox (docs/operations.md, "Background work"). Nothing a person is told in the
 * background is best effort: each notification is a row written in the same transaction as the change
 * it announces, and a worker sends it after, with retries, backoff and parking. A Slack outage delays
 * them and loses none.
 */
const keyRef = z.object({ id: z.string().min(1).max(100), name: z.string().max(200) });

export const notificationSchema = z.discriminatedUnion('kind', [
  /** The requester learns the decision (approved, denied or expired). */
  z.object({ kind: z.literal('request.decision_dm'), requestId: z.string().min(1).max(100) }),
  /** The approvals card shows the decision in place. */
  z.object({
    kind: z.literal('request.card_update'),
    requestId: z.string().min(1).max(100),
    channel: z.string().min(1).max(50),
    ts: z.string().min(1).max(50),
  }),
  /** A request still open after ACCESS_REQUEST_REMIND_AFTER is re-posted once, linking its card. */
  z.object({ kind: z.literal('request.reminder'), requestId: z.string().min(1).max(100) }),
  /** R4: an owner whose keys went with a role (deleted, or removed from them). */
  z.object({
    kind: z.literal('keys_deleted.dm'),
    ownerId: z.string().min(1).max(50),
    cause: z.enum(['role_deleted', 'role_removed']),
    roleName: z.string().max(200),
    keys: z.array(keyRef).max(200),
  }),
  /** One DM per stale period of a key, with Keep / Make inactive / Delete. */
  z.object({ kind: z.literal('stale_key.notice'), keyId: z.string().min(1).max(100), clockFrom: z.string().max(40) }),
  /** STALE_KEY_AUTO_INACTIVE_AFTER made the key inactive. */
  z.object({
    kind: z.literal('stale_key.inactivated_dm'),
    keyId: z.string().min(1).max(100),
    ownerId: z.string().min(1).max(50),
    keyName: z.string().max(200),
  }),
  /** The secret's CSV leaves Slack after SECRET_FILE_TTL (queued at upload, due then). */
  z.object({
    kind: z.literal('secret_file.delete'),
    fileId: z.string().min(1).max(100),
    keyId: z.string().min(1).max(100),
    ownerId: z.string().min(1).max(50),
  }),
  /** Automation changed the owner's key through the key API ("… by automation using key ak_…"). */
  z.object({
    kind: z.literal('key_api.owner_dm'),
    change: z.enum(['key_created', 'key_deleted', 'key_deactivated', 'key_revoked']),
    ownerId: z.string().min(1).max(50),
    keyId: z.string().min(1).max(100),
    keyName: z.string().max(200),
    roleName: z.string().max(200).nullable(),
    /** The key the automation authenticated with. */
    viaKeyId: z.string().min(1).max(100),
    /** On whose behalf it acted: the calling key's owner (an admin when it is someone else's key). */
    actorId: z.string().min(1).max(50),
  }),
  /** The undelivered sweep deleted a key whose secret never reached its owner. */
  z.object({
    kind: z.literal('undelivered_key.dm'),
    ownerId: z.string().min(1).max(50),
    keyId: z.string().min(1).max(100),
    keyName: z.string().max(200),
    roleName: z.string().max(200).nullable(),
    /** It was the successor of a rotation; the old key keeps its expiry. */
    rotatedFrom: z.string().max(100).nullable(),
  }),
  /** An admin reported someone else's key compromised: its owner is told, and offered Rotate. */
  z.object({ kind: z.literal('key_compromised.owner_dm'), keyId: z.string().min(1).max(100), reporterId: z.string().min(1).max(50) }),
  /** A report-only key was used from outside its networks (docs/least-privilege.md): once per key, network and hour. */
  z.object({
    kind: z.literal('key_network.outside_dm'),
    keyId: z.string().min(1).max(100),
    ownerId: z.string().min(1).max(50),
    keyName: z.string().max(200),
    network: z.string().max(60),
    at: z.string().max(40),
  }),
  /** A person left: one card in the security channel listing their keys, with Transfer to… / Delete / Keep inactive each. */
  z.object({ kind: z.literal('offboarding.card'), offboardingId: z.string().min(1).max(100) }),
  /** The offboarding card shows each decision in place. */
  z.object({
    kind: z.literal('offboarding.card_update'),
    offboardingId: z.string().min(1).max(100),
    channel: z.string().min(1).max(50),
    ts: z.string().min(1).max(50),
  }),
  /** A key changed hands: the new owner and (unless they left) the old one are told. */
  z.object({
    kind: z.literal('key.transferred_dm'),
    recipientId: z.string().min(1).max(50),
    keyId: z.string().min(1).max(100),
    keyName: z.string().max(200),
    roleName: z.string().max(200),
    fromOwnerId: z.string().min(1).max(50),
    toOwnerId: z.string().min(1).max(50),
    actorId: z.string().min(1).max(50),
  }),
  /** An access review asks a key's owner: Keep, Make inactive or Delete (one DM per key). */
  z.object({ kind: z.literal('review.key_dm'), campaignId: z.string().min(1).max(100), keyId: z.string().min(1).max(100) }),
  /** Halfway to a review's deadline: one reminder per owner with keys still open. */
  z.object({ kind: z.literal('review.reminder'), campaignId: z.string().min(1).max(100), ownerId: z.string().min(1).max(50) }),
  /** Leak response (SPEC §12): a reply in the thread of the Slack message that held a key's secret (never quoting it). */
  z.object({
    kind: z.literal('key_leak.thread_reply'),
    keyId: z.string().min(1).max(100),
    channel: z.string().min(1).max(50),
    ts: z.string().min(1).max(50),
    inactivated: z.boolean(),
  }),
  /** Leak response: the key's owner, or whoever posted its secret, told by DM (with Rotate for the owner). */
  z.object({
    kind: z.literal('key_leak.dm'),
    keyId: z.string().min(1).max(100),
    userId: z.string().min(1).max(50),
    to: z.enum(['owner', 'poster']),
    source: z.enum(['slack', 'github', 'gitlab']),
    location: z.string().max(500).nullable(),
    inactivated: z.boolean(),
  }),
  /** Leak response: the key's one card in the security channel, posted or updated with the latest count. */
  z.object({ kind: z.literal('key_leak.card'), keyId: z.string().min(1).max(100) }),
  /** A usage anomaly of the owner's key (docs/usage-analytics.md), with Usage and Make inactive. */
  z.object({
    kind: z.literal('usage.anomaly'),
    keyId: z.string().min(1).max(100),
    anomaly: z.enum(['new_network', 'spike', 'idle_return', 'denial_burst']),
    day: z.string().max(10),
    detail: z.object({
      network: z.string().max(64).optional(),
      count: z.number().int().nonnegative().optional(),
      median: z.number().nonnegative().optional(),
      idleDays: z.number().int().nonnegative().optional(),
      hour: z.string().max(40).optional(),
    }),
  }),
  /** A rotated-out key still in use at the end of its grace: kept 24 h more, its owner asked. */
  z.object({
    kind: z.literal('rotation.grace_question'),
    keyId: z.string().min(1).max(100),
    previousExpiresAt: z.string().max(40),
    usesSinceRotation: z.number().int().nonnegative(),
  }),
]);

export type Notification = z.infer<typeof notificationSchema>;
export type NotificationKind = Notification['kind'];
/** A key API change as its owner is told about it; `at` is when it happened. */
export type KeyApiNotice = Omit<Extract<Notification, { kind: 'key_api.owner_dm' }>, 'kind'> & { at: string };
export type KeyApiChange = KeyApiNotice['change'];
/** A key removed because its secret never reached its owner, as the owner is told about it. */
export type UndeliveredKeyNotice = Omit<Extract<Notification, { kind: 'undelivered_key.dm' }>, 'kind'>;

export interface QueuedNotification {
  id: string;
  attempts: number;
  /** When it was queued (the change it announces happened then). */
  createdAt: string;
  /** Undefined when the stored payload no longer parses (it is parked, never guessed at). */
  notification: Notification | undefined;
  unreadable?: string;
}

/** The worker's side of the outbox (table `notification_outbox`, on the shared lease queue). */
export interface NotificationOutbox {
  claim(request: { now: Date; leaseMs: number; maxItems: number }): Promise<QueuedNotification[]>;
  complete(id: string, state: 'sent' | 'cancelled', now: Date, note?: string): Promise<void>;
  release(ids: readonly string[]): Promise<void>;
  recordFailure(id: string, failure: { error: string; retryAt: Date | null }, now: Date): Promise<void>;
  backlog(): Promise<{ pending: number; parked: number }>;
  /** Deletes delivered (or cancelled) rows finished before `cutoff`; returns how many. */
  prune(cutoff: Date, limit: number): Promise<number>;
}

export type NotificationOf<K extends NotificationKind> = Extract<Notification, { kind: K }>;

/**
 * Compiles only when `T` has exactly one entry per kind of `notificationSchema`: a kind added there is
 * a type error here until it says what its message carries.
 */
type OnePerKind<T extends Record<NotificationKind, object> & Record<Exclude<keyof T, NotificationKind>, never>> = T;

/**
 * What the Slack side needs to say each kind, looked up fresh by the worker when it sends. The scheduler
 * fills it (`PREPARE` in src/scheduler/notification-kinds.ts), the Slack side says it (`RENDER` in
 * src/slack/outbound/notification-kinds.ts); both are typed over every kind (src/scheduler/README.md).
 */
export type NotificationPayloads = OnePerKind<{
  'request.decision_dm': { request: AccessRequest };
  'request.card_update': { request: AccessRequest; roleNames: string[]; channel: string; ts: string };
  'request.reminder': { request: AccessRequest; roleNames: string[]; ageMs: number };
  'keys_deleted.dm': Omit<NotificationOf<'keys_deleted.dm'>, 'kind'>;
  'stale_key.notice': { key: AccessKey; roleName: string | null; unusedSince: string; autoInactiveAt: string | null; now: string };
  'stale_key.inactivated_dm': Omit<NotificationOf<'stale_key.inactivated_dm'>, 'kind'>;
  'secret_file.delete': Omit<NotificationOf<'secret_file.delete'>, 'kind'>;
  'key_api.owner_dm': { notice: KeyApiNotice };
  'undelivered_key.dm': { notice: UndeliveredKeyNotice };
  'key_compromised.owner_dm': { key: AccessKey; role: Role | undefined; reporterId: string; now: string };
  'key_network.outside_dm': { notice: Omit<Extract<Notification, { kind: 'key_network.outside_dm' }>, 'kind'> };
  'offboarding.card': { offboarding: Offboarding };
  'offboarding.card_update': { offboarding: Offboarding; channel: string; ts: string };
  'key.transferred_dm': Omit<NotificationOf<'key.transferred_dm'>, 'kind'>;
  'review.key_dm': { campaign: ReviewCampaign; item: ReviewItem; key: AccessKey; now: string };
  'review.reminder': { campaign: ReviewCampaign; ownerId: string; open: ReviewItem[] };
  'key_leak.thread_reply': Omit<NotificationOf<'key_leak.thread_reply'>, 'kind'>;
  'key_leak.dm': Omit<NotificationOf<'key_leak.dm'>, 'kind' | 'keyId'> & { key: AccessKey; role: Role | undefined; now: string };
  'key_leak.card': { key: AccessKey; role: Role | undefined; leak: KeyLeak; now: string };
  'usage.anomaly': Omit<NotificationOf<'usage.anomaly'>, 'kind' | 'keyId'> & { key: AccessKey; role: Role | undefined; now: string };
  'rotation.grace_question': Omit<NotificationOf<'rotation.grace_question'>, 'kind' | 'keyId'> & {
    key: AccessKey;
    role: Role | undefined;
    now: string;
  };
}>;

/** One kind's message (or, without `K`, any kind's): its payload with the kind beside it. */
export type NotificationMessage<K extends NotificationKind = NotificationKind> = { [P in K]: { kind: P } & NotificationPayloads[P] }[K];

/** Implemented in src/slack/outbound with a WebClient of its own (no retries: the worker decides). */
export interface NotificationChannel {
  send(message: NotificationMessage): Promise<DeliveryOutcome | { kind: 'gone' }>;
}

/** Lets an entry point wake the worker right after its transaction committed (no wait for the poll). */
export class OutboxSignal {
  private listeners: Array<() => void> = [];

  onWake(listener: () => void): void {
    this.listeners.push(listener);
  }

  wake(): void {
    for (const listener of this.listeners) listener();
  }
}
