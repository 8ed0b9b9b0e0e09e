import type { Config } from '../../src/config.js';
import { appendAudit } from '../../src/domain/audit.js';
import type { Store } from '../../src/domain/ports.js';
import { jobsOver } from './domain.js';
import { createLogger, type Logger } from '../../src/logger.js';
import { createAuditMirror, type AuditMirrorTuning } from '../../src/scheduler/jobs/audit-mirror.js';
import { createWarningSender, type WarningSenderTuning } from '../../src/scheduler/jobs/expiry-warning-sender.js';
import { startWorkerLoop, type WorkerLoop } from '../../src/scheduler/worker-loop.js';
import { createSlackOutbound, type SlackOutbound } from '../../src/slack/outbound/index.js';
import type { SlackEmulator } from './slack-emulator/index.js';
import type { EmulatedMessage, JsonObject } from './slack-emulator/index.js';

/** Helpers for the audit-mirror and expiry-warning tests: the workers wired to the Slack emulator. */

export const AUDIT_CHANNEL = 'CAUDIT01';

/** A logger that keeps its lines as parsed objects, for asserting alerts and metrics. */
export function createRecordingLogger(): Logger & { entries: Array<Record<string, unknown>> } {
  const entries: Array<Record<string, unknown>> = [];
  const logger = createLogger({ level: 'debug', sink: (line) => entries.push(JSON.parse(line) as Record<string, unknown>) });
  return Object.assign(logger, { entries });
}

export function outboundFor(slack: SlackEmulator, logger: Logger): SlackOutbound {
  const config: Pick<Config, 'slack' | 'auditChannelId'> = {
    slack: { botToken: slack.config.botToken, appToken: undefined, signingSecret: 'unused', apiUrl: slack.apiUrl, socketMode: false },
    auditChannelId: AUDIT_CHANNEL,
  };
  return createSlackOutbound({ config, logger });
}

/** Tuning that keeps tests fast; each test overrides what it is about. */
export const FAST_MIRROR: Partial<AuditMirrorTuning> = {
  spacingMs: 20,
  idlePollMs: 20,
  retryDelaysMs: [10],
  unavailableBackoffMs: [50],
  blockedRetryMs: 100,
};

export const FAST_SENDER: Partial<WarningSenderTuning> = {
  spacingMs: 0,
  idlePollMs: 20,
  batchSize: 50,
  retryDelaysMs: [0],
  unavailableBackoffMs: [50],
  blockedRetryMs: 100,
};

export function startMirrorLoop(options: {
  store: Store;
  outbound: SlackOutbound;
  now?: () => Date;
  logger: Logger;
  tuning?: Partial<AuditMirrorTuning>;
}): WorkerLoop {
  const mirror = createAuditMirror({
    outbox: options.store.auditOutbox,
    channel: options.outbound.auditChannel,
    now: options.now ?? (() => new Date()),
    logger: options.logger,
    tuning: { ...FAST_MIRROR, ...options.tuning },
  });
  return startWorkerLoop({ name: 'audit mirror (test)', logger: options.logger, tick: () => mirror.tick(), errorDelayMs: 50 });
}

export function startSenderLoop(options: {
  store: Store;
  outbound: SlackOutbound;
  now: () => Date;
  logger: Logger;
  warningDays?: number[];
  tuning?: Partial<WarningSenderTuning>;
}): WorkerLoop {
  const sender = createWarningSender({
    ...jobsOver(options.store, options.now),
    dm: options.outbound.warningDm,
    warningDays: options.warningDays ?? [7, 1],
    logger: options.logger,
    tuning: { ...FAST_SENDER, ...options.tuning },
  });
  return startWorkerLoop({
    name: 'warning sender (test)',
    logger: options.logger,
    tick: (signal) => sender.tick(signal),
    errorDelayMs: 50,
  });
}

/** Audit seqs in the order they appear in the channel (digests flattened), from each section's block_id. */
export function postedSeqs(slack: SlackEmulator, channel = AUDIT_CHANNEL): number[] {
  return slack.messagesIn(channel).flatMap((message) => seqsOf(message));
}

export function seqsOf(message: EmulatedMessage): number[] {
  return message.blocks.flatMap((block) => {
    // block_id is audit-<seq>-<full hash> (the cross-check reads the hash from it).
    const id = typeof block.block_id === 'string' ? /^audit-(\d+)-[0-9a-f]{64}$/.exec(block.block_id) : null;
    return id?.[1] === undefined ? [] : [Number(id[1])];
  });
}

/** Every expiry warning DM the bot sent: which key (the Extend button's value) and which threshold. */
export function warningsSent(slack: SlackEmulator): Array<{ keyId: string; threshold: string; channel: string; message: EmulatedMessage }> {
  return slack.calls
    .filter(
      (call) =>
        call.method === 'chat.postMessage' &&
        call.status === 200 &&
        isOk(call.response) &&
        typeof call.args.channel === 'string' &&
        call.args.channel.startsWith('D'),
    )
    .flatMap((call) => {
      const channel = String(call.args.channel);
      const ts = (call.response as JsonObject).ts;
      const blocks = Array.isArray(call.args.blocks) ? (call.args.blocks as JsonObject[]) : [];
      const section = blocks.find((b) => typeof b.block_id === 'string' && b.block_id.startsWith('expiry_warning_'));
      const actions = blocks.find((b) => b.type === 'actions');
      const elements = actions !== undefined && Array.isArray(actions.elements) ? (actions.elements as JsonObject[]) : [];
      const keyId = elements.find((e) => e.action_id === 'key_extend')?.value;
      if (section === undefined || typeof keyId !== 'string') return [];
      const stored = findMessage(slack, channel, typeof ts === 'string' ? ts : '');
      if (stored === undefined) return [];
      return [{ keyId, threshold: String(section.block_id).slice('expiry_warning_'.length), channel, message: stored }];
    });
}

function isOk(response: unknown): boolean {
  return typeof response === 'object' && response !== null && (response as { ok?: unknown }).ok === true;
}

function findMessage(slack: SlackEmulator, channel: string, ts: string): EmulatedMessage | undefined {
  return slack.messagesIn(channel).find((m) => m.ts === ts);
}

/** Appends `count` audit records directly (as a burst of audited changes would). */
export async function appendAuditBurst(store: Store, count: number, at: () => Date = () => new Date()): Promise<void> {
  for (let i = 0; i < count; i++) {
    await store.write((tx) => appendAudit(tx, { actorId: 'UADMIN', action: 'api_access.granted', ownerId: `UBURST${i}` }, at()));
  }
}

export { insertKeysDirectly, type BulkKey } from '../../src/db/bulk-keys.js';

/** A key ID in the real format (ak_ + 20 base62), deterministic per index so tests can name keys. */
export function bulkKeyId(index: number): string {
  return `ak_bulk${String(index).padStart(13, '0')}`;
}
