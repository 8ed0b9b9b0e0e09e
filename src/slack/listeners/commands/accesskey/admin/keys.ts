import { keyRow } from '../../../../surfaces.js';
import { adminKeysMessage } from '../../../../views/admin.js';
import { escapeText, mention } from '../../../../views/format.js';
import { keyOutcomeMessage } from '../../../../views/keys.js';
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
  const owner = result.key.ownerId === args.userId ? '' : ` (owner ${mention(result.key.ownerId)})`;
  return keyOutcomeMessage(
    result.changed
      ? `:no_entry: *${escapeText(result.key.name)}* \`${result.key.id}\`${owner} is revoked: inactive from now on.`
      : `*${escapeText(result.key.name)}* was already inactive.`,
    keyRow(result.key, result.role, args.ctx.now()),
  );
}
