import type { WebClient } from '@slack/web-api';
import type { AuditChannel, AuditPostOutcome } from '../../domain/audit-outbox.js';
import type { AuditRecord } from '../../domain/model.js';
import { AUDIT_DIGEST_MAX_RECORDS, renderAuditMessage } from '../views/audit-message.js';
import { outcomeOfError } from './outcome.js';

/** For the audit channel these mean "misconfigured destination": block and alert, don't burn the records. */
const CHANNEL_ERRORS = new Set([
  'channel_not_found',
  'not_in_channel',
  'is_archived',
  'restricted_action',
  'restricted_action_read_only_channel',
  'restricted_action_thread_only_channel',
  'restricted_action_non_threadable_channel',
]);

/** Posts audit records to AUDIT_CHANNEL_ID through the mirror's own WebClient. */
export class SlackAuditChannel implements AuditChannel {
  readonly maxRecordsPerMessage = AUDIT_DIGEST_MAX_RECORDS;

  constructor(
    private readonly client: WebClient,
    private readonly channelId: string,
  ) {}

  async post(records: readonly AuditRecord[]): Promise<AuditPostOutcome> {
    const rendering = renderAuditMessage(records);
    if (!rendering.ok) return { kind: 'unrenderable', failures: rendering.failures };
    try {
      const result = await this.client.chat.postMessage({
        channel: this.channelId,
        text: rendering.message.text,
        blocks: rendering.message.blocks,
        unfurl_links: false,
        unfurl_media: false,
      });
      return { kind: 'posted', channelId: result.channel ?? this.channelId, ts: result.ts ?? '' };
    } catch (error) {
      return outcomeOfError(error, CHANNEL_ERRORS);
    }
  }
}
