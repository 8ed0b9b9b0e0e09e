import { postToResponseUrl } from '../../delivery/response-url.js';
import { parseRoleDeletionValue, parseRoleRemovalValue } from '../../input/buttons.js';
import { escapeText, mention } from '../../views/format.js';
import { noticeMessage } from '../../views/messages.js';
import type { ListenerContext } from '../context.js';
import { clickFacts, type ButtonArgs } from './button.js';
import { plural } from '../../../domain/text.js';

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

/** "Delete role" on the impact preview (value = role id and name); Slack's confirm dialog came first. */
export const confirmRoleDeletionButton =
  (ctx: ListenerContext) =>
  async (args: ButtonArgs): Promise<void> =>
    finish(args, ctx, async () => {
      const target = parseRoleDeletionValue(clickFacts(args).value);
      const click = clickFacts(args);
      const impact = await ctx.services.roles.delete(
        click.userId,
        { name: target.role, expectedRoleId: target.roleId },
        { once: click.once },
      );
      // Owners are told through the notification outbox, queued in the deleting transaction (R4).
      return `:wastebasket: Role *${escapeText(impact.role.name)}* deleted: ${plural(impact.keys.length, 'key')} deleted, ${plural(impact.members.length, 'member')} lost the role. Owners were told by DM.`;
    });

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
