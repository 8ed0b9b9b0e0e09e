import { appendAudit, auditOf } from './audit.js';
import { SYSTEM_ACTOR } from './model.js';
import type { UsageDeps } from './usage.js';

/**
 * Report-only networks (docs/least-privilege.md): a key used from outside its ranges is let through,
 * and its owner and the security channel are told once per key, network and hour. The notice's id names
 * all three, so however many replicas see such calls in that hour, one row is queued and one audit
 * record (mirrored to the security channel) written. Neither can make a key unusable, so this is a
 * usage write: no replica's key cache is dropped.
 */
export async function reportOutsideNetwork(
  deps: UsageDeps,
  report: { keyId: string; network: string; address: string | null; hour: number },
): Promise<boolean> {
  const at = deps.now();
  return deps.store.writeUsage(async (tx) => {
    const key = await tx.keys.findById(report.keyId);
    if (key === undefined) return false;
    const id = `network-report:${key.id}:${report.network}:${report.hour}`;
    const queued = await tx.notifications.enqueueOnce(
      id,
      {
        kind: 'key_network.outside_dm',
        keyId: key.id,
        ownerId: key.ownerId,
        keyName: key.name,
        network: report.network,
        at: at.toISOString(),
      },
      at.toISOString(),
    );
    if (!queued) return false;
    const role = await tx.roles.findById(key.roleId);
    await appendAudit(
      tx,
      auditOf(SYSTEM_ACTOR, 'key.network_outside_reported', key, role, {
        network: report.network,
        address: report.address,
        networks: key.networks.join(' '),
      }),
      at,
    );
    return true;
  });
}
