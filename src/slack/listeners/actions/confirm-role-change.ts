import { z } from 'zod';
import { postToResponseUrl } from '../../delivery/response-url.js';
import { errorReply } from '../../replies.js';
import { SLACK_USER_ID } from '../../ids.js';
import { escapeText, mention } from '../../views/format.js';
import { keyOutcomeMessage } from '../../views/keys.js';
import type { ListenerContext } from '../context.js';
import { clickFacts, type ButtonArgs } from './button.js';

const deletion = z.object({ roleId: z.string().min(1).max(100), role: z.string().min(1).max(64) });

async function finish(args: ButtonArgs, ctx: ListenerContext, run: () => Promise<string>): Promise<void> {
  await args.ack();
  const click = clickFacts(args);
  let text: string;
  try {
    text = await run();
  } catch (error) {
    text = `:warning: ${errorReply(error, ctx.logger, { userId: click.userId }).text}`;
  }
  if (click.responseUrl !== undefined) await postToResponseUrl(click.responseUrl, { response_type: 'ephemeral', replace_original: true, ...keyOutcomeMessage(text) }).catch(() => undefined);
}

/** "Delete role" on the impact preview (value = role id and name); Slack's confirm dialog came first. */
export const confirmRoleDeletionButton = (ctx: ListenerContext) => async (args: ButtonArgs): Promise<void> =>
  finish(args, ctx, async () => {
    const target = deletion.parse(JSON.parse(clickFacts(args).value));
    const click = clickFacts(args);
    const impact = await ctx.services.roles.delete(click.userId, target.role, target.roleId, click.once);
    // Owners are told through the notification outbox, queued in the deleting transaction (R4).
    return `:wastebasket: Role *${escapeText(impact.role.name)}* deleted: ${impact.keys.length} key(s) deleted, ${impact.members.length} member(s) lost the role. Owners were told by DM.`;
  });

const removal = z.object({ userId: z.string().regex(SLACK_USER_ID), role: z.string().min(1).max(64) });

/** "Remove role" on the preview (value = {userId, role}). */
export const confirmRoleRemovalButton = (ctx: ListenerContext) => async (args: ButtonArgs): Promise<void> =>
  finish(args, ctx, async () => {
    const target = removal.parse(JSON.parse(clickFacts(args).value));
    const click = clickFacts(args);
    const impact = await ctx.services.roles.remove(click.userId, target.userId, target.role, click.once);
    return `:white_check_mark: ${mention(target.userId)} no longer holds *${escapeText(impact.role.name)}*; ${impact.keys.length} key(s) deleted.`;
  });
