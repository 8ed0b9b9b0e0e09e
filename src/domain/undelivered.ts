import type { AccessKey, Role } from './model.js';

/** A key removed because its secret never reached its owner, as the owner is told about it. */
export interface UndeliveredKeyNotice {
  ownerId: string;
  keyId: string;
  keyName: string;
  roleName: string | null;
  /** It was the successor of a rotation; the old key keeps its expiry. */
  rotatedFrom: string | null;
}

/** Tells an owner their undelivered key was removed (implemented in src/slack/outbound). */
export interface UndeliveredKeyNotifier {
  keyRemoved(notice: UndeliveredKeyNotice): Promise<void>;
}

export function undeliveredNotice(key: AccessKey, role: Role | undefined, rotatedFrom: string | null): UndeliveredKeyNotice {
  return { ownerId: key.ownerId, keyId: key.id, keyName: key.name, roleName: role?.name ?? null, rotatedFrom };
}
