import type { ExpiryWarningNotice } from '../../domain/expiry-ports.js';
import { DAY_MS } from '../../domain/time.js';
import { ACTION } from '../ids.js';
import type { KnownBlock, Message } from './blocks.js';
import { escapeText, plain, slackDate } from './format.js';
import { compromisedButton, rotateButton } from './keys.js';
import { plural } from '../../domain/text.js';

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;

/**
 * "in 7 days", "in 23 hours", "in 5 minutes", to the nearest unit: a warning sent a minute after the
 * key entered its 7-day threshold says 7 days, as people count. The exact instant is in the date token.
 */
export function timeLeft(fromIso: string, untilIso: string): string {
  const ms = Date.parse(untilIso) - Date.parse(fromIso);
  const [count, unit] =
    ms >= DAY_MS - HOUR_MS / 2
      ? [Math.round(ms / DAY_MS), 'day']
      : ms >= HOUR_MS - MINUTE_MS / 2
        ? [Math.round(ms / HOUR_MS), 'hour']
        : [Math.max(1, Math.round(ms / MINUTE_MS)), 'minute'];
  return `in ${plural(count, unit)}`;
}

/** block_id of the warning's text: names the threshold, so a reader (or a test) can tell warnings apart. */
export const expiryWarningBlockId = (threshold: string): string => `expiry_warning_${threshold}`;

/** The DM an owner gets when a key enters a warning threshold or has expired, with Extend / Rotate. */
export function expiryWarningMessage(notice: ExpiryWarningNotice): Message {
  const name = escapeText(notice.keyName);
  const expired = notice.threshold.leadMs === 0;
  const role = notice.roleName === null ? '' : ` in *${escapeText(notice.roleName)}*`;
  const headline = expired
    ? `:red_circle: Your access key *${name}*${role} expired ${slackDate(notice.expiresAt)}. Integrations using it can no longer authenticate.`
    : `:hourglass_flowing_sand: Your access key *${name}*${role} expires ${slackDate(notice.expiresAt)} (${timeLeft(notice.now, notice.expiresAt)}).`;
  const advice = expired
    ? 'Extend its expiry to use it again, or rotate it to get a fresh key.'
    : 'Extend its expiry to keep it working, or rotate it to get a fresh key before it stops.';
  const blocks: KnownBlock[] = [
    { type: 'section', block_id: expiryWarningBlockId(notice.threshold.id), text: { type: 'mrkdwn', text: `${headline}\n${advice}` } },
    { type: 'context', elements: [{ type: 'mrkdwn', text: `Key ID \`${escapeText(notice.keyId)}\`` }] },
    {
      type: 'actions',
      elements: [
        { type: 'button', action_id: ACTION.extendKey, text: plain('Extend expiry'), style: 'primary', value: notice.keyId },
        // The warning is about a key that was not rotated (a rotated key's warnings stop), and is active.
        rotateButton({ id: notice.keyId, name: notice.keyName, status: 'active' }, { expired }),
        compromisedButton({ id: notice.keyId, name: notice.keyName, rotatedTo: null }),
      ],
    },
  ];
  const text = expired
    ? `Your access key "${name}" (${notice.keyId}) has expired.`
    : `Your access key "${name}" (${notice.keyId}) expires ${timeLeft(notice.now, notice.expiresAt)}.`;
  return { text, blocks };
}
