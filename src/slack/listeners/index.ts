import type { App } from '@slack/bolt';
import { newErrorReference } from '../errors.js';
import { register as registerActions } from './actions/index.js';
import { register as registerCommands } from './commands/index.js';
import type { ListenerContext } from './context.js';
import { register as registerEvents } from './events/index.js';
import { register as registerFunctions } from './functions/index.js';
import { listenerRegistry } from './registry.js';
import { register as registerViews } from './views/index.js';

/** Registers every listener, grouped by Slack surface, each through the one error boundary. */
export function registerListeners(app: App, ctx: ListenerContext): void {
  const listeners = listenerRegistry(app, ctx);
  registerCommands(listeners, ctx);
  registerViews(listeners, ctx);
  registerActions(listeners, ctx);
  registerEvents(listeners, ctx);
  registerFunctions(listeners, ctx);
  app.error(async (error) => {
    // An OAuth deployment not installed yet, or a request from a workspace it does not serve: Bolt found
    // no installation for it (docs/org-install.md). Expected, not a fault.
    if (error.code === 'slack_bolt_authorization_error') {
      ctx.logger.warn('slack request from a workspace this app is not installed in', { message: error.message });
      return;
    }
    // Listener errors never get here (the boundary answers them); this is Bolt's own middleware failing.
    ctx.logger.error('slack request failed outside a listener', { reference: newErrorReference(), error });
  });
}
