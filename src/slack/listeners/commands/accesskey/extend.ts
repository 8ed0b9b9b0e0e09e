import type { ModalOrigin } from '../../../input/views.js';
import { extendKeyModal } from '../../../views/modals.js';
import type { SubcommandArgs, SubcommandResult } from './types.js';

export async function extendSubcommand(args: SubcommandArgs, key: string): Promise<SubcommandResult> {
  const { key: found, role } = await args.ctx.services.keys.show(args.userId, key);
  const origin: ModalOrigin = { responseUrl: args.responseUrl, source: 'command', keyId: found.id };
  await args.ackNow();
  await args.client.views.open({
    trigger_id: args.triggerId,
    view: extendKeyModal({
      keyName: found.name,
      keyId: found.id,
      expiresAt: found.expiresAt,
      privateMetadata: JSON.stringify(origin),
      roleName: role?.name,
      policy: role?.policy,
      now: args.ctx.now(),
    }),
  });
  return undefined;
}
