import type { OffboardedKey, Offboarding } from '../../domain/model.js';
import type { NotificationPayloads } from '../../domain/notifications.js';
import { plural } from '../../domain/text.js';
import { ACTION, OFFBOARDING_BLOCK } from '../ids.js';
import type { KnownBlock, Message } from './blocks.js';
import { escapeText, lastUsedText, mention, mrkdwn, plain, slackDate } from './format.js';

/** A message holds at most 50 blocks: three for the top, two per key, one for "and N more". */
export const OFFBOARDING_CARD_MAX_KEYS = 23;

/** `offboarding:<offboarding id>:<key ID>`: what the card's per-key controls act on. */
export const offboardingBlockId = (offboardingId: string, keyId: string): string => `${OFFBOARDING_BLOCK}:${offboardingId}:${keyId}`;

const SOURCE_TEXT: Record<string, string> = {
  event: 'Their Slack account was deactivated',
  reconcile: 'The daily check found their Slack account deactivated',
};

function decisionText(key: OffboardedKey): string {
  const by = key.decidedBy === null ? '' : ` by ${mention(key.decidedBy)}`;
  const when = key.decidedAt === null ? '' : ` ${slackDate(key.decidedAt)}`;
  switch (key.decision) {
    case 'transferred':
      return `:arrow_right: Transferred to ${mention(key.newOwnerId ?? '')}${by}${when}`;
    case 'deleted':
      return `:wastebasket: Deleted${by}${when}`;
    case 'kept_inactive':
      return `:white_circle: Kept inactive${by}${when}`;
    case null:
      return '';
  }
}

function keyBlocks(offboarding: Offboarding, key: OffboardedKey): KnownBlock[] {
  const from = key.lastUsedIp === null ? '' : ` from \`${escapeText(key.lastUsedIp.slice(0, 60))}\``;
  const line = `*${escapeText(key.keyName)}* \`${key.keyId}\` · ${escapeText(key.roleName ?? 'role deleted')} · last used ${lastUsedText(key.lastUsedAt)}${from}`;
  if (key.decision !== null) return [{ type: 'section', text: mrkdwn(`${line}\n${decisionText(key)}`) }];
  return [
    { type: 'section', text: mrkdwn(line) },
    {
      type: 'actions',
      block_id: offboardingBlockId(offboarding.id, key.keyId),
      elements: [
        { type: 'users_select', action_id: ACTION.offboardingTransfer, placeholder: plain('Transfer to…') },
        {
          type: 'button',
          action_id: ACTION.offboardingDelete,
          text: plain('Delete'),
          style: 'danger',
          value: key.keyId,
          confirm: {
            title: plain('Delete this key?'),
            text: mrkdwn(`*${escapeText(key.keyName)}* is deleted for good; integrations using it keep failing.`),
            confirm: plain('Delete'),
            deny: plain('Cancel'),
            style: 'danger',
          },
        },
        { type: 'button', action_id: ACTION.offboardingKeep, text: plain('Keep inactive'), value: key.keyId },
      ],
    },
  ];
}

/**
 * The security channel's card for a person who left (docs/offboarding.md): their keys, each with
 * Transfer to… / Delete / Keep inactive until an admin decides, then the decision in its place.
 */
export function offboardingCard(offboarding: Offboarding): Message {
  const why = SOURCE_TEXT[offboarding.source] ?? `Offboarded (${escapeText(offboarding.source)}) by ${mention(offboarding.actorId)}`;
  const open = offboarding.keys.filter((k) => k.decision === null).length;
  const shown = offboarding.keys.slice(0, OFFBOARDING_CARD_MAX_KEYS);
  const blocks: KnownBlock[] = [
    { type: 'header', text: plain(':wave: Someone left: their keys are inactive', 150) },
    {
      type: 'section',
      text: mrkdwn(
        `${why} ${slackDate(offboarding.createdAt)}. Every key of ${mention(offboarding.userId)} is inactive; their API access and open requests ended.`,
      ),
    },
    {
      type: 'context',
      elements: [
        mrkdwn(
          open === 0
            ? `All ${plural(offboarding.keys.length, 'key')} decided.`
            : `${plural(open, 'key')} to decide: transfer to someone who holds the role and API access, delete, or keep inactive.`,
        ),
      ],
    },
  ];
  for (const key of shown) blocks.push(...keyBlocks(offboarding, key));
  if (offboarding.keys.length > shown.length)
    blocks.push({
      type: 'context',
      elements: [
        mrkdwn(
          `…and ${plural(offboarding.keys.length - shown.length, 'more key')}: \`/accesskey admin keys ${mention(offboarding.userId)}\``,
        ),
      ],
    });
  return { text: `:wave: ${mention(offboarding.userId)} left: ${plural(offboarding.keys.length, 'key')} made inactive`, blocks };
}

/** A key changed owner: what the new owner and the previous one are told. */
export function keyTransferredDm(notice: NotificationPayloads['key.transferred_dm']): Message {
  const key = `*${escapeText(notice.keyName)}* (\`${notice.keyId}\`, ${escapeText(notice.roleName)})`;
  const text =
    notice.recipientId === notice.toOwnerId
      ? `:inbox_tray: ${mention(notice.actorId)} transferred the access key ${key} from ${mention(notice.fromOwnerId)} to you. It keeps its status and expiry; see it with \`/accesskey show ${notice.keyId}\`.`
      : `:outbox_tray: ${mention(notice.actorId)} transferred your access key ${key} to ${mention(notice.toOwnerId)}. It is no longer yours.`;
  return { text, blocks: [{ type: 'section', text: mrkdwn(text) }] };
}
