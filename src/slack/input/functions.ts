import { z } from 'zod';
import { AppError } from '../../errors.js';
import { SLACK_USER_ID } from '../ids.js';

/**
 * The inputs of our workflow steps (`function_executed` → `event.inputs`), as the manifest declares them.
 * Workflow Builder checks types before it runs a step, but a variable may still be empty, so a missing or
 * malformed input is refused with the step's own short message (it becomes the step's error in Builder).
 */
const userId = z.string().trim().regex(SLACK_USER_ID);

const requestApiAccess = z.object({ user_id: userId, reason: z.string().max(2000).optional() });
const deactivateUserKeys = z.object({ user_id: userId });
const keyStatus = z.object({ key_id: z.string().trim().min(1).max(200) });

function parse<T>(schema: z.ZodType<T>, inputs: unknown, expected: string): T {
  const result = schema.safeParse(inputs ?? {});
  if (!result.success) throw new AppError('INVALID_INPUT', `This step needs ${expected}.`);
  return result.data;
}

export const parseRequestApiAccessInputs = (inputs: unknown) =>
  parse(requestApiAccess, inputs, 'a user (user_id, a Slack user ID) and optionally a reason (at most 2000 characters)');
export const parseDeactivateUserKeysInputs = (inputs: unknown) => parse(deactivateUserKeys, inputs, 'a user (user_id, a Slack user ID)');
export const parseKeyStatusInputs = (inputs: unknown) => parse(keyStatus, inputs, 'a key ID (key_id, ak_…)');
