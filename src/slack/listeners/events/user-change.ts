import type { AllMiddlewareArgs, SlackEventMiddlewareArgs } from '@slack/bolt';
import { z } from 'zod';
import { SYSTEM_ACTOR } from '../../../domain/model.js';
import { SLACK_USER_ID } from '../../ids.js';
import type { ListenerContext } from '../context.js';

const userChange = z.object({ user: z.object({ id: z.string().regex(SLACK_USER_ID), deleted: z.boolean().optional() }) });

/**
 * docs/offboarding.md: a deactivated account (`user.deleted: true`) offboards its person once (the
 * domain's marker absorbs Slack's retries and a second replica); a reactivated one gives nothing back,
 * it only lets a later deactivation act again. Every other profile change is ignored.
 */
export const userChanged =
  (ctx: ListenerContext) =>
  async ({ event }: SlackEventMiddlewareArgs<'user_change'> & AllMiddlewareArgs): Promise<void> => {
    const parsed = userChange.safeParse(event);
    if (!parsed.success) {
      ctx.logger.warn('user_change without a usable user', { issues: parsed.error.issues.length });
      return;
    }
    const { id, deleted } = parsed.data.user;
    if (deleted === true) {
      const result = await ctx.services.offboardPerson(SYSTEM_ACTOR, { userId: id }, { source: 'event' });
      if (result.offboardingId !== null || result.count > 0) ctx.logger.info('person offboarded', { userId: id, keys: result.count });
      return;
    }
    await ctx.services.offboarding.reactivated(id);
  };
