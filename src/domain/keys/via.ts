import type { AccessKey, Role } from '../model.js';
import type { KeyApiChange, Notification } from '../notifications.js';
import type { Repos } from '../ports.js';
import { iso } from '../time.js';

/** An integration acting through one of its owner's keys (the key API), rather than the owner in Slack. */
export interface ViaKey {
  keyId: string;
  /** The calling key's role: through a key, its owner acts in that role only (R3). */
  roleId: string;
}

/**
 * docs/http-api.md, "Prisma-compatible key API": when automation changes a key through the key API, its
 * owner is told by DM. The notification is queued by the transaction that made the change, so it exists
 * exactly when the change does, and the notification outbox sends it after commit.
 */
export async function queueKeyApiNotice(
  tx: Repos,
  change: KeyApiChange,
  key: AccessKey,
  role: Pick<Role, 'name'> | undefined,
  via: ViaKey,
  actorId: string,
  now: Date,
): Promise<void> {
  const notice: Notification = {
    kind: 'key_api.owner_dm',
    change,
    ownerId: key.ownerId,
    keyId: key.id,
    keyName: key.name,
    roleName: role?.name ?? null,
    viaKeyId: via.keyId,
    actorId,
  };
  await tx.notifications.enqueue(notice, iso(now));
}
