import { randomUUID } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import type { Notification } from '../domain/notifications.js';
import type { Database } from './tables.js';

type Db = Kysely<Database> | Transaction<Database>;

/** Queues one notification in the caller's transaction (or alone); `notBefore` delays it (secret-file TTL). */
export async function insertNotification(db: Db, notification: Notification, at: string, notBefore?: string): Promise<void> {
  await db
    .insertInto('notification_outbox')
    .values({
      id: randomUUID(),
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
