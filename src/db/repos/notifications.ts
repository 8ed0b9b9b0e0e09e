import type { Notification } from '../../domain/notifications.js';
import { insertNotification } from '../notification-insert.js';
import type { Db } from './db.js';

/** `notification_outbox`: user-facing notifications, queued in the caller's transaction. */

export async function enqueue(db: Db, notification: Notification, at: string, notBefore?: string): Promise<void> {
  await insertNotification(db, notification, at, notBefore);
}
