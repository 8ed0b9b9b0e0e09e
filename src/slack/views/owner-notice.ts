import type { KeyApiChange, KeyApiNotice } from '../../domain/notifications.js';
import type { Message } from './blocks.js';
import { escapeText, mention, slackDate } from './format.js';

const verbs: Record<KeyApiChange, string> = {
  key_created: 'was created',
  key_deleted: 'was deleted',
  key_deactivated: 'was made inactive',
  key_revoked: 'was revoked (made inactive by an admin)',
};

const advice: Record<KeyApiChange, (notice: KeyApiNotice) => string> = {
  key_created: (notice) =>
    `Its secret went to the automation that asked for it. If you did not expect this, make the key inactive with \`/accesskey deactivate ${escapeText(notice.keyId)}\`.`,
  key_deleted: () => 'Integrations using it can no longer authenticate.',
  key_deactivated: () => 'Integrations using it can no longer authenticate until it is made active again.',
  key_revoked: () => 'Integrations using it can no longer authenticate. Only an admin can make it active again.',
};

/** The DM a key's owner gets when automation changed the key through the key API (docs/http-api.md, "Prisma-compatible key API"). */
export function ownerNoticeMessage(notice: KeyApiNotice): Message {
  const role = notice.roleName === null ? '' : ` in *${escapeText(notice.roleName)}*`;
  const actor = notice.actorId === notice.ownerId ? '' : ` on behalf of ${mention(notice.actorId)}`;
  const text = `Your access key *${escapeText(notice.keyName)}*${role} ${verbs[notice.change]} ${slackDate(notice.at)} by automation using key \`${escapeText(notice.viaKeyId)}\`${actor}.`;
  return {
    text: `Your access key ${escapeText(notice.keyName)} ${verbs[notice.change]} by automation using key ${escapeText(notice.viaKeyId)}.`,
    blocks: [
      {
        type: 'section',
        block_id: `owner_notice_${notice.change}`,
        text: { type: 'mrkdwn', text: `${text}\n${advice[notice.change](notice)}` },
      },
      { type: 'context', elements: [{ type: 'mrkdwn', text: `Key ID \`${escapeText(notice.keyId)}\`` }] },
    ],
  };
}
