import type { UndeliveredKeyNotice } from '../../domain/notifications.js';
import type { Message } from './blocks.js';
import { escapeText, mrkdwn } from './format.js';

export function undeliveredKeyDm(notice: UndeliveredKeyNotice): Message {
  const what =
    notice.rotatedFrom === null
      ? 'Please create it again with `/accesskey create`.'
      : `Your old key \`${notice.rotatedFrom}\` keeps its expiry; rotate it again when you are ready.`;
  const text = `:warning: The secret of your new key *${escapeText(notice.keyName)}* (\`${notice.keyId}\`${notice.roleName === null ? '' : ` in ${escapeText(notice.roleName)}`}) never reached you, so I deleted the key; it never worked and its slot is free again. ${what}`;
  return { text, blocks: [{ type: 'section', text: mrkdwn(text) }] };
}
