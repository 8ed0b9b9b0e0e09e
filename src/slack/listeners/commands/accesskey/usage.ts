import { usageMessage } from '../../../views/usage.js';
import type { SubcommandArgs, SubcommandResult } from './types.js';

/** `/accesskey usage <key>`: the key's usage report (chart and table), to the owner or an admin. */
export async function usageSubcommand(args: SubcommandArgs, key: string): Promise<SubcommandResult> {
  return usageMessage(await args.ctx.services.keys.usage(args.userId, key));
}
