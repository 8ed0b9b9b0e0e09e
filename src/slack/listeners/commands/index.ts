import type { SlackListeners } from '../registry.js';
import { COMMAND } from '../../ids.js';
import type { ListenerContext } from '../context.js';
import { accesskeyCommand } from './accesskey.js';

export function register(app: SlackListeners, ctx: ListenerContext): void {
  app.command(COMMAND, accesskeyCommand(ctx));
}
