import type { AccessKey, ReviewCampaign, ReviewItem } from '../../domain/model.js';
import { keepNeedsReason, REVIEW_REASON_MAX } from '../../domain/reviews.js';
import { plural } from '../../domain/text.js';
import { ACTION, BLOCK, INPUT, VIEW } from '../ids.js';
import type { KnownBlock, Message, ModalView } from './blocks.js';
import { escapeText, expiryText, lastUsedText, mention, mrkdwn, plain, slackDate } from './format.js';

/** What the review's buttons and modal act on. */
export const reviewItemRef = (item: Pick<ReviewItem, 'campaignId' | 'keyId'>): string => `${item.campaignId}:${item.keyId}`;

const DEFAULT_TEXT = { inactivate: 'made inactive', keep: 'kept' } as const;

function keyFields(item: ReviewItem, key: AccessKey) {
  return [
    mrkdwn(`*Key*\n*${escapeText(item.keyName)}* \`${item.keyId}\``),
    mrkdwn(`*Role*\n${escapeText(item.roleName ?? '(deleted role)')}`),
    mrkdwn(`*Last used*\n${lastUsedText(key.lastUsedAt)}`),
    mrkdwn(`*Created*\n${slackDate(key.createdAt)}`),
    mrkdwn(`*Expires*\n${expiryText(key.expiresAt)}`),
    mrkdwn(`*Status*\n${key.status === 'active' ? 'Active' : 'Inactive'}`),
  ];
}

/** One DM per key in an access review: its facts and Keep / Make inactive / Delete. */
export function reviewKeyDm(campaign: ReviewCampaign, item: ReviewItem, key: AccessKey): Message {
  const intro = `:clipboard: *Access review* by ${mention(campaign.createdBy)}: do you still need this key? Answer by ${slackDate(campaign.deadlineAt)}; without an answer it will be ${DEFAULT_TEXT[campaign.defaultDecision]}.`;
  const ref = reviewItemRef(item);
  const blocks: KnownBlock[] = [
    { type: 'section', text: mrkdwn(intro) },
    { type: 'section', fields: keyFields(item, key) },
    {
      type: 'actions',
      block_id: `review:${ref}`,
      elements: [
        {
          type: 'button',
          action_id: ACTION.reviewKeep,
          text: plain(keepNeedsReason(item) ? 'Keep (say why)…' : 'Keep'),
          style: 'primary',
          value: ref,
        },
        { type: 'button', action_id: ACTION.reviewInactivate, text: plain('Make inactive'), value: ref },
        {
          type: 'button',
          action_id: ACTION.reviewDelete,
          text: plain('Delete'),
          style: 'danger',
          value: ref,
          confirm: {
            title: plain('Delete this key?'),
            text: mrkdwn(`*${escapeText(item.keyName)}* is deleted for good; integrations using it stop working.`),
            confirm: plain('Delete'),
            deny: plain('Cancel'),
            style: 'danger',
          },
        },
      ],
    },
  ];
  return { text: `Access review: do you still need the key ${item.keyName}?`, blocks };
}

const DECIDED_TEXT = {
  keep: ':white_check_mark: Kept',
  inactivate: ':white_circle: Made inactive',
  delete: ':wastebasket: Deleted',
} as const;

/** The review DM once answered: the buttons are gone, the answer stays. */
export function reviewAnsweredDm(item: ReviewItem): Message {
  const by = item.decidedBy === null ? '' : ` by ${mention(item.decidedBy)}`;
  const when = item.decidedAt === null ? '' : ` ${slackDate(item.decidedAt)}`;
  const reason = item.reason === null ? '' : `\n>${escapeText(item.reason)}`;
  const text = `:clipboard: Access review of *${escapeText(item.keyName)}* \`${item.keyId}\`: ${item.decision === null ? 'open' : DECIDED_TEXT[item.decision]}${by}${when}.${reason}`;
  return { text, blocks: [{ type: 'section', text: mrkdwn(text) }] };
}

/** Halfway to the deadline: the owner's keys still waiting for an answer. */
export function reviewReminderDm(campaign: ReviewCampaign, open: readonly ReviewItem[]): Message {
  const lines = open.slice(0, 20).map((i) => `• *${escapeText(i.keyName)}* \`${i.keyId}\` (${escapeText(i.roleName ?? '(deleted role)')})`);
  const more = open.length > 20 ? `\n…and ${plural(open.length - 20, 'more key')}.` : '';
  const text = `:alarm_clock: *Access review reminder*: ${plural(open.length, 'key')} of yours still need an answer by ${slackDate(campaign.deadlineAt)}; without one ${open.length === 1 ? 'it' : 'they'} will be ${DEFAULT_TEXT[campaign.defaultDecision]}. Answer in the review messages above.\n${lines.join('\n')}${more}`;
  return { text: `Access review reminder: ${plural(open.length, 'key')} still open`, blocks: [{ type: 'section', text: mrkdwn(text) }] };
}

/** Keeping a System Admin key: why it is still needed (required), kept in the audit record and export. */
export function reviewKeepReasonModal(privateMetadata: string, keyName: string): ModalView {
  return {
    type: 'modal',
    callback_id: VIEW.reviewKeepReason,
    title: plain('Keep System Admin key', 24),
    submit: plain('Keep', 24),
    close: plain('Cancel', 24),
    private_metadata: privateMetadata,
    blocks: [
      { type: 'section', text: mrkdwn(`*${escapeText(keyName)}* acts as System Admin. Say why it is still needed.`) },
      {
        type: 'input',
        block_id: BLOCK.reviewReason,
        label: plain('Why keep it', 2000),
        element: { type: 'plain_text_input', action_id: INPUT.reviewReason, multiline: true, max_length: REVIEW_REASON_MAX },
      },
    ],
  };
}

/** `admin review status`: each campaign's progress. */
export function reviewStatusMessage(campaigns: ReadonlyArray<ReviewCampaign & { answered: number; open: number }>): Message {
  if (campaigns.length === 0) {
    const text =
      'No access reviews yet. Start one with `/accesskey admin review start [role <name>] [deadline 14d] [default inactivate|keep]`.';
    return { text, blocks: [{ type: 'section', text: mrkdwn(text) }] };
  }
  const lines = campaigns.map((c) => {
    const scope = c.roleName === null ? 'every role' : escapeText(c.roleName);
    const state = c.closedAt === null ? `deadline ${slackDate(c.deadlineAt)}` : `closed ${slackDate(c.closedAt)}`;
    return `• \`${c.id}\` (${scope}, default ${c.defaultDecision}): *${c.answered} answered*, ${c.open} open · ${state}`;
  });
  const text = `:clipboard: *Access reviews*\n${lines.join('\n')}`;
  return { text: 'Access reviews', blocks: [{ type: 'section', text: mrkdwn(text) }] };
}
