import { sql } from 'kysely';
import type { Connection } from './connect.js';
import { classifyFault } from './faults.js';

/** One key to insert in bulk; what is left out gets a placeholder (a hash no secret matches, never used). */
export interface BulkKey {
  id: string;
  ownerId: string;
  expiresAt: string | null;
  createdAt: string;
  status?: 'active' | 'inactive';
  name?: string;
  /** The real hash of a secret the caller keeps (a bench that verifies); else `hash-<id>`. */
  keyHash?: string;
  hashVersion?: number;
  secretStart?: string;
  lastUsedAt?: string | null;
  lastUsedIp?: string | null;
  /** Only a delivered key authenticates (R6); unset, the key counts as undelivered. */
  deliveredAt?: string | null;
  /** Least privilege (docs/least-privilege.md): unset, the role's whole set and any network. */
  permissions?: readonly string[] | null;
  networks?: readonly string[];
}

const USERS_PER_INSERT = 500;
const KEYS_PER_INSERT = 1000;

/**
 * Inserts users and keys straight into the tables, in one transaction, for tests and benches that need
 * thousands of keys: creating them through the services would measure the services, and slowly. Never
 * called by the app: nothing here is audited.
 */
export async function insertKeysDirectly(connection: Connection, roleId: string, keys: readonly BulkKey[]): Promise<void> {
  // SQLite connections never wait for a lock (busy_timeout 0, see connect.ts), and a running app beside
  // this may be writing: wait for it with timers, so its own write can finish, a bounded number of times.
  for (let attempt = 1; ; attempt++) {
    try {
      return await insertOnce(connection, roleId, keys);
    } catch (error) {
      if (classifyFault(error) !== 'busy' || attempt >= BUSY_ATTEMPTS) throw error;
      await new Promise((resolve) => setTimeout(resolve, BUSY_WAIT_MS));
    }
  }
}

const BUSY_ATTEMPTS = 250;
const BUSY_WAIT_MS = 20;

async function insertOnce(connection: Connection, roleId: string, keys: readonly BulkKey[]): Promise<void> {
  const owners = [...new Set(keys.map((k) => k.ownerId))];
  const createdAt = keys[0]?.createdAt ?? new Date().toISOString();
  await connection.db.transaction().execute(async (trx) => {
    for (let i = 0; i < owners.length; i += USERS_PER_INSERT) {
      await trx
        .insertInto('users')
        .values(owners.slice(i, i + USERS_PER_INSERT).map((id) => ({ id, active_role_id: roleId, api_access: 1, created_at: createdAt })))
        .onConflict((oc) => oc.column('id').doNothing())
        .execute();
    }
    for (let i = 0; i < keys.length; i += KEYS_PER_INSERT) {
      await trx
        .insertInto('access_keys')
        .values(
          keys.slice(i, i + KEYS_PER_INSERT).map((k) => {
            const name = k.name ?? `bulk-${k.id}`;
            return {
              id: k.id,
              name,
              name_lower: name.toLowerCase(),
              owner_id: k.ownerId,
              role_id: roleId,
              key_hash: k.keyHash ?? `hash-${k.id}`,
              hash_version: k.hashVersion ?? 1,
              secret_start: k.secretStart ?? 'aks_XXXX',
              status: k.status ?? 'active',
              expires_at: k.expiresAt,
              created_at: k.createdAt,
              created_by: k.ownerId,
              last_used_at: k.lastUsedAt ?? null,
              last_used_ip: k.lastUsedIp ?? null,
              request_id: null,
              delivered_at: k.deliveredAt ?? null,
              permissions: k.permissions === undefined || k.permissions === null ? null : JSON.stringify(k.permissions),
              networks: JSON.stringify(k.networks ?? []),
            };
          }),
        )
        .execute();
    }
  });
  if (connection.dialect === 'postgres') await sql`analyze access_keys`.execute(connection.db);
}
