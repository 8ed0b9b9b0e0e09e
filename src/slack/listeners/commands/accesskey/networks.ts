import type { ModalOrigin } from '../../../input/views.js';
import { keyNetworksModal } from '../../../views/modals.js';
import type { SubcommandArgs, SubcommandResult } from './types.js';

/** `/accesskey networks <key>`: opens the modal with the key's ranges and report-only switch (docs/least-privilege.md). */
export async function networksSubcommand(args: SubcommandArgs, key: string): Promise<SubcommandResult> {
  const { key: found } = await args.ctx.services.keys.show(args.userId, key);
  const origin: ModalOrigin = { responseUrl: args.responseUrl, source: 'command', keyId: found.id };
  await args.ackNow();
  await args.client.views.open({
    trigger_id: args.triggerId,
    view: keyNetworksModal({
      keyName: found.name,
      keyId: found.id,
      networks: found.networks,
      reportOnly: found.networkReportOnly,
      privateMetadata: JSON.stringify(origin),
    }),
  });
  return undefined;
}
