import { appendAudit } from './audit.js';
import type { DomainDeps } from './deps.js';
import { requireAdminIn } from './users.js';

/**
 * Channels an admin set with `/accesskey admin settings` (SPEC §18): they win over AUDIT_CHANNEL_ID and
 * APPROVALS_CHANNEL_ID, which stay the defaults. On an org-wide install they may be in any workspace.
 */
export type ChannelPurpose = 'audit' | 'approvals';

const SETTING: Record<ChannelPurpose, string> = { audit: 'channel.audit', approvals: 'channel.approvals' };

export async function channelOverrides(deps: DomainDeps): Promise<Partial<Record<ChannelPurpose, string>>> {
  const [audit, approvals] = await Promise.all([deps.store.settings.get(SETTING.audit), deps.store.settings.get(SETTING.approvals)]);
  return { ...(audit === undefined ? {} : { audit }), ...(approvals === undefined ? {} : { approvals }) };
}

/** Sets (or with null, clears back to the default) one channel; admins only, audited `settings.changed`. */
export async function setChannel(deps: DomainDeps, actorId: string, purpose: ChannelPurpose, channelId: string | null): Promise<void> {
  await deps.store.write(async (tx) => {
    await requireAdminIn(tx, deps, actorId);
    if (channelId === null) await tx.settings.remove(SETTING[purpose]);
    else await tx.settings.set(SETTING[purpose], channelId);
    await appendAudit(tx, { actorId, action: 'settings.changed', details: { setting: `${purpose}_channel`, channelId } }, deps.now());
  });
}
