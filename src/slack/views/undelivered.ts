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

/** A report-only key was used from outside its networks (docs/least-privilege.md). */
export function keyOutsideNetworkDm(notice: { keyId: string; keyName: string; network: string; at: string }): Message {
  const text = `:warning: Your key *${escapeText(notice.keyName)}* (\`${notice.keyId}\`) was used from outside its allowed networks (from \`${escapeText(notice.network)}\`). It is in report-only mode, so the call went through. If that was not you or your integration, rotate the key; to refuse such calls, untick "Report only" with \`/accesskey networks ${notice.keyId}\`. (Told once per network per hour.)`;
  return { text, blocks: [{ type: 'section', text: mrkdwn(text) }] };
}
