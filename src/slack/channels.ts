import type { Config } from '../config.js';
import type { Services } from '../domain/services.js';

/** Where audit posts and approval cards go: `/accesskey admin settings` first, then AUDIT_CHANNEL_ID / APPROVALS_CHANNEL_ID. */
export interface ChannelSources {
  audit(): Promise<string>;
  approvals(): Promise<string>;
}

export function channelSources(services: Services, config: Pick<Config, 'auditChannelId' | 'approvalsChannelId'>): ChannelSources {
  return {
    audit: async () => (await services.settings.channelOverrides()).audit ?? config.auditChannelId,
    approvals: async () => (await services.settings.channelOverrides()).approvals ?? config.approvalsChannelId,
  };
}
