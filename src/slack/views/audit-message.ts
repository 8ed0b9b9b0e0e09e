import type { AuditAction, AuditRecord } from '../../domain/model.js';
import { containsSecret } from '../../domain/secrets.js';
import type { KnownBlock, Message } from './blocks.js';
import { escapeText, expiryText, mention, slackDate } from './format.js';

/**
 * Budgets that keep every digest inside Block Kit: ≤ 50 blocks, section text ≤ 3000 characters, block_id
 * ≤ 255, and the undocumented aggregate limit (`msg_blocks_too_long`, observed near 13k characters of
 * blocks). Up to AUDIT_DIGEST_FULL_RECORDS records keep their full text (15 × 700 characters fit). A
 * larger digest, which only a backlog produces, gives each record one compact line (seq, action, actor,
 * key, full hash) of at most DIGEST_LINE_MAX characters, so 25 of the largest records serialise under
 * AUDIT_DIGEST_MAX_BLOCKS_CHARS. 25 per message drains a backlog of 1,000 in 40 messages, about 40 s at
 * Slack's 1 message per second per channel.
 */
export const AUDIT_DIGEST_MAX_RECORDS = 25;
export const AUDIT_DIGEST_FULL_RECORDS = 15;
/** Our own ceiling for a digest's serialised blocks, a margin below the ~13k Slack was seen to refuse. */
export const AUDIT_DIGEST_MAX_BLOCKS_CHARS = 12_000;
const RECORD_TEXT_MAX = 700;
/** A digest line before its hash; the hash is appended whole, never clipped. */
const DIGEST_LINE_MAX = 150;
/** Room kept for a digest's heading block within AUDIT_DIGEST_MAX_BLOCKS_CHARS. */
const DIGEST_HEADING_ALLOWANCE = 300;
const DETAIL_VALUE_MAX = 120;

const ICON: Partial<Record<AuditAction, string>> = {
  'key.created': ':key:',
  'key.expiry_extended': ':calendar:',
  'key.deactivated': ':double_vertical_bar:',
  'key.activated': ':arrow_forward:',
  'key.revoked': ':no_entry:',
  'key.deleted': ':wastebasket:',
  'key.deleted_by_role_deletion': ':wastebasket:',
  'key.deleted_undelivered': ':wastebasket:',
  'key.expired': ':hourglass:',
  'key.rotated': ':arrows_counterclockwise:',
  'key.first_used': ':electric_plug:',
  'key.reported_compromised': ':rotating_light:',
  'role.policy_changed': ':scales:',
  'audit.tail_mismatch': ':rotating_light:',
  'auth.failed': ':warning:',
  'key.kept': ':pushpin:',
  'key.deactivated_as_stale': ':zzz:',
  'api_access.self_decision_refused': ':no_entry_sign:',
  'secret_file.deleted': ':put_litter_in_its_place:',
  'role.permissions_changed': ':lock:',
  'key.networks_changed': ':globe_with_meridians:',
  'key.network_outside_reported': ':warning:',
  'key.inactivated_offboarding': ':wave:',
  'key.transferred': ':arrow_right:',
  'key.kept_inactive': ':white_circle:',
  'stream.failing': ':satellite_antenna:',
  'stream.recovered': ':satellite_antenna:',
  'key.leaked': ':rotating_light:',
  'key.leak_kept_inactive': ':lock:',
  'key.leak_false_positive': ':arrow_forward:',
  'key.inactivated_uninstall': ':electric_plug:',
  'app.installed': ':package:',
  'app.uninstalled': ':package:',
  'settings.changed': ':gear:',
};

/**
 * Where a posted record names its seq and full hash for the cross-check (`npm run audit:verify`): the
 * section's block_id, which no clipping of the visible text can cut and which readers never see.
 */
export const auditBlockId = (record: Pick<AuditRecord, 'seq' | 'hash'>): string => `audit-${record.seq}-${record.hash}`;
const BLOCK_ID_HASH = /^audit-(\d+)-([0-9a-f]{64})$/;
// Posts from before the block_id carried the hash show its first 12 characters in the text.
const TEXT_HASH = /\*#(\d+)\*[^\n]*(?:\n[^\n]*)*?hash `([0-9a-f]{12})`/g;

/** The (seq, hash) pairs one channel message vouches for, however old its format. */
export function auditHashesInMessage(message: { blocks?: unknown[]; text?: string }): Array<{ seq: number; hash: string }> {
  const out = new Map<number, string>();
  for (const block of message.blocks ?? []) {
    if (typeof block !== 'object' || block === null) continue;
    const { block_id: blockId, text } = block as { block_id?: unknown; text?: { text?: unknown } };
    const match = typeof blockId === 'string' ? BLOCK_ID_HASH.exec(blockId) : null;
    if (match?.[1] !== undefined && match[2] !== undefined) {
      out.set(Number(match[1]), match[2]);
      continue;
    }
    if (typeof text?.text === 'string')
      for (const m of text.text.matchAll(TEXT_HASH))
        if (m[1] !== undefined && m[2] !== undefined && !out.has(Number(m[1]))) out.set(Number(m[1]), m[2]);
  }
  return [...out].map(([seq, hash]) => ({ seq, hash }));
}

const str = (value: string | number | boolean | null | undefined): string | null =>
  value === null || value === undefined ? null : String(value);

/**
 * The high-priority posts (docs/usage.md, "Security-team controls"): a header the channel cannot mistake for an ordinary mirror
 * line, then the facts a responder needs first.
 */
function alertBlocks(record: AuditRecord): KnownBlock[] {
  if (record.action === 'key.reported_compromised') {
    const lastUsed = str(record.details.lastUsedAt);
    const from = str(record.details.lastUsedFrom);
    return [
      { type: 'header', text: { type: 'plain_text', text: ':rotating_light: Access key reported compromised', emoji: true } },
      {
        type: 'section',
        fields: [
          { type: 'mrkdwn', text: `*Key*\n\`${escapeText(record.keyId ?? '?')}\` “${escapeText(clip(record.keyName ?? '', 80))}”` },
          { type: 'mrkdwn', text: `*Owner*\n${person(record.ownerId)}` },
          { type: 'mrkdwn', text: `*Role*\n${escapeText(clip(record.roleName ?? '(none)', 80))}` },
          { type: 'mrkdwn', text: `*Reported by*\n${person(record.actorId)}` },
          {
            type: 'mrkdwn',
            text: `*Last used*\n${lastUsed === null || Number.isNaN(Date.parse(lastUsed)) ? 'Never' : slackDate(lastUsed)}`,
          },
          { type: 'mrkdwn', text: `*Last client address*\n${from === null ? 'unknown' : `\`${escapeText(clip(from, 60))}\``}` },
        ],
      },
      {
        type: 'context',
        elements: [
          {
            type: 'mrkdwn',
            text: 'The key is inactive from now on; only an admin can make it active again. Its owner was offered a rotation.',
          },
        ],
      },
    ];
  }
  if (record.action === 'key.leaked') {
    const source = str(record.details.source);
    const where = LEAK_SOURCE_TEXT[source ?? ''] ?? 'somewhere';
    const place = str(record.details.url) ?? str(record.details.channel);
    const stopped = record.details.leakAction === 'inactivated';
    return [
      { type: 'header', text: { type: 'plain_text', text: ':rotating_light: Access key secret leaked', emoji: true } },
      {
        type: 'section',
        fields: [
          { type: 'mrkdwn', text: `*Key*\n\`${escapeText(record.keyId ?? '?')}\` “${escapeText(clip(record.keyName ?? '', 80))}”` },
          { type: 'mrkdwn', text: `*Owner*\n${person(record.ownerId)}` },
          { type: 'mrkdwn', text: `*Role*\n${escapeText(clip(record.roleName ?? '(none)', 80))}` },
          { type: 'mrkdwn', text: `*Seen*\n${where}${place === null ? '' : `: \`${escapeText(clip(place, 200))}\``}` },
        ],
      },
      {
        type: 'context',
        elements: [
          {
            type: 'mrkdwn',
            text: stopped
              ? 'The key is inactive from now on; an admin decides on the leak card (Keep inactive, or False positive — reactivate).'
              : 'The key was not stopped by this sighting (LEAK_ACTION=notify, or it was off already); see the leak card.',
          },
        ],
      },
    ];
  }
  if (record.action === 'audit.tail_mismatch') {
    return [
      {
        type: 'header',
        text: { type: 'plain_text', text: ':rotating_light: Audit log does not continue from what the app last saw', emoji: true },
      },
      {
        type: 'section',
        text: {
          type: 'mrkdwn',
          text:
            record.details.reason === 'queued_above_head'
              ? `Record *#${escapeText(String(record.details.seenSeq ?? '?'))}* was written and queued for this channel, but the chain now ends at *#${escapeText(String(record.details.headSeqBefore ?? '?'))}*. Someone may have cut the audit log in the database. Run \`npm run audit:verify\` and compare with this channel.`
              : `At start-up the chain no longer held record *#${escapeText(String(record.details.seenSeq ?? '?'))}* as last seen (${record.details.foundHash === null ? 'it is gone' : 'its hash changed'}). Someone may have rewritten or cut the audit log in the database. Run \`npm run audit:verify\` and compare with this channel.`,
        },
      },
    ];
  }
  return [];
}

const LEAK_SOURCE_TEXT: Record<string, string> = {
  slack: 'in Slack',
  github: 'by GitHub secret scanning',
  gitlab: 'by GitLab secret detection',
};

const person = (id: string | null): string => (id === null ? 'nobody' : id === 'system' ? 'system' : mention(id));

function detailValue(name: string, value: string | number | boolean | null): string {
  if (value === null) return 'none';
  if (typeof value === 'string' && name.endsWith('At') && !Number.isNaN(Date.parse(value))) return slackDate(value);
  const text = escapeText(String(value));
  return text.length > DETAIL_VALUE_MAX ? `${text.slice(0, DETAIL_VALUE_MAX - 1)}…` : text;
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/**
 * One record as compact mrkdwn: what happened, who did it, to which key (ID and name), whose key,
 * which role, its expiry, when, and the record's seq and hash (to cross-check against the log later).
 */
export function auditRecordText(record: AuditRecord): string {
  if (!Number.isInteger(record.seq) || typeof record.action !== 'string' || Number.isNaN(Date.parse(record.at))) {
    throw new Error(`audit record ${String(record.seq)} is malformed`);
  }
  const icon = ICON[record.action] ?? ':memo:';
  const lines = [`${icon} *#${record.seq}* \`${escapeText(record.action)}\` by ${person(record.actorId)} · ${slackDate(record.at)}`];
  const subject: string[] = [];
  if (record.keyId !== null)
    subject.push(`key \`${escapeText(record.keyId)}\`${record.keyName === null ? '' : ` “${escapeText(clip(record.keyName, 80))}”`}`);
  if (record.ownerId !== null) subject.push(`owner ${person(record.ownerId)}`);
  if (record.roleName !== null) subject.push(`role ${escapeText(clip(record.roleName, 80))}`);
  if (record.keyId !== null) subject.push(`expires ${expiryText(record.expiresAt)}`);
  if (subject.length > 0) lines.push(subject.join(' · '));
  const details = Object.entries(record.details).map(([name, value]) => `${escapeText(name)}: ${detailValue(name, value)}`);
  lines.push([...details, `hash \`${record.hash.slice(0, 12)}\``].join(' · '));
  const text = clip(lines.join('\n'), RECORD_TEXT_MAX);
  // Defence in depth: the audit log refuses secrets already; a channel post must never carry one either.
  if (containsSecret(text)) throw new Error(`audit record ${record.seq} renders to something secret-shaped`);
  return text;
}

/**
 * One record as a single digest line: icon, seq, action, actor, key ID (or owner), then the full hash,
 * which clipping never touches. Details stay in the audit log; the line is there to vouch for the record.
 */
export function auditDigestLine(record: AuditRecord): string {
  if (!Number.isInteger(record.seq) || typeof record.action !== 'string' || Number.isNaN(Date.parse(record.at))) {
    throw new Error(`audit record ${String(record.seq)} is malformed`);
  }
  const icon = ICON[record.action] ?? ':memo:';
  const subject =
    record.keyId !== null ? ` · \`${escapeText(record.keyId)}\`` : record.ownerId !== null ? ` · owner ${person(record.ownerId)}` : '';
  const head = clip(`${icon} *#${record.seq}* \`${escapeText(record.action)}\` ${person(record.actorId)}${subject}`, DIGEST_LINE_MAX);
  const text = `${head} · \`${record.hash}\``;
  if (containsSecret(text)) throw new Error(`audit record ${record.seq} renders to something secret-shaped`);
  return text;
}

export type AuditRendering = { ok: true; message: Message } | { ok: false; failures: Array<{ seq: number; error: string }> };

/**
 * One record as a message, or up to AUDIT_DIGEST_MAX_RECORDS as one digest (oldest first). A record
 * that cannot be rendered is reported, not thrown, so the caller can park it and go on.
 */
export function renderAuditMessage(records: readonly AuditRecord[]): AuditRendering {
  if (records.length > AUDIT_DIGEST_MAX_RECORDS) throw new RangeError(`at most ${AUDIT_DIGEST_MAX_RECORDS} audit records fit one message`);
  const renderAll = (textOf: (record: AuditRecord) => string) => {
    const sections: KnownBlock[] = [];
    const failures: Array<{ seq: number; error: string }> = [];
    for (const record of records) {
      try {
        sections.push({ type: 'section', block_id: auditBlockId(record), text: { type: 'mrkdwn', text: textOf(record) } });
      } catch (error) {
        failures.push({ seq: record.seq, error: error instanceof Error ? error.message : String(error) });
      }
    }
    return { sections, failures };
  };
  // Everyday traffic keeps the full rendering; a backlog-sized digest, or one whose full text would
  // break the aggregate budget, gets one compact line per record (budgets above).
  let rendered = renderAll(records.length <= AUDIT_DIGEST_FULL_RECORDS ? auditRecordText : auditDigestLine);
  if (
    records.length > 1 &&
    rendered.failures.length === 0 &&
    JSON.stringify(rendered.sections).length > AUDIT_DIGEST_MAX_BLOCKS_CHARS - DIGEST_HEADING_ALLOWANCE
  )
    rendered = renderAll(auditDigestLine);
  const { sections, failures } = rendered;
  if (failures.length > 0) return { ok: false, failures };
  const [first] = records;
  const last = records.at(-1);
  if (first === undefined || last === undefined) return { ok: false, failures: [] };
  if (records.length === 1) {
    // Priority records are claimed alone (src/db/queues/audit-outbox.ts), so their alert header never has to fit a digest.
    const alert = alertBlocks(first);
    const urgent = alert.length > 0 ? ':rotating_light: ' : '';
    return {
      ok: true,
      message: {
        text: `${urgent}Audit #${first.seq}: ${first.action} by ${first.actorId === 'system' ? 'system' : mention(first.actorId)}`,
        blocks: [...alert, ...sections],
      },
    };
  }
  const heading = `:scroll: *${records.length} audit records* #${first.seq}–#${last.seq} (sent together while the channel catches up; each line ends with the record's hash)`;
  return {
    ok: true,
    message: {
      text: `${records.length} audit records #${first.seq}–#${last.seq}`,
      blocks: [{ type: 'context', elements: [{ type: 'mrkdwn', text: heading }] }, ...sections],
    },
  };
}
