import type { AllMiddlewareArgs, BlockAction, ButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { onceForClick } from '../../replay.js';

export type ButtonArgs = SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs;

/** Where a clicked button lives, read from the payload without trusting more than Slack promises. */
export function clickFacts(args: ButtonArgs) {
  const { body, action } = args;
  const container = body.container as { type?: string; is_ephemeral?: boolean } | undefined;
  return {
    userId: body.user.id,
    value: action.value ?? '',
    blockId: action.block_id,
    responseUrl: body.response_url,
    triggerId: body.trigger_id,
    inHome: container?.type === 'view' && body.view?.type === 'home',
    /** This press, for the domain's `once`: a replay of it changes nothing. */
    once: onceForClick(body.user.id, action.action_id, action.action_ts),
  };
}
