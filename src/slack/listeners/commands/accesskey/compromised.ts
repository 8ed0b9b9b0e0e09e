import { keyRow } from '../../../surfaces.js';
import { compromisedConfirmMessage } from '../../../views/keys.js';
import type { SubcommandArgs, SubcommandResult } from './types.js';

/** `compromised <key>`: one confirmation (this message's button), then the button's listener reports it. */
export async function compromisedSubcommand(args: SubcommandArgs, key: string): Promise<SubcommandResult> {
  const view = await args.ctx.services.keys.show(args.userId, key);
  return compromisedConfirmMessage(keyRow(view.key, view.role, args.ctx.now()));
}
