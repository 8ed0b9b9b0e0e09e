import type { AccessKey, Role } from '../../domain/model.js';
import type { KeyLeak, LeakSource } from '../../domain/ports.js';
import { ACTION, LEAK_CARD_BLOCK } from '../ids.js';
import type { Button, KnownBlock, Message } from './blocks.js';
import { escapeText, mention, mrkdwn, plain, slackDate } from './format.js';
import { keyOutcomeMessage, replacementAdvice, rotateButton, type KeyRow } from './keys.js';

/**
 * Leak response (docs/leak-response.md). None of these quotes the secret, nor any part of it: the thread
 * reply is public, and the card and DMs name the key by its name and ID only.
 */

const SOURCE_TEXT: Record<LeakSource, string> = {
  slack: 'in Slack',
  github: 'by GitHub secret scanning',
  gitlab: 'by GitLab secret detection',
};

/** Where it was seen, as a link or a channel mention; a place is never trusted as markup. */
function placeText(source: LeakSource, location: string | null): string {
  if (location === null) return '';
  if (source === 'slack') return /^[CGD][A-Z0-9]{2,}$/.test(location) ? ` in <#${location}>` : '';
  return /^https?:\/\/[^\s<>|]+$/.test(location)
    ? ` at <${location}|${escapeText(location.slice(0, 120))}>`
    : ` at ${escapeText(location)}`;
}

/** The reply in the thread of the message that held a secret: what happened, and what the poster must do. */
export function leakThreadReply(inactivated: boolean): Message {
  const state = inactivated
    ? 'It has been disabled, and its owner and the security team were told.'
    : 'Its owner and the security team were told.';
  const text = `:rotating_light: This message contains an access key's secret. ${state} Please delete the message now: the app cannot delete someone else's message for you.`;
  return { text, blocks: [{ type: 'section', text: mrkdwn(text) }] };
}

/** The DM to the key's owner (with the key and Rotate) or to whoever posted the secret. */
export function leakDm(row: KeyRow, to: 'owner' | 'poster', source: LeakSource, location: string | null, inactivated: boolean): Message {
  const name = `*${escapeText(row.key.name)}* (\`${row.key.id}\`)`;
  const where = `${SOURCE_TEXT[source]}${placeText(source, location)}`;
  if (to === 'poster') {
    const text = `:rotating_light: You posted the secret of the access key ${name}${placeText(source, location)}. ${inactivated ? 'The key has been disabled. ' : ''}Please delete that message: the app cannot delete it for you. Its owner ${mention(row.key.ownerId)} was told.`;
    return { text: text.replace(/[*`]/g, ''), blocks: [{ type: 'section', text: mrkdwn(text) }] };
  }
  const state = inactivated
    ? 'It no longer works, and only an admin can make it active again.'
    : 'It still works (LEAK_ACTION=notify): rotate it now.';
  return keyOutcomeMessage(
    `:rotating_light: The secret of your access key ${name} was found ${where}. ${state} ${replacementAdvice(row.key)}`,
    row,
  );
}

function decisionButtons(key: Pick<AccessKey, 'id' | 'name' | 'status'>, expired: boolean): Button[] {
  return [
    rotateButton(key, { expired, primary: true }),
    { type: 'button', action_id: ACTION.leakKeepInactive, text: plain('Keep inactive'), value: key.id },
    {
      type: 'button',
      action_id: ACTION.leakFalsePositive,
      text: plain('False positive — reactivate'),
      value: key.id,
      confirm: {
        title: plain('Reactivate this key?'),
        text: mrkdwn(`*${escapeText(key.name)}* works again at once. Only if the secret was not a real leak. Admins only; audited.`),
        confirm: plain('Reactivate'),
        deny: plain('Cancel'),
        style: 'danger',
      },
    },
  ];
}

/** The key's one high-priority card in the security channel, updated in place as sightings add up. */
export function leakCard(key: AccessKey, role: Pick<Role, 'name'> | undefined, leak: KeyLeak, expired: boolean): Message {
  const header = leak.inactivated ? ':rotating_light: Leaked access key disabled' : ':rotating_light: Leaked access key (still active)';
  const seen = leak.sightings === 1 ? 'Seen once' : `Seen ${leak.sightings} times`;
  const blocks: KnownBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: header, emoji: true } },
    {
      type: 'section',
      block_id: `${LEAK_CARD_BLOCK}:${key.id}`,
      fields: [
        mrkdwn(`*Key*\n\`${key.id}\` “${escapeText(key.name.slice(0, 80))}”`),
        mrkdwn(`*Owner*\n${mention(key.ownerId)}`),
        mrkdwn(`*Role*\n${escapeText(role?.name ?? '(none)')}`),
        mrkdwn(`*Status*\n${escapeText(key.status)}`),
        mrkdwn(`*Sightings*\n${seen} (first ${slackDate(leak.firstAt)}, last ${slackDate(leak.lastAt)})`),
        mrkdwn(`*Last seen*\n${SOURCE_TEXT[leak.lastSource]}${placeText(leak.lastSource, leak.lastLocation)}`),
      ],
    },
  ];
  if (leak.resolution === null) {
    blocks.push({ type: 'actions', block_id: `${LEAK_CARD_BLOCK}_actions:${key.id}`, elements: decisionButtons(key, expired) });
  } else {
    const decided =
      leak.resolution === 'false_positive'
        ? 'marked a false positive; the key was made active again'
        : 'confirmed the leak; the key stays inactive';
    blocks.push({
      type: 'context',
      elements: [mrkdwn(`${leak.resolvedBy === null ? 'An admin' : mention(leak.resolvedBy)} ${decided}.`)],
    });
  }
  return { text: `Leaked access key ${key.id}: ${seen.toLowerCase()}`, blocks };
}
