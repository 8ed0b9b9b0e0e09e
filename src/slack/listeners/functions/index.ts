import { FUNCTION } from '../../ids.js';
import type { ListenerContext } from '../context.js';
import type { SlackListeners } from '../registry.js';
import { deactivateUserKeysStep } from './deactivate-user-keys.js';
import { keyStatusStep } from './key-status.js';
import { requestApiAccessStep } from './request-api-access.js';

/** Workflow Builder steps (manifest `functions`), one file each. */
export function register(app: SlackListeners, ctx: ListenerContext): void {
  app.function(FUNCTION.requestApiAccess, requestApiAccessStep(ctx));
  app.function(FUNCTION.deactivateUserKeys, deactivateUserKeysStep(ctx));
  app.function(FUNCTION.keyStatus, keyStatusStep(ctx));
}
