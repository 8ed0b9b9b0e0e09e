import { onceForCommand } from '../../../replay.js';
import { keyRow } from '../../../surfaces.js';
import { escapeText } from '../../../views/format.js';
import { keyOutcomeMessage } from '../../../views/keys.js';
import type { SubcommandArgs, SubcommandResult } from './types.js';

/** `deactivate <key>` / `activate <key>`: at once, with the key's new state shown. */
export async function statusSubcommand(args: SubcommandArgs, key: string, to: 'inactive' | 'active'): Promise<SubcommandResult> {
  const { services } = args.ctx;
  const once = onceForCommand(args.triggerId);
  const result =
    to === 'inactive'
      ? await services.keys.deactivate(args.userId, key, { once })
      : await services.keys.activate(args.userId, key, { once });
  const name = `*${escapeText(result.key.name)}*`;
  const text =
    result.replayed === true
      ? 'That request was already handled; nothing changed.'
      : !result.changed
        ? `${name} was already ${to}.`
        : to === 'inactive'
          ? `${name} is now inactive. Integrations using it are refused from now on.`
          : `${name} is active again.`;
  return keyOutcomeMessage(text, keyRow(result.key, result.role, args.ctx.now()));
}
