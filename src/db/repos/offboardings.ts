import type { Offboarding, OffboardedKey, OffboardingDecision } from '../../domain/model.js';
import type { Db } from './db.js';

/** `deactivated_users`, `offboardings`, `offboarding_keys` (docs/offboarding.md). */

export async function markDeactivated(db: Db, userId: string, at: string, offboardingId: string): Promise<boolean> {
  const result = await db
    .insertInto('deactivated_users')
    .values({ user_id: userId, deactivated_at: at, offboarding_id: offboardingId })
    .onConflict((oc) => oc.column('user_id').doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
}

export async function forgetDeactivated(db: Db, userId: string): Promise<boolean> {
  const result = await db.deleteFrom('deactivated_users').where('user_id', '=', userId).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

export async function isDeactivated(db: Db, userId: string): Promise<boolean> {
  const row = await db.selectFrom('deactivated_users').select('user_id').where('user_id', '=', userId).executeTakeFirst();
  return row !== undefined;
}

export async function insert(db: Db, offboarding: Offboarding): Promise<void> {
  await db
    .insertInto('offboardings')
    .values({
      id: offboarding.id,
      user_id: offboarding.userId,
      actor_id: offboarding.actorId,
      source: offboarding.source,
      created_at: offboarding.createdAt,
    })
    .execute();
  if (offboarding.keys.length === 0) return;
  await db
    .insertInto('offboarding_keys')
    .values(
      offboarding.keys.map((k, position) => ({
        offboarding_id: offboarding.id,
        key_id: k.keyId,
        position,
        key_name: k.keyName,
        role_name: k.roleName,
        last_used_at: k.lastUsedAt,
        last_used_ip: k.lastUsedIp,
        decision: k.decision,
        decided_by: k.decidedBy,
        decided_at: k.decidedAt,
        new_owner_id: k.newOwnerId,
      })),
    )
    .execute();
}

const DECISIONS: ReadonlySet<string> = new Set<OffboardingDecision>(['transferred', 'deleted', 'kept_inactive']);
const toDecision = (value: string | null): OffboardingDecision | null =>
  value !== null && DECISIONS.has(value) ? (value as OffboardingDecision) : null;

export async function find(db: Db, id: string): Promise<Offboarding | undefined> {
  const row = await db.selectFrom('offboardings').selectAll().where('id', '=', id).executeTakeFirst();
  if (row === undefined) return undefined;
  const keys = await db.selectFrom('offboarding_keys').selectAll().where('offboarding_id', '=', id).orderBy('position').execute();
  return {
    id: row.id,
    userId: row.user_id,
    actorId: row.actor_id,
    source: row.source,
    createdAt: row.created_at,
    keys: keys.map(
      (k): OffboardedKey => ({
        keyId: k.key_id,
        keyName: k.key_name,
        roleName: k.role_name,
        lastUsedAt: k.last_used_at,
        lastUsedIp: k.last_used_ip,
        decision: toDecision(k.decision),
        decidedBy: k.decided_by,
        decidedAt: k.decided_at,
        newOwnerId: k.new_owner_id,
      }),
    ),
  };
}

export async function decide(
  db: Db,
  offboardingId: string,
  keyId: string,
  decision: { decision: OffboardingDecision; decidedBy: string; decidedAt: string; newOwnerId: string | null },
): Promise<boolean> {
  const result = await db
    .updateTable('offboarding_keys')
    .set({
      decision: decision.decision,
      decided_by: decision.decidedBy,
      decided_at: decision.decidedAt,
      new_owner_id: decision.newOwnerId,
    })
    .where('offboarding_id', '=', offboardingId)
    .where('key_id', '=', keyId)
    .where('decision', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}
