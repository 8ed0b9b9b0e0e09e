import type { Services } from '../../domain/services.js';

/** When the secret's CSV leaves Slack, and how its deletion is queued once the upload returned its file id. */
export interface SecretFileLifetime {
  until: Date;
  schedule(fileId: string): Promise<void>;
}

/**
 * SECRET_FILE_TTL for one key's CSV. The deletion is a row in the notification outbox, due at `until`:
 * a restart or a Slack outage delays it and never drops it, and the worker audits `secret_file.deleted`.
 */
export function secretFileLifetime(services: Services, ttlMs: number, keyId: string, ownerId: string): SecretFileLifetime {
  const until = new Date(services.now().getTime() + ttlMs);
  return {
    until,
    async schedule(fileId: string): Promise<void> {
      await services.notifications.scheduleSecretFileDeletion({ fileId, keyId, ownerId }, until);
    },
  };
}
