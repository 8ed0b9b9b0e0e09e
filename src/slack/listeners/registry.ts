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
import type { AppError } from '../../errors.js';
import { type ClickErrorAnswer, errorAnswers } from '../errors.js';
import type { ButtonArgs } from './actions/button.js';
import type { ListenerContext } from './context.js';

type CommandArgs = SlackCommandMiddlewareArgs & AllMiddlewareArgs;
type ViewArgs = SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs;
type EventArgs<E extends string> = SlackEventMiddlewareArgs<E> & AllMiddlewareArgs;
/** A Workflow Builder step's execution (`function_executed`): `inputs`, `complete`, `fail`, a client holding the step's token. */
export type StepArgs = EventArgs<'function_executed'>;
/** A step's outputs, as its manifest entry declares them; never a secret. */
export type StepOutputs = Record<string, string | number | boolean>;

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
  /**
   * A workflow step by callback_id: the listener returns the step's outputs (`functions.completeSuccess`);
   * a thrown error ends the step with `functions.completeError` and the error path's short text.
   */
  function(callbackId: string, listener: (args: StepArgs) => Promise<StepOutputs>): void;
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

/**
 * Where every listener is registered, each inside the one error path (`../errors.ts`). Buttons and
 * modals are routed here by id: Bolt runs each registered listener's matchers on every request (a slash
 * command too), which cost about as much as the rest of Bolt; with one entry for every button and one
 * for every modal instead of nineteen, every ack is cheaper. An id nobody registered is left unanswered,
 * as Bolt leaves a request no listener matched.
 */
export function listenerRegistry(app: App, ctx: ListenerContext): SlackListeners {
  const answers = errorAnswers(ctx);
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
          await answers.command({ args, error, acked: ack.done });
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
          await answers.click({ args, error, acked: ack.done }, options.onError ?? 'reply');
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
          await answers.submission({ args, error, acked: ack.done }, options.fieldOf);
        }
      });
      if (views.size === 1) app.view<ViewSubmitAction>({ type: 'view_submission' }, dispatchView);
    },
    event(name, listener) {
      app.event(name, async (args) => {
        try {
          await listener(args);
        } catch (error) {
          answers.event(name, error);
        }
      });
    },
    function(callbackId, listener) {
      // Bolt acknowledges the event first (autoAcknowledge), so the work may take longer than Slack's 3 s.
      app.function(callbackId, async (args) => {
        let outputs: StepOutputs;
        try {
          outputs = await listener(args);
        } catch (error) {
          await answers.step(callbackId, args, error);
          return;
        }
        await args.complete({ outputs });
      });
    },
  };
}
