import { AppError } from '../../../../../errors.js';
import { channelSources } from '../../../../channels.js';
import { noticeMessage } from '../../../../views/messages.js';
import type { SubcommandArgs, SubcommandResult } from '../types.js';

const LABEL = { audit: 'Audit posts', approvals: 'API-access requests' } as const;

/**
 * `admin settings`: where audit posts and approval cards go (SPEC §18). A new channel is tried first with a
 * short note posted there, so a channel the bot cannot post in is refused before anything changes. On an
 * org-wide install the channel may be in any workspace of the org.
 */
export async function channelSettings(
  args: SubcommandArgs,
  change: { purpose: 'audit' | 'approvals'; channelId: string | null } | undefined,
): Promise<SubcommandResult> {
  const { services, config } = args.ctx;
  await services.admin.require(args.userId);
  if (change !== undefined) {
    const fallback = change.purpose === 'audit' ? config.auditChannelId : config.approvalsChannelId;
    const target = change.channelId ?? fallback;
    await args.ackNow();
    try {
      await args.client.chat.postMessage({
        channel: target,
        text: `${LABEL[change.purpose]} from Access Key Bot will be posted in this channel (set by <@${args.userId}>).`,
      });
    } catch (error) {
      const code = slackErrorCode(error);
      if (code === 'not_in_channel' || code === 'channel_not_found' || code === 'is_archived') {
        throw new AppError(
          'INVALID_INPUT',
          `I can't post in channel ${target} (${code}). Invite me there first (\`/invite @Access Key Bot\`), then try again.`,
        );
      }
      throw error;
    }
    await services.settings.setChannel(args.userId, change.purpose, change.channelId);
  }
  const channels = channelSources(services, config);
  const overrides = await services.settings.channelOverrides();
  const line = (purpose: 'audit' | 'approvals', id: string) =>
    `• ${LABEL[purpose]}: <#${id}>${overrides[purpose] === undefined ? ' (the default from the environment)' : ''}`;
  return noticeMessage(
    `:gear: *Settings*\n${line('audit', await channels.audit())}\n${line('approvals', await channels.approvals())}\nChange with \`/accesskey admin settings audit|approvals #channel\` or \`… default\`.`,
  );
}

/** The `error` of a Web API platform error (`ok: false`), as web-api reports it. */
function slackErrorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('data' in error)) return undefined;
  const data: unknown = error.data;
  return typeof data === 'object' && data !== null && 'error' in data && typeof data.error === 'string' ? data.error : undefined;
}
