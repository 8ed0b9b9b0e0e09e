import { lastErrorText } from '../../domain/delivery.js';
import { notificationSchema, type NotificationOutbox, type QueuedNotification } from '../../domain/notifications.js';
import type { Connection } from '../connect.js';
import { LeaseQueue } from './lease-queue.js';

function parsePayload(raw: unknown): Pick<QueuedNotification, 'notification' | 'unreadable'> {
  try {
    const parsed = notificationSchema.safeParse(JSON.parse(String(raw)));
    return parsed.success
      ? { notification: parsed.data }
      : { notification: undefined, unreadable: `unreadable notification: ${parsed.error.issues[0]?.message ?? 'invalid'}` };
  } catch (error) {
    return { notification: undefined, unreadable: `unreadable notification: ${lastErrorText(error)}` };
  }
}

/** The `notification_outbox` queue, on the shared lease queue; rows are queued by `repos/notifications.ts`. */
export class KyselyNotificationOutbox implements NotificationOutbox {
  private readonly queue: LeaseQueue<QueuedNotification>;

  constructor(connection: Connection) {
    this.queue = new LeaseQueue(connection, 'notification_outbox', ['payload', 'created_at'], (row) => ({
      id: String(row.id),
      attempts: Number(row.attempts),
      createdAt: String(row.created_at),
      ...parsePayload(row.payload),
    }));
  }

  claim(request: { now: Date; leaseMs: number; maxItems: number }): Promise<QueuedNotification[]> {
    return this.queue.claim(request);
  }

  complete(id: string, state: 'sent' | 'cancelled', now: Date, note?: string): Promise<void> {
    return this.queue.complete(id, state, now, note === undefined ? {} : { last_error: note });
  }

  release(ids: readonly string[]): Promise<void> {
    return this.queue.release(ids);
  }

  recordFailure(id: string, failure: { error: string; retryAt: Date | null }, now: Date): Promise<void> {
    return this.queue.recordFailure(id, failure, now);
  }

  backlog(): Promise<{ pending: number; parked: number }> {
    return this.queue.backlog();
  }

  prune(cutoff: Date, limit: number): Promise<number> {
    return this.queue.prune(cutoff, limit);
  }
}
