import { z } from 'zod';
import { ROLE_NAME_MAX_CHARS } from '../../domain/limits.js';
import { SLACK_USER_ID } from '../ids.js';

/** The values our confirmation buttons carry, parsed when Slack sends them back. A value we did not write throws. */
const roleDeletion = z.object({ roleId: z.string().min(1).max(100), role: z.string().min(1).max(ROLE_NAME_MAX_CHARS) });
const roleRemoval = z.object({ userId: z.string().regex(SLACK_USER_ID), role: z.string().min(1).max(ROLE_NAME_MAX_CHARS) });

/** "Delete role" on the impact preview: the role's id and name. */
export function parseRoleDeletionValue(value: string): z.infer<typeof roleDeletion> {
  return roleDeletion.parse(JSON.parse(value));
}

/** "Remove role" on the preview: whose membership, in which role. */
export function parseRoleRemovalValue(value: string): z.infer<typeof roleRemoval> {
  return roleRemoval.parse(JSON.parse(value));
}
