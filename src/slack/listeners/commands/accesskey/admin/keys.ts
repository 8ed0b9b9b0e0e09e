import { keyRow } from '../../../../surfaces.js';
import { adminKeysMessage } from '../../../../views/admin.js';
import { keyOutcomeMessage } from '../../../../views/keys.js';
import { keyRevokedText } from '../../../../views/outcomes.js';
import type { SubcommandArgs, SubcommandResult } from '../types.js';

const PAGE_SIZE = 20;

export async function listAllKeys(args: SubcommandArgs, ownerId: string | undefined, page: number): Promise<SubcommandResult> {
  const { services } = args.ctx;
  const { keys, total } = await services.admin.listKeys(args.userId, { ownerId, limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE });
  const now = args.ctx.now();
  return adminKeysMessage(
    keys.map((k) => keyRow(k.key, k.role, now)),
    page,
    Math.max(1, Math.ceil(total / PAGE_SIZE)),
    total,
    ownerId,
  );
}

/** An admin making any key inactive: the domain records it as a revocation when it isn't their own. */
export async function revokeKey(args: SubcommandArgs, key: string): Promise<SubcommandResult> {
  const { services } = args.ctx;
  const result = await services.admin.revokeKey(args.userId, key);
  return keyOutcomeMessage(keyRevokedText(result, args.userId), keyRow(result.key, result.role, args.ctx.now()));
}
