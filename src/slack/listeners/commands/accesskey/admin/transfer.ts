import { onceForCommand } from '../../../../replay.js';
import { escapeText, mention } from '../../../../views/format.js';
import { noticeMessage } from '../../../../views/messages.js';
import type { SubcommandArgs, SubcommandResult } from '../types.js';

/** `/accesskey admin transfer <key> @user` (docs/offboarding.md): refusals (role, API access, limit) come back as the domain words them. */
export async function transferKey(args: SubcommandArgs, reference: string, newOwnerId: string): Promise<SubcommandResult> {
  const result = await args.ctx.services.offboarding.transfer(
    args.userId,
    { reference, newOwnerId },
    { once: onceForCommand(args.triggerId) },
  );
  const key = `*${escapeText(result.key.name)}* (\`${result.key.id}\`)`;
  if (result.replayed) return noticeMessage(`That transfer of ${key} was already handled; nothing changed.`);
  return noticeMessage(
    `:arrow_right: ${key} now belongs to ${mention(newOwnerId)} (it was ${mention(result.fromOwnerId)}'s). Both are told; it keeps its status and expiry.`,
  );
}
