import type { SlackListeners } from '../registry.js';
import type { ListenerContext } from '../context.js';
import { appHomeOpened } from './app-home-opened.js';
import { messagePosted } from './message.js';

export function register(app: SlackListeners, ctx: ListenerContext): void {
  app.event('app_home_opened', appHomeOpened(ctx));
  app.event('message', messagePosted(ctx));
}
