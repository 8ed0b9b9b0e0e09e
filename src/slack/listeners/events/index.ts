import type { SlackListeners } from '../registry.js';
import type { ListenerContext } from '../context.js';
import { appHomeOpened } from './app-home-opened.js';
import { messagePosted } from './message.js';
import { userChanged } from './user-change.js';
import { appUninstalled, tokensRevoked } from './app-uninstalled.js';

export function register(app: SlackListeners, ctx: ListenerContext): void {
  app.event('app_home_opened', appHomeOpened(ctx));
  app.event('message', messagePosted(ctx));
  app.event('user_change', userChanged(ctx));
  app.event('app_uninstalled', appUninstalled(ctx));
  app.event('tokens_revoked', tokensRevoked(ctx));
}
