import type { WebClient } from '@slack/web-api';
import { z } from 'zod';
import { AppError } from '../errors.js';
import { postToResponseUrl } from './delivery/response-url.js';
import type { ListenerContext } from './listeners/context.js';
import type { Message, ModalView } from './views/blocks.js';
import { codeRefusal, stepUpModal } from './views/mfa.js';
import { noticeMessage } from './views/messages.js';

/**
 * Step-up (SPEC §17, docs/admin-security.md): one gate in front of every deciding action. With
 * ADMIN_STEP_UP=off the action runs at once. With it on, the gate opens a modal asking for a current TOTP
 * code and the action runs only when the code passes (src/slack/listeners/views/step-up.ts); a wrong,
 * expired or reused code changes nothing and is said inline.
 *
 * To put an action behind it: describe it once as a `SteppedAction` (a name, a zod schema for what it
 * needs, a sentence saying what is about to happen, and `run`) beside its listener, add it to
 * `STEPPED_ACTIONS` (src/slack/listeners/stepped-actions.ts), and call `stepUp(ctx, action, facts)` where
 * the press or command arrives instead of running it directly.
 */
export interface SteppedAction<P> {
  /** Kept in the modal's metadata to find the action again: stable, short. */
  name: string;
  /** What the action needs, parsed again from the modal's metadata (which travels through Slack). */
  payload: z.ZodType<P>;
  /** One sentence for the modal: what is about to happen (mrkdwn, escaped by the caller). */
  describe(payload: P): string;
  /**
   * Does it. `once`: the press, command or code submission that asked (a replay of it changes nothing);
   * `reply`: tells the admin where they asked (ephemerally), best effort.
   */
  run(ctx: ListenerContext, input: SteppedInput<P>): Promise<void>;
  /**
   * For an action whose outcome is a modal of its own (the event streams modal): once the code passes,
   * the code modal turns into this view (`response_action: update`) and `run` is not called.
   */
  view?(ctx: ListenerContext, input: SteppedInput<P>): Promise<ModalView>;
}

export interface SteppedInput<P> {
  client: WebClient;
  userId: string;
  payload: P;
  once: string;
  reply(message: Message): Promise<void>;
}

/** Where the action was asked for. */
export interface StepUpFacts<P> {
  client: WebClient;
  userId: string;
  triggerId: string;
  /** The press or command: the action's `once` when no code is asked for. */
  once: string;
  /** Where answers go (the button's or command's response_url); the modal carries it to the submission. */
  responseUrl: string | undefined;
  payload: P;
}

/**
 * A row of the list the code modal's submission looks actions up in. The cast forgets `P`, which the
 * submission restores by parsing the payload with the action's own schema before `run` sees it.
 */
export const stepped = <P>(action: SteppedAction<P>): SteppedAction<unknown> => action as unknown as SteppedAction<unknown>;

/** The modal's private_metadata (≤ 3000 characters: Slack's limit). */
export const stepUpMetadata = z.object({ a: z.string().max(64), p: z.unknown(), r: z.url().max(1000).optional() });

export function replyVia(ctx: ListenerContext, responseUrl: string | undefined, userId: string) {
  return async (message: Message): Promise<void> => {
    if (responseUrl === undefined) return;
    await postToResponseUrl(responseUrl, { response_type: 'ephemeral', replace_original: false, ...message }).catch((error: unknown) =>
      ctx.logger.warn('could not answer a stepped action', { error, userId }),
    );
  };
}

/**
 * Runs `action` now, or (ADMIN_STEP_UP=on) opens the code modal that runs it. An admin without a
 * confirmed enrolment, or locked out, is told so and nothing happens. Call it after `ack()`: the
 * modal needs the interaction's trigger_id, which lives 3 seconds.
 */
export async function stepUp<P>(ctx: ListenerContext, action: SteppedAction<P>, facts: StepUpFacts<P>): Promise<void> {
  const reply = replyVia(ctx, facts.responseUrl, facts.userId);
  if (!ctx.services.mfa.stepUpRequired()) {
    await action.run(ctx, { client: facts.client, userId: facts.userId, payload: facts.payload, once: facts.once, reply });
    return;
  }
  const status = await ctx.services.mfa.status(facts.userId);
  if (status.enrolment !== 'active')
    throw new AppError(
      'MFA_NOT_ENROLLED',
      'This needs a step-up code, and you have no confirmed enrolment. Enrol first with `/accesskey admin mfa enroll`.',
    );
  if (status.lockedUntil !== null) {
    await reply(noticeMessage(`:lock: ${codeRefusal({ ok: false, reason: 'locked', until: status.lockedUntil })}`));
    return;
  }
  const metadata = JSON.stringify({
    a: action.name,
    p: facts.payload,
    ...(facts.responseUrl === undefined ? {} : { r: facts.responseUrl }),
  });
  if (metadata.length > 3000) throw new Error(`step-up metadata of ${action.name} is over Slack's 3000 characters`);
  await facts.client.views.open({ trigger_id: facts.triggerId, view: stepUpModal(metadata, action.describe(facts.payload)) });
}
