import { describeAge } from '../../domain/duration.js';
import type { AccessRequest } from '../../domain/model.js';
import { ACTION } from '../ids.js';
import type { KnownBlock, Message } from './blocks.js';
import { escapeText, escapeTextKeepingMentions, lastUsedText, mention, mrkdwn, plain, slackDate } from './format.js';
import { deactivateButton, deleteButton, keyOutcomeMessage, type KeyRow } from './keys.js';
import { keysDeletedDm } from './admin.js';
import { plural } from '../../domain/text.js';
import { replacementAdvice } from './keys.js';

/** block_id of a stale-key notice's buttons: the "outcome" surface, so a click replaces the DM with the result. */
export const staleNoticeBlockId = (keyId: string): string => `outcome:${keyId}`;
export const STALE_NOTICE_TEXT_BLOCK = 'stale_key_notice';
export const REMINDER_BLOCK = 'access_request_reminder';

/** A link to a message from its channel and ts (Slack's archive links redirect to the workspace). */
export function messageLink(channel: string, ts: string): string {
  return `https://slack.com/archives/${channel}/p${ts.replace('.', '')}`;
}

/** The approvals channel hears once more about a request nobody has decided yet. */
export function requestReminderMessage(request: AccessRequest, roleNames: string[], ageMs: number, permalink: string | null): Message {
  const card = permalink === null ? 'the request card' : `<${permalink}|the request card>`;
  const text = `:bell: ${mention(request.userId)}'s API access request has been open for ${describeAge(ageMs)} (since ${slackDate(request.createdAt)}). An admin other than the requester can decide on ${card}.`;
  const blocks: KnownBlock[] = [
    { type: 'section', block_id: `${REMINDER_BLOCK}:${request.id}`, text: mrkdwn(text) },
    {
      type: 'context',
      elements: [mrkdwn(`Roles: ${roleNames.map(escapeText).join(', ') || '_none_'} · expires ${slackDate(request.expiresAt)}`)],
    },
  ];
  return { text: `Reminder: API access request from ${request.userId} is still open (${describeAge(ageMs)}).`, blocks };
}

/** `/accesskey admin requests`: every open request with its age. */
export function openRequestsMessage(requests: readonly AccessRequest[], now: Date): Message {
  if (requests.length === 0)
    return { text: 'No open API access requests.', blocks: [{ type: 'section', text: mrkdwn('No open API access requests.') }] };
  const lines = requests.map((r) => {
    const card = r.cardChannel !== null && r.cardTs !== null ? ` · <${messageLink(r.cardChannel, r.cardTs)}|card>` : '';
    const reason = r.reason === null ? '' : ` — ${escapeTextKeepingMentions(r.reason.slice(0, 80))}`;
    return `• ${mention(r.userId)} · open ${describeAge(now.getTime() - Date.parse(r.createdAt))} (since ${slackDate(r.createdAt)})${reason}${card}`;
  });
  const header = `*Open API access requests* (${requests.length}, oldest first)`;
  // One section per ≤ 20 lines keeps each under Block Kit's 3000-character section limit.
  const blocks: KnownBlock[] = [{ type: 'section', text: mrkdwn(header) }];
  for (let i = 0; i < lines.length; i += 20) blocks.push({ type: 'section', text: mrkdwn(lines.slice(i, i + 20).join('\n')) });
  return { text: `${plural(requests.length, 'open API access request')}.`, blocks };
}

/** One DM per stale period: Keep (restarts the clock), Make inactive, Delete (both with the usual confirm). */
export function staleKeyNoticeMessage(row: KeyRow, unusedSince: string, autoInactiveAt: string | null): Message {
  const name = escapeText(row.key.name);
  const used =
    row.key.lastUsedAt === null
      ? `has never been used (created ${slackDate(row.key.createdAt)})`
      : `has not been used since ${lastUsedText(row.key.lastUsedAt)}`;
  const auto = autoInactiveAt === null ? '' : `\nIf nothing changes it will be made inactive ${slackDate(autoInactiveAt)}.`;
  const text = `:zzz: Your access key *${name}* in *${escapeText(row.roleName)}* ${used}. Unused keys are a risk: keep it if an integration still needs it, otherwise make it inactive or delete it.${auto}`;
  return {
    text: `Your access key "${row.key.name}" (${row.key.id}) looks unused since ${unusedSince}.`.replace(/[<>&]/g, ''),
    blocks: [
      { type: 'section', block_id: STALE_NOTICE_TEXT_BLOCK, text: mrkdwn(text) },
      { type: 'context', elements: [mrkdwn(`Key ID \`${escapeText(row.key.id)}\``)] },
      {
        type: 'actions',
        block_id: staleNoticeBlockId(row.key.id),
        elements: [
          { type: 'button', action_id: ACTION.keepKey, text: plain('Keep'), style: 'primary', value: row.key.id },
          deactivateButton(row),
          deleteButton(row),
        ],
      },
    ],
  };
}

export function staleKeyInactivatedMessage(keyId: string, keyName: string): Message {
  const text = `:double_vertical_bar: Your access key *${escapeText(keyName)}* (\`${escapeText(keyId)}\`) stayed unused after the stale-key notice, so it was made inactive. Integrations using it stop working; make it active again from \`/accesskey list\` if you still need it.`;
  return { text: `Your unused access key ${keyId} was made inactive.`, blocks: [{ type: 'section', text: mrkdwn(text) }] };
}

/** R4 DMs, worded by cause (the worker renders them from the outbox row). */
export function keysDeletedByRoleMessage(
  cause: 'role_deleted' | 'role_removed',
  roleName: string,
  keys: Array<{ id: string; name: string }>,
): Message {
  const why =
    cause === 'role_deleted'
      ? `The role *${escapeText(roleName)}* was deleted by an admin.`
      : `An admin removed the role *${escapeText(roleName)}* from you.`;
  return keysDeletedDm(why, keys);
}

/** An admin reported the owner's key compromised: the owner is the one who can rotate it (the key's fresh state, with Rotate). */
export function keyReportedCompromisedMessage(row: KeyRow, reporterId: string): Message {
  const text = `:rotating_light: ${mention(reporterId)} reported your access key *${escapeText(row.key.name)}* (\`${row.key.id}\`) compromised. It no longer works, and only an admin can make it active again. ${replacementAdvice(row.key)}`;
  return keyOutcomeMessage(text, row);
}
