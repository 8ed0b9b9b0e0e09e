import { onceForCommand } from '../../../replay.js';
import { keyRow } from '../../../surfaces.js';
import { keyOutcomeMessage } from '../../../views/keys.js';
import { keyStatusOutcomeText } from '../../../views/outcomes.js';
import type { SubcommandArgs, SubcommandResult } from './types.js';

/** `deactivate <key>` / `activate <key>`: at once, with the key's new state shown. */
export async function statusSubcommand(args: SubcommandArgs, key: string, to: 'inactive' | 'active'): Promise<SubcommandResult> {
  const { services } = args.ctx;
  const once = onceForCommand(args.triggerId);
  const result =
    to === 'inactive'
      ? await services.keys.deactivate(args.userId, key, { once })
      : await services.keys.activate(args.userId, key, { once });
  const text = keyStatusOutcomeText(result, to);
  return keyOutcomeMessage(text, keyRow(result.key, result.role, args.ctx.now()));
}
