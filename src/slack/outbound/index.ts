import type { WebClientOptions } from '@slack/web-api';
import type { Config } from '../../config.js';
import type { AuditChannel } from '../../domain/audit-outbox.js';
import type { WarningDm } from '../../domain/expiry-ports.js';
import type { Logger } from '../../logger.js';
import { SlackAuditChannel } from './audit-channel.js';
import { SlackUserDirectory } from './directory.js';
import type { UserDirectory } from '../../domain/owner-reconcile-ports.js';
import { createBackgroundClient } from './client.js';
import { SlackWarningDm } from './warning-dm.js';
import { SlackNotificationChannel } from './notification-channel.js';
import type { NotificationChannel } from '../../domain/notifications.js';
import type { ChannelSources } from '../channels.js';

export interface SlackOutbound {
  auditChannel: AuditChannel;
  warningDm: WarningDm;
  /** The user-facing notification outbox's Slack side. */
  notifications: NotificationChannel;
  /** users.info for the owner reconcile. */
  directory: UserDirectory;
}

/**
 * The Slack side of the background workers, one WebClient each: a 429 on the audit channel pauses
 * the mirror only, never the warning DMs or the listeners' calls.
 */
export function createSlackOutbound(options: {
  config: Pick<Config, 'slack' | 'auditChannelId'> & Partial<Pick<Config, 'approvalsChannelId'>>;
  logger: Logger;
  clientOptions?: Partial<WebClientOptions>;
  /** The installation's bot token (OAuth install, `SlackRuntime.botToken`); unset: SLACK_BOT_TOKEN. */
  botToken?: () => Promise<string>;
  /** The channels as `/accesskey admin settings` set them (`channelSources`); unset: the configured ones. */
  channels?: ChannelSources;
}): SlackOutbound {
  const { config, logger, clientOptions } = options;
  const fixed = config.slack.botToken;
  const token = options.botToken ?? (fixed === undefined ? undefined : async () => fixed);
  if (token === undefined) throw new Error('the background workers need SLACK_BOT_TOKEN or an OAuth installation'); // config validation already says so
  const client = (name: string) => createBackgroundClient({ token, apiUrl: config.slack.apiUrl, logger, name, clientOptions });
  return {
    auditChannel: new SlackAuditChannel(client('audit-mirror'), options.channels?.audit ?? (async () => config.auditChannelId)),
    warningDm: new SlackWarningDm(client('expiry-warnings')),
    notifications: new SlackNotificationChannel(
      client('notifications'),
      options.channels?.approvals ?? (async () => config.approvalsChannelId ?? config.auditChannelId),
      options.channels?.audit ?? (async () => config.auditChannelId),
    ),
    directory: new SlackUserDirectory(client('owner-reconcile')),
  };
}
