import { randomBytes } from 'node:crypto';
import type {
  AllMiddlewareArgs,
  App,
  BlockAction,
  ButtonAction,
  SlackCommandMiddlewareArgs,
  SlackEventMiddlewareArgs,
  SlackViewMiddlewareArgs,
  ViewSubmitAction,
} from '@slack/bolt';
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
 * `errorBoundary`, which turns whatever it threw into an answer on the surface the user is looking at,
 * and logs it once. Nothing else in src/slack catches an error to tell a user about it.
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
type EventArgs<E extends string> = SlackEventMiddlewareArgs<E> & AllMiddlewareArgs;

/** Bolt's registration calls, each wrapped by the error boundary; the `register` functions get this, not the App. */
export interface SlackListeners {
  command(name: string, listener: (args: CommandArgs) => Promise<void>): void;
  action(actionId: string, listener: (args: ButtonArgs) => Promise<void>, options?: { onError?: ClickErrorAnswer }): void;
  /** `fieldOf` names the input block an expected error belongs next to; without one the modal is replaced. */
  view(
    callbackId: string,
    listener: (args: ViewArgs) => Promise<void>,
    options?: { fieldOf?: (error: AppError) => string | undefined },
  ): void;
  event<E extends string>(name: E, listener: (args: EventArgs<E>) => Promise<void>): void;
}

/** An ack that remembers it was called (even if the call itself failed), so the boundary knows what is still open. */
function tracked<T>(ack: (response?: T) => Promise<void>) {
  const state = {
    done: false,
    ack: async (response?: T) => {
      state.done = true;
      await ack(response);
    },
  };
  return state;
}

export function errorBoundary(app: App, ctx: ListenerContext): SlackListeners {
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

  /*
   * One Bolt listener for every button and one for every modal, dispatching by id. Bolt runs each
   * registered listener's matchers on every request (a slash command too), which cost about as much
   * as the rest of Bolt; with two entries instead of nineteen, every ack is cheaper. An id nobody
   * registered is left unanswered, as Bolt leaves a request no listener matched.
   */
  const actions = new Map<string, (args: ButtonArgs) => Promise<void>>();
  const views = new Map<string, (args: ViewArgs) => Promise<void>>();
  const dispatchAction = async (args: ButtonArgs): Promise<void> => {
    await actions.get(args.action.action_id)?.(args);
  };
  const dispatchView = async (args: ViewArgs): Promise<void> => {
    await views.get(args.view.callback_id)?.(args);
  };

  return {
    command(name, listener) {
      app.command(name, async (args) => {
        const ack = tracked(args.ack);
        try {
          await listener({ ...args, ack: ack.ack });
        } catch (error) {
          const context = { userId: args.command.user_id, command: name };
          const described = describeError(error, logger, context);
          const { message } = described;
          const answered = ack.done
            ? args.respond({ response_type: 'ephemeral', replace_original: false, ...message })
            : args.ack({ response_type: 'ephemeral', ...message });
          await answered.catch(unanswered(described, context));
        }
      });
    },
    action(actionId, listener, options = {}) {
      if (actions.has(actionId)) throw new Error(`two listeners for action ${actionId}`);
      actions.set(actionId, async (args) => {
        const ack = tracked(args.ack);
        try {
          await listener({ ...args, ack: ack.ack });
        } catch (error) {
          const context = { userId: args.body.user.id, action: actionId };
          const described = describeError(error, logger, context);
          // Slack needs the ack within 3 s whatever happened; the answer follows it.
          if (!ack.done) await args.ack().catch(unanswered(described, context));
          await answerClick(args, described, options.onError ?? 'reply').catch(unanswered(described, context));
        }
      });
      if (actions.size === 1) app.action<BlockAction<ButtonAction>>({ type: 'block_actions' }, dispatchAction);
    },
    view(callbackId, listener, options = {}) {
      if (views.has(callbackId)) throw new Error(`two listeners for view ${callbackId}`);
      views.set(callbackId, async (args) => {
        const ack = tracked(args.ack);
        try {
          await listener({ ...args, ack: ack.ack });
        } catch (error) {
          const context = { userId: args.body.user.id, view: callbackId };
          const described = describeError(error, logger, context);
          let answered: Promise<unknown>;
          if (ack.done) {
            // The modal is closed: the DM with the bot is the one place left that the user will see.
            answered = sendDm(args.client, args.body.user.id, described.message);
          } else {
            // Refusals and "try again in a moment" stay in the open modal, input kept; a bug replaces it.
            const field = described.error.code === 'INTERNAL' ? undefined : options.fieldOf?.(described.error);
            answered =
              field === undefined
                ? args.ack({ response_action: 'update', view: errorModal(described.text) })
                : args.ack({ response_action: 'errors', errors: { [field]: described.plainText } });
          }
          await answered.catch(unanswered(described, context));
        }
      });
      if (views.size === 1) app.view<ViewSubmitAction>({ type: 'view_submission' }, dispatchView);
    },
    event(name, listener) {
      app.event(name, async (args) => {
        try {
          await listener(args);
        } catch (error) {
          // Events are acknowledged by Bolt before the listener runs and nobody asked: the log is the answer.
          describeError(error, logger, { event: name });
        }
      });
    },
  };
}
