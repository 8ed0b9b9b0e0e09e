import { describeVerification, verificationPassed } from '../../../../../domain/audit-verify.js';
import { slackMirrorHistory } from '../../../../outbound/audit-history.js';
import { channelSources } from '../../../../channels.js';
import { escapeText } from '../../../../views/format.js';
import { noticeMessage } from '../../../../views/messages.js';
import type { SubcommandArgs, SubcommandResult } from '../types.js';

/**
 * `admin verify-audit`: the chain walk and the cross-check with the security channel's posts, the
 * same checks as `npm run audit:verify`. It can take longer than Slack's 3 s, so it acks first.
 */
export async function verifyAuditCommand(args: SubcommandArgs): Promise<SubcommandResult> {
  await args.ctx.services.admin.require(args.userId);
  await args.ackNow();
  const result = await args.ctx.services.audit.verifyAsAdmin(
    args.userId,
    slackMirrorHistory(args.client, await channelSources(args.ctx.services, args.ctx.config).audit()),
  );
  const icon = !verificationPassed(result) ? ':rotating_light:' : result.mirrorError === undefined ? ':white_check_mark:' : ':warning:';
  return noticeMessage(
    `${icon} *Audit verification*\n${describeVerification(result)
      .map((line) => `• ${escapeText(line)}`)
      .join('\n')}`,
  );
}
