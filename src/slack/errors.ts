import { randomBytes } from 'node:crypto';
import type { AllMiddlewareArgs, SlackCommandMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import { redactSecrets } from '../domain/secrets.js';
import { type AppError, asAppError, isTransientFault } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Message } from './views/blocks.js';
import { postToResponseUrl } from './delivery/response-url.js';
import { sendDm } from './delivery/dm.js';
import { type ButtonArgs, clickFacts } from './listeners/actions/button.js';
import type { ListenerContext } from './listeners/context.js';
import { publishHome, refreshSurface } from './surfaces.js';
import { errorHomeView, errorModal } from './views/error-views.js';
import { surfaceOfBlock } from './views/keys.js';
import { errorMessage, noticeMessage } from './views/messages.js';

/**
 * The one error path of the Slack app (docs/architecture.md, "One error path"). Listeners throw: an
 * AppError for an expected outcome, anything at all for a fault. Every listener is registered through
 * `listeners/registry.ts`, which hands whatever it threw to `errorAnswers` here: an answer on the surface
 * the user is looking at, logged once. Nothing else in src/slack catches an error to tell a user about it.
 */

/** A fault's reference, shown to the user and logged with it. `err_`, so it is never mistaken for an access request (`req_`). */
export function newErrorReference(): string {
  return `err_${randomBytes(6).toString('hex')}`;
}

export interface DescribedError {
  error: AppError;
  /** Only for faults: also in the log line. */
  reference?: string;
  /** The answer as a message (with a "Request API access" button when that is the way out). */
  message: Message;
  /** Short, true, escaped for mrkdwn; for faults it ends with "(ref err_…)". */
  text: string;
  /** The same, unescaped, for plain-text places (a modal's inline field error). */
  plainText: string;
}

/**
 * What a user is told about an error. Expected outcomes say what happened and what to do; faults get a
 * reference that is also in the log line, so support can find it. Logged here, once.
 */
export function describeError(error: unknown, logger: Logger, context: Record<string, unknown>): DescribedError {
  const appError = asAppError(error);
  if (appError.code !== 'INTERNAL' && appError.code !== 'OUTCOME_UNKNOWN' && !isTransientFault(appError)) {
    logger.debug('request refused', { code: appError.code, ...context });
    // Refusals may quote what was typed; a secret in it is never repeated (the checks at the edge come first).
    const said = redactSecrets(appError.message);
    const message = errorMessage(said, { offerAccessRequest: appError.code === 'NO_API_ACCESS' });
    return { error: appError, message, text: message.text, plainText: said };
  }
  const reference = newErrorReference();
  logger[appError.code === 'INTERNAL' ? 'error' : 'warn']('request failed', {
    reference,
    code: appError.code,
    error: appError.cause ?? appError,
    ...context,
  });
  const plainText = `${appError.message} (ref ${reference})`;
  const message = errorMessage(plainText);
  return { error: appError, reference, message, text: message.text, plainText };
}

/** How a failed click is answered when the clicked message should show it (default: an ephemeral reply). */
export type ClickErrorAnswer =
  /** An ephemeral reply under the message (a notice on App Home). */
  | 'reply'
  /** The key list / details the click came from, redrawn with the error as its notice line. */
  | 'refresh-key'
  /** The clicked message replaced by the error (a confirmation that has been used up). */
  | 'replace-message';

type CommandArgs = SlackCommandMiddlewareArgs & AllMiddlewareArgs;
type ViewArgs = SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs;

/** What the boundary knows about a failed listener: its Bolt arguments, and whether it had acknowledged. */
interface Failure<A> {
  args: A;
  error: unknown;
  acked: boolean;
}

/**
 * Turns what a listener threw into an answer on the surface the user is looking at (one function per
 * kind of request); `listeners/registry.ts` calls these around every listener.
 */
export function errorAnswers(ctx: ListenerContext) {
  const { logger } = ctx;
  /** The answer itself failed: logged beside the reference, so the first line can still be found. */
  const unanswered = (described: DescribedError, context: Record<string, unknown>) => (error: unknown) =>
    logger.error('could not tell the user about an error', {
      reference: described.reference,
      code: described.error.code,
      error,
      ...context,
    });

  async function answerClick(args: ButtonArgs, described: DescribedError, how: ClickErrorAnswer): Promise<void> {
    const click = clickFacts(args);
    const notice = `:warning: ${described.text}`;
    if (how === 'refresh-key') {
      const surface = click.inHome ? 'home' : surfaceOfBlock(click.blockId);
      const refreshed = await refreshSurface({
        ctx,
        client: args.client,
        surface,
        userId: click.userId,
        keyId: click.value,
        notice,
        responseUrl: click.responseUrl,
      })
        .then(() => true)
        .catch((error: unknown) => {
          logger.warn('could not show an error on the key surface; replying instead', { reference: described.reference, error });
          return false;
        });
      if (refreshed) return;
    }
    if (how === 'replace-message' && click.responseUrl !== undefined) {
      await postToResponseUrl(click.responseUrl, { response_type: 'ephemeral', replace_original: true, ...noticeMessage(notice) });
      return;
    }
    if (click.inHome) {
      // Home needs the user's keys. When they cannot be read, that is the fault already logged above,
      // so the failure is not logged again: the error alone is shown instead.
      await publishHome(args.client, ctx, click.userId, notice).catch(() =>
        args.client.views.publish({ user_id: click.userId, view: errorHomeView(described.text) }),
      );
      return;
    }
    if (click.responseUrl !== undefined)
      await postToResponseUrl(click.responseUrl, { response_type: 'ephemeral', replace_original: false, ...described.message });
    else await sendDm(args.client, click.userId, described.message);
  }

  return {
    async command({ args, error, acked }: Failure<CommandArgs>): Promise<void> {
      const context = { userId: args.command.user_id, command: args.command.command };
      const described = describeError(error, logger, context);
      const { message } = described;
      const answered = acked
        ? args.respond({ response_type: 'ephemeral', replace_original: false, ...message })
        : args.ack({ response_type: 'ephemeral', ...message });
      await answered.catch(unanswered(described, context));
    },

    async click({ args, error, acked }: Failure<ButtonArgs>, how: ClickErrorAnswer): Promise<void> {
      const context = { userId: args.body.user.id, action: args.action.action_id };
      const described = describeError(error, logger, context);
      // Slack needs the ack within 3 s whatever happened; the answer follows it.
      if (!acked) await args.ack().catch(unanswered(described, context));
      await answerClick(args, described, how).catch(unanswered(described, context));
    },

    /** `fieldOf` names the input block an expected error belongs next to; without one the modal is replaced. */
    async submission(
      { args, error, acked }: Failure<ViewArgs>,
      fieldOf: ((error: AppError) => string | undefined) | undefined,
    ): Promise<void> {
      const context = { userId: args.body.user.id, view: args.view.callback_id };
      const described = describeError(error, logger, context);
      let answered: Promise<unknown>;
      if (acked) {
        // The modal is closed: the DM with the bot is the one place left that the user will see.
        answered = sendDm(args.client, args.body.user.id, described.message);
      } else {
        // Refusals and "try again in a moment" stay in the open modal, input kept; a bug replaces it.
        const field = described.error.code === 'INTERNAL' ? undefined : fieldOf?.(described.error);
        answered =
          field === undefined
            ? args.ack({ response_action: 'update', view: errorModal(described.text) })
            : args.ack({ response_action: 'errors', errors: { [field]: described.plainText } });
      }
      await answered.catch(unanswered(described, context));
    },

    /** Events are acknowledged by Bolt before the listener runs and nobody asked: the log is the answer. */
    event(name: string, error: unknown): void {
      describeError(error, logger, { event: name });
    },
    /** A workflow step that failed ends with `functions.completeError`: Workflow Builder shows the text to the workflow's owner. */
    async step(callbackId: string, args: { fail: (params: { error: string }) => Promise<unknown> }, error: unknown): Promise<void> {
      const described = describeError(error, logger, { step: callbackId });
      await args.fail({ error: described.plainText }).catch(unanswered(described, { step: callbackId }));
    },
  };
}

export type ErrorAnswers = ReturnType<typeof errorAnswers>;
