import type { AccessKey, AuditHead, AuditRecord, Role, User } from './model.js';

/**
 * What the domain needs from storage. `src/db` implements it over Kysely; the domain never sees SQL.
 * Every method works the same inside a write transaction (`Store.write`) and outside it (`Store.read`).
 */
export interface Repos {
  findUser(id: string): Promise<User | undefined>;
  insertUser(user: User): Promise<void>;
  updateUser(id: string, patch: Partial<Pick<User, 'activeRoleId' | 'apiAccess'>>): Promise<void>;

  findRoleById(id: string): Promise<Role | undefined>;
  findRoleByName(name: string): Promise<Role | undefined>;
  listRoles(): Promise<Role[]>;
  /** Inserts unless a role of that name (ignoring case) exists; says whether it inserted. */
  insertRoleIfAbsent(role: Role): Promise<boolean>;
  deleteRole(id: string): Promise<void>;
  listRolesOfUser(userId: string): Promise<Role[]>;
  hasRole(userId: string, roleId: string): Promise<boolean>;
  addUserRole(userId: string, roleId: string, assignedBy: string, at: string): Promise<void>;
  removeUserRole(userId: string, roleId: string): Promise<void>;
  listRoleMemberIds(roleId: string): Promise<string[]>;

  countKeys(ownerId: string, roleId: string): Promise<number>;
  insertKey(key: AccessKey): Promise<void>;
  findKeyById(id: string): Promise<AccessKey | undefined>;
  findKeyByHash(keyHash: string): Promise<AccessKey | undefined>;
  findKeyByRequestId(requestId: string): Promise<AccessKey | undefined>;
  /** Keys of an owner whose name matches ignoring case, in one role or in all of them. */
  findKeysByName(ownerId: string, roleId: string | null, name: string): Promise<AccessKey[]>;
  listKeys(filter: { ownerId?: string; roleId?: string; limit?: number; offset?: number }): Promise<AccessKey[]>;
  countAllKeys(filter: { ownerId?: string }): Promise<number>;
  updateKey(id: string, patch: Partial<Pick<AccessKey, 'status' | 'expiresAt' | 'lastUsedAt' | 'lastUsedIp'>>): Promise<void>;
  deleteKey(id: string): Promise<void>;

  readAuditHead(): Promise<AuditHead>;
  /** Appends the record and queues it for the security-channel mirror, in the caller's transaction. */
  insertAudit(record: AuditRecord): Promise<void>;
  writeAuditHead(head: AuditHead): Promise<void>;
  listAuditAscending(afterSeq: number, limit: number): Promise<AuditRecord[]>;
  searchAudit(filter: AuditSearch): Promise<AuditRecord[]>;

  getSetting(name: string): Promise<string | undefined>;
  setSetting(name: string, value: string): Promise<void>;
}

export interface AuditSearch {
  /** Records where this user acted or owns the key. */
  userId?: string;
  keyId?: string;
  sinceIso?: string;
  /** Newest first, below this seq (for paging). */
  beforeSeq?: number;
  limit: number;
}

export interface Store {
  readonly dialect: 'sqlite' | 'postgres';
  readonly read: Repos;
  /**
   * Runs `fn` in one transaction that holds the write lock for audited changes (SQLite: BEGIN IMMEDIATE;
   * PostgreSQL: the audit head row, FOR UPDATE). No network call may be awaited inside `fn`.
   */
  write<T>(fn: (tx: Repos) => Promise<T>): Promise<T>;
  ping(): Promise<void>;
  close(): Promise<void>;
}
