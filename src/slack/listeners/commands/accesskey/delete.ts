import { keyRow } from '../../../surfaces.js';
import { deleteConfirmMessage } from '../../../views/keys.js';
import type { SubcommandArgs, SubcommandResult } from './types.js';

/** `delete <key>` never deletes straight away: it shows the key and a Delete button that confirms. */
export async function deleteSubcommand(args: SubcommandArgs, key: string): Promise<SubcommandResult> {
  const view = await args.ctx.services.keys.show(args.userId, key);
  return deleteConfirmMessage(keyRow(view.key, view.role, args.ctx.now()));
}
