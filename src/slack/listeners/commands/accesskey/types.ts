import type { WebClient } from '@slack/web-api';
import type { Message } from '../../../views/blocks.js';
import type { ListenerContext } from '../../context.js';

/** What each subcommand handler gets. It returns the ephemeral reply, or nothing when it replied itself. */
export interface SubcommandArgs {
  ctx: ListenerContext;
  client: WebClient;
  userId: string;
  channelId: string;
  triggerId: string;
  responseUrl: string;
  /** Acknowledges with no text; required before a slow call such as views.open. */
  ackNow(): Promise<void>;
}

export type SubcommandResult = Message | undefined;
