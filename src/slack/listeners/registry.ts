import type {
  AllMiddlewareArgs,
  AnyMiddlewareArgs,
  App,
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
 * Where every listener is registered, each inside the one error path (`../errors.ts`).
 *
 * Commands, buttons, modal submissions and events are routed here by name, from one global middleware
 * that does not call `next()` for what it routes. Bolt runs every registered listener's middleware on
 * every request (each a copy of the listener arguments per step and a promise), about 6 µs per listener
 * per request on the bench machine: eleven listeners cost a slash command's ack more than the app's own
 * plumbing (docs/performance.md, "the ack"). Only the workflow steps stay Bolt listeners, since Bolt's
 * CustomFunction gives them the step's token and `complete`/`fail`; requests for them, and anything
 * nobody registered, go on through `next()`. An id nobody registered is left unanswered, as Bolt leaves
 * a request no listener matched.
 */
export function listenerRegistry(app: App, ctx: ListenerContext): SlackListeners {
  const answers = errorAnswers(ctx);
  const commands = new Map<string, (args: CommandArgs) => Promise<void>>();
  const actions = new Map<string, (args: ButtonArgs) => Promise<void>>();
  const views = new Map<string, (args: ViewArgs) => Promise<void>>();
  const events = new Map<string, (args: EventArgs<string>) => Promise<void>>();

  app.use(async (args) => {
    const route = routeOf(args);
    if (route === undefined) {
      await args.next();
      return;
    }
    if (route.kind === 'command') {
      const listener = commands.get(route.args.command.command);
      if (listener === undefined) await args.next();
      else await listener(route.args);
      return;
    }
    if (route.kind === 'action') {
      // Every block_actions payload is ours to route (an id nobody registered stays unanswered).
      await actions.get(route.args.action.action_id)?.(route.args);
      return;
    }
    if (route.kind === 'view') {
      await views.get(route.args.view.callback_id)?.(route.args);
      return;
    }
    const listener = events.get(route.args.event.type);
    if (listener === undefined) await args.next();
    else await listener(route.args);
  });

  return {
    command(name, listener) {
      if (commands.has(name)) throw new Error(`two listeners for command ${name}`);
      commands.set(name, async (args) => {
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
    },
    event(name, listener) {
      if (name === FUNCTION_EXECUTED) throw new Error('workflow steps are registered with function(), not event()');
      if (events.has(name)) throw new Error(`two listeners for event ${name}`);
      events.set(name, async (args) => {
        try {
          // Registered under this name, so the payload is this event's (routeOf matched its type).
          await listener(args as EventArgs<typeof name>);
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

const FUNCTION_EXECUTED = 'function_executed';

type Routed =
  | { kind: 'command'; args: CommandArgs }
  | { kind: 'action'; args: ButtonArgs }
  | { kind: 'view'; args: ViewArgs }
  | { kind: 'event'; args: EventArgs<string> };

/**
 * What the router takes, told by the payload as Bolt's own matchers tell it (`onlyCommands`,
 * `onlyActions` with `type: 'block_actions'`, `onlyViewActions` with `type: 'view_submission'`,
 * `onlyEvents`); a workflow step's event, and every other kind, is left to Bolt's listeners.
 */
function routeOf(args: AnyMiddlewareArgs & AllMiddlewareArgs): Routed | undefined {
  if ('command' in args) return { kind: 'command', args };
  // The listeners were typed for buttons; the few selects (offboarding's "Transfer to…") read their own
  // field, as they did when Bolt's `{ type: 'block_actions' }` listener handed them over the same way.
  if ('action' in args && args.body.type === 'block_actions') return { kind: 'action', args: args as unknown as ButtonArgs };
  if ('view' in args && args.body.type === 'view_submission') return { kind: 'view', args: args as ViewArgs };
  if ('event' in args && args.event.type !== FUNCTION_EXECUTED) return { kind: 'event', args };
  return undefined;
}
