import { postToResponseUrl } from '../../delivery/response-url.js';
import { parseRoleDeletionValue, parseRoleRemovalValue } from '../../input/buttons.js';
import { escapeText, mention } from '../../views/format.js';
import { noticeMessage } from '../../views/messages.js';
import type { ListenerContext } from '../context.js';
import { clickFacts, type ButtonArgs } from './button.js';
import { plural } from '../../../domain/text.js';
import { z } from 'zod';
import { stepUp, type SteppedAction } from '../../step-up.js';

/** The preview is replaced by the outcome; registered with `onError: 'replace-message'`, so by a refusal too. */
async function finish(args: ButtonArgs, ctx: ListenerContext, run: () => Promise<string>): Promise<void> {
  await args.ack();
  const click = clickFacts(args);
  const text = await run();
  if (click.responseUrl === undefined) return;
  // The change is committed: a lost confirmation is logged, not retried (the audit channel shows it).
  await postToResponseUrl(click.responseUrl, { response_type: 'ephemeral', replace_original: true, ...noticeMessage(text) }).catch(
    (error: unknown) => ctx.logger.warn('could not show a role change outcome', { error, userId: click.userId }),
  );
}

async function deleteRole(ctx: ListenerContext, userId: string, target: { role: string; roleId: string }, once: string): Promise<string> {
  const impact = await ctx.services.roles.delete(userId, { name: target.role, expectedRoleId: target.roleId }, { once });
  // Owners are told through the notification outbox, queued in the deleting transaction (R4).
  return `:wastebasket: Role *${escapeText(impact.role.name)}* deleted: ${plural(impact.keys.length, 'key')} deleted, ${plural(impact.members.length, 'member')} lost the role. Owners were told by DM.`;
}

/** Deleting a role behind the step-up gate (src/slack/step-up.ts). */
export const roleDeletionAction: SteppedAction<{ role: string; roleId: string }> = {
  name: 'delete_role',
  payload: z.object({ role: z.string().min(1).max(200), roleId: z.string().min(1).max(64) }),
  describe: ({ role }) => `You are deleting the role *${escapeText(role)}* and every key tied to it.`,
  run: async (ctx, { userId, payload, once, reply }) => reply(noticeMessage(await deleteRole(ctx, userId, payload, once))),
};

/** "Delete role" on the impact preview (value = role id and name); Slack's confirm dialog came first. */
export const confirmRoleDeletionButton =
  (ctx: ListenerContext) =>
  async (args: ButtonArgs): Promise<void> => {
    const click = clickFacts(args);
    const target = parseRoleDeletionValue(click.value);
    if (!ctx.services.mfa.stepUpRequired())
      return finish(args, ctx, () => deleteRole(ctx, click.userId, { role: target.role, roleId: target.roleId }, click.once));
    await args.ack();
    await stepUp(ctx, roleDeletionAction, {
      client: args.client,
      userId: click.userId,
      triggerId: click.triggerId,
      once: click.once,
      responseUrl: click.responseUrl,
      payload: { role: target.role, roleId: target.roleId },
    });
  };

/** "Remove role" on the preview (value = {userId, role}). */
export const confirmRoleRemovalButton =
  (ctx: ListenerContext) =>
  async (args: ButtonArgs): Promise<void> =>
    finish(args, ctx, async () => {
      const target = parseRoleRemovalValue(clickFacts(args).value);
      const click = clickFacts(args);
      const impact = await ctx.services.roles.remove(click.userId, { userId: target.userId, roleName: target.role }, { once: click.once });
      return `:white_check_mark: ${mention(target.userId)} no longer holds *${escapeText(impact.role.name)}*; ${plural(impact.keys.length, 'key')} deleted.`;
    });
