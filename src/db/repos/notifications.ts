import { randomUUID } from 'node:crypto';
import type { Notification } from '../../domain/notifications.js';
import type { Db } from './db.js';

/** `notification_outbox`: user-facing notifications, queued in the caller's transaction (the queue is `queues/notification-outbox.ts`). */

let sequence = 0;
/**
 * Ids that sort in the order rows were queued in this process (time, then a counter), so rows due at the
 * same instant go out first-in first-out: a card update before the DM queued after it. Random tail: unique
 * across replicas.
 */
function queueId(): string {
  sequence = (sequence + 1) % 1_000_000;
  return `${Date.now().toString(36).padStart(9, '0')}${sequence.toString(36).padStart(4, '0')}-${randomUUID()}`;
}

/** Queues one notification in the caller's transaction; `notBefore` delays it (secret-file TTL). */
export async function enqueue(db: Db, notification: Notification, at: string, notBefore?: string): Promise<void> {
  await db
    .insertInto('notification_outbox')
    .values({
      id: queueId(),
      kind: notification.kind,
      payload: JSON.stringify(notification),
      state: 'pending',
      created_at: at,
      attempts: 0,
      next_attempt_at: notBefore ?? at,
      claimed_until: null,
      last_error: null,
      done_at: null,
    })
    .execute();
}

/** Queues one notification under `id` unless that id was ever queued (any replica); true when it queued. */
export async function enqueueOnce(db: Db, id: string, notification: Notification, at: string): Promise<boolean> {
  const result = await db
    .insertInto('notification_outbox')
    .values({
      id,
      kind: notification.kind,
      payload: JSON.stringify(notification),
      state: 'pending',
      created_at: at,
      attempts: 0,
      next_attempt_at: at,
      claimed_until: null,
      last_error: null,
      done_at: null,
    })
    .onConflict((oc) => oc.column('id').doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
}

/** Rows per insert statement: well under SQLite's 32,766 bound parameters (10 columns a row). */
const ENQUEUE_CHUNK = 500;

/** Queues many notifications in the caller's transaction, a few statements for thousands (a review campaign). */
export async function enqueueMany(db: Db, notifications: readonly Notification[], at: string): Promise<void> {
  for (let start = 0; start < notifications.length; start += ENQUEUE_CHUNK) {
    await db
      .insertInto('notification_outbox')
      .values(
        notifications.slice(start, start + ENQUEUE_CHUNK).map((notification) => ({
          id: queueId(),
          kind: notification.kind,
          payload: JSON.stringify(notification),
          state: 'pending',
          created_at: at,
          attempts: 0,
          next_attempt_at: at,
          claimed_until: null,
          last_error: null,
          done_at: null,
        })),
      )
      .execute();
  }
}
