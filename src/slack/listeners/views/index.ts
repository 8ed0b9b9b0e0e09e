import type { App } from '@slack/bolt';
import { VIEW } from '../../ids.js';
import type { ListenerContext } from '../context.js';
import { createKeySubmission } from './create-key.js';
import { denyRequestSubmission } from './deny-request.js';
import { extendKeySubmission } from './extend-key.js';

export function register(app: App, ctx: ListenerContext): void {
  app.view(VIEW.createKey, createKeySubmission(ctx));
  app.view(VIEW.extendKey, extendKeySubmission(ctx));
  app.view(VIEW.denyRequest, denyRequestSubmission(ctx));
}
