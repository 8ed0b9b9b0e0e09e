import { onceForCommand } from '../../../replay.js';
import { keyRow } from '../../../surfaces.js';
import { keyOutcomeMessage } from '../../../views/keys.js';
import { keyStatusOutcomeText } from '../../../views/outcomes.js';
import type { SubcommandArgs, SubcommandResult } from './types.js';
import { activateKeyAction } from '../../actions/activate-key.js';
import { steppedCommand } from './admin/stepped.js';

/**
 * `deactivate <key>` / `activate <key>`: at once, with the key's new state shown. An admin making a key
 * reported compromised active again decides something: with step-up on, a code is asked first.
 */
export async function statusSubcommand(args: SubcommandArgs, key: string, to: 'inactive' | 'active'): Promise<SubcommandResult> {
  const { services } = args.ctx;
  if (to === 'active' && services.mfa.stepUpRequired()) {
    const found = (await services.keys.show(args.userId, key)).key;
    // Only an admin can do it at all; anyone else hears the domain's own refusal.
    if (found.status === 'compromised' && (await services.users.context(args.userId)).isAdmin)
      return steppedCommand(args, activateKeyAction, { keyId: found.id }, () => changeStatus(args, key, to));
  }
  return changeStatus(args, key, to);
}

async function changeStatus(args: SubcommandArgs, key: string, to: 'inactive' | 'active'): Promise<SubcommandResult> {
  const { services } = args.ctx;
  const once = onceForCommand(args.triggerId);
  const result =
    to === 'inactive'
      ? await services.keys.deactivate(args.userId, key, { once })
      : await services.keys.activate(args.userId, key, { once });
  const text = keyStatusOutcomeText(result, to);
  return keyOutcomeMessage(text, keyRow(result.key, result.role, args.ctx.now()));
}
