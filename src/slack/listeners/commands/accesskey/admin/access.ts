import { mention } from '../../../../views/format.js';
import { noticeMessage } from '../../../../views/messages.js';
import type { SubcommandArgs, SubcommandResult } from '../types.js';
import { plural } from '../../../../../domain/text.js';

export async function grantAccess(args: SubcommandArgs, userId: string): Promise<SubcommandResult> {
  const result = await args.ctx.services.access.grant(args.userId, userId);
  const closed = result.requestsClosed === 0 ? '' : ' Their open API access request is marked approved on its card, and they get a DM.';
  return noticeMessage(
    result.changed
      ? `:white_check_mark: ${mention(userId)} now has API access.${closed}`
      : `${mention(userId)} already had API access.${closed}`,
  );
}

export async function revokeAccess(args: SubcommandArgs, userId: string): Promise<SubcommandResult> {
  const result = await args.ctx.services.access.revoke(args.userId, userId);
  if (!result.changed) return noticeMessage(`${mention(userId)} had no API access to revoke.`);
  return noticeMessage(
    `:no_entry: ${mention(userId)} no longer has API access; ${plural(result.deactivated.length, 'active key')} ${result.deactivated.length === 1 ? 'was' : 'were'} made inactive. Granting access again does not reactivate ${result.deactivated.length === 1 ? 'it' : 'them'}.`,
  );
}
