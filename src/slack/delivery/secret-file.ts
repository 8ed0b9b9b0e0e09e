import type { SurfaceContext } from '../surfaces.js';

/** When the secret's CSV leaves Slack, and how its deletion is queued once the upload returned its file id. */
export interface SecretFileLifetime {
  until: Date;
  schedule(fileId: string): Promise<void>;
}

/**
 * SECRET_FILE_TTL for one key's CSV. The deletion is a row in the notification outbox, due at `until`:
 * a restart or a Slack outage delays it and never drops it, and the worker audits `secret_file.deleted`.
 */
export function secretFileLifetime(ctx: SurfaceContext, ttlMs: number, keyId: string, ownerId: string): SecretFileLifetime {
  const until = new Date(ctx.now().getTime() + ttlMs);
  return {
    until,
    async schedule(fileId: string): Promise<void> {
      await ctx.services.notifications.scheduleSecretFileDeletion({ fileId, keyId, ownerId }, until);
    },
  };
}
