import type { OwnerNotice } from '../../domain/owner-notices.js';
import type { Db } from './db.js';

/** `owner_notices`: the DM to a key's owner about a change made through the key API. */

export async function queue(db: Db, notice: OwnerNotice): Promise<void> {
  await db
    .insertInto('owner_notices')
    .values({
      id: notice.id,
      owner_id: notice.ownerId,
      kind: notice.kind,
      key_id: notice.keyId,
      key_name: notice.keyName,
      role_name: notice.roleName,
      via_key_id: notice.viaKeyId,
      actor_id: notice.actorId,
      created_at: notice.createdAt,
      state: 'pending',
      attempts: 0,
      next_attempt_at: notice.createdAt,
    })
    .execute();
}
