import { keyRow } from '../../../surfaces.js';
import { keyDetailsMessage } from '../../../views/keys.js';
import { graceNotice } from '../../../views/usage.js';
import type { SubcommandArgs, SubcommandResult } from './types.js';

export async function showSubcommand(args: SubcommandArgs, key: string): Promise<SubcommandResult> {
  const view = await args.ctx.services.keys.show(args.userId, key);
  // A rotated-out key in its grace says how much it is still used (docs/usage-analytics.md).
  const uses = view.key.rotatedTo === null ? 0 : await args.ctx.services.keys.usesSinceRotation(view.key);
  return keyDetailsMessage(keyRow(view.key, view.role, args.ctx.now()), graceNotice(view.key, uses, args.ctx.now()));
}
