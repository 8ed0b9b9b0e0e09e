import type { App } from '@slack/bolt';
import { COMMAND } from '../../ids.js';
import type { ListenerContext } from '../context.js';
import { accesskeyCommand } from './accesskey.js';

export function register(app: App, ctx: ListenerContext): void {
  app.command(COMMAND, accesskeyCommand(ctx));
}
