import type { WebClient } from '@slack/web-api';
import type { AuditChannel, AuditPostOutcome } from '../../domain/audit-outbox.js';
import type { AuditRecord } from '../../domain/model.js';
import { AUDIT_DIGEST_MAX_RECORDS, auditBlockId, auditHashesInMessage, renderAuditMessage } from '../views/audit-message.js';
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

/** One page of recent history is where a post that timed out a few seconds ago can be. */
const LOOKBACK_LIMIT = 200;
/** Slack stamps a message with its own clock: look a little before our attempt started. */
const LOOKBACK_SLACK_MS = 60_000;

interface HistoryMessage {
  ts?: string;
  user?: string;
  bot_id?: string;
  blocks?: unknown[];
  text?: string;
}

/**
 * Posts audit records to AUDIT_CHANNEL_ID through the mirror's own WebClient. A post that timed out or
 * failed in transit may still have been posted (Slack keeps what it received when the client gave up),
 * so before such records are posted again the channel's recent history (`channels:history`) is read
 * for their block ids (`audit-<seq>-<hash>`): records found there are not posted twice. Which records
 * are in doubt is kept in memory: after a restart the mirror's lease recovery may still post twice.
 */
export class SlackAuditChannel implements AuditChannel {
  readonly maxRecordsPerMessage = AUDIT_DIGEST_MAX_RECORDS;
  /** Block id of a record whose post may have gone through → when that attempt started (epoch ms). */
  readonly #inDoubt = new Map<string, number>();
  #self: { user?: string; bot?: string } | undefined;

  constructor(
    private readonly client: WebClient,
    /** AUDIT_CHANNEL_ID, or the channel set by `/accesskey admin settings`: read for every post. */
    private readonly channelOf: () => Promise<string>,
  ) {}

  async post(records: readonly AuditRecord[]): Promise<AuditPostOutcome> {
    let found: { ts: string; blockIds: Set<string> };
    let channelId: string;
    try {
      channelId = await this.channelOf();
      found = await this.alreadyPosted(records, channelId);
    } catch (error) {
      return outcomeOfError(error, CHANNEL_ERRORS);
    }
    const remaining = records.filter((record) => !found.blockIds.has(auditBlockId(record)));
    for (const record of records) if (found.blockIds.has(auditBlockId(record))) this.#inDoubt.delete(auditBlockId(record));
    if (remaining.length === 0) return { kind: 'posted', channelId, ts: found.ts };
    const rendering = renderAuditMessage(remaining);
    if (!rendering.ok) return { kind: 'unrenderable', failures: rendering.failures };
    const startedAt = Date.now();
    try {
      const result = await this.client.chat.postMessage({
        channel: channelId,
        text: rendering.message.text,
        blocks: rendering.message.blocks,
        unfurl_links: false,
        unfurl_media: false,
      });
      for (const record of remaining) this.#inDoubt.delete(auditBlockId(record));
      return { kind: 'posted', channelId: result.channel ?? channelId, ts: result.ts ?? '' };
    } catch (error) {
      const outcome = outcomeOfError(error, CHANNEL_ERRORS);
      if (outcome.kind === 'unavailable')
        for (const record of remaining) {
          const id = auditBlockId(record);
          if (!this.#inDoubt.has(id)) this.#inDoubt.set(id, startedAt);
        }
      return outcome;
    }
  }

  /** Which of these records an earlier attempt in doubt did post, and in which message (the newest). */
  private async alreadyPosted(records: readonly AuditRecord[], channelId: string): Promise<{ ts: string; blockIds: Set<string> }> {
    const blockIds = new Set<string>();
    const since = Math.min(...records.map((record) => this.#inDoubt.get(auditBlockId(record)) ?? Number.POSITIVE_INFINITY));
    if (!Number.isFinite(since)) return { ts: '', blockIds };
    const self = await this.identity();
    const result = await this.client.conversations.history({
      channel: channelId,
      oldest: ((since - LOOKBACK_SLACK_MS) / 1000).toFixed(6),
      limit: LOOKBACK_LIMIT,
    });
    const wanted = new Set(records.map(auditBlockId));
    let ts = '';
    for (const message of (result.messages ?? []) as HistoryMessage[]) {
      const fromBot = (self.user !== undefined && message.user === self.user) || (self.bot !== undefined && message.bot_id === self.bot);
      if (!fromBot) continue;
      for (const { seq, hash } of auditHashesInMessage(message)) {
        const id = auditBlockId({ seq, hash });
        if (!wanted.has(id)) continue;
        blockIds.add(id);
        if (ts === '') ts = message.ts ?? '';
      }
    }
    return { ts, blockIds };
  }

  /** The bot's own user and bot ids: only its messages vouch for a record. */
  private async identity(): Promise<{ user?: string; bot?: string }> {
    if (this.#self === undefined) {
      const self = await this.client.auth.test();
      this.#self = {
        ...(typeof self.user_id === 'string' ? { user: self.user_id } : {}),
        ...(typeof self.bot_id === 'string' ? { bot: self.bot_id } : {}),
      };
    }
    return this.#self;
  }
}
