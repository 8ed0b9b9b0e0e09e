import { keyRow } from '../../../surfaces.js';
import { keyDetailsMessage } from '../../../views/keys.js';
import type { SubcommandArgs, SubcommandResult } from './types.js';

export async function showSubcommand(args: SubcommandArgs, key: string): Promise<SubcommandResult> {
  const view = await args.ctx.services.keys.show(args.userId, key);
  return keyDetailsMessage(keyRow(view.key, view.role, args.ctx.now()));
}
