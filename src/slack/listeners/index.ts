import type { App } from '@slack/bolt';
import { register as registerActions } from './actions/index.js';
import { register as registerCommands } from './commands/index.js';
import type { ListenerContext } from './context.js';
import { register as registerEvents } from './events/index.js';
import { register as registerViews } from './views/index.js';

/** Registers every listener, grouped by Slack surface. */
export function registerListeners(app: App, ctx: ListenerContext): void {
  registerCommands(app, ctx);
  registerViews(app, ctx);
  registerActions(app, ctx);
  registerEvents(app, ctx);
  app.error(async (error) => {
    // Listeners answer users themselves; this catches what slipped past them (a bug), for the log.
    ctx.logger.error('unhandled listener error', { error });
  });
}
