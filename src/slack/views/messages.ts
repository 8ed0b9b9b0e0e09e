import type { AccessKey } from '../../domain/model.js';
import { SECRET_PATTERN } from '../../domain/secrets.js';
import { ACTION, COMMAND } from '../ids.js';
import type { KnownBlock, Message } from './blocks.js';
import { escapeText, expiryText, mrkdwn, plain, slackDate } from './format.js';
import { plural } from '../../domain/text.js';

export function helpMessage(prefix?: string): Message {
  const lines = [
    `\`${COMMAND} create [name]\` — create a key in your active role`,
    `\`${COMMAND} list [--all-roles]\` — your keys, with buttons to change expiry, rotate, make inactive, report compromised or delete`,
    `\`${COMMAND} show <key>\` — details of one key (by name or ID)`,
    `\`${COMMAND} extend <key>\` — change when a key expires`,
    `\`${COMMAND} networks <key>\` — the IP ranges a key may be used from (or report only)`,
    `\`${COMMAND} deactivate <key>\` / \`activate <key>\` — make a key inactive or active again`,
    `\`${COMMAND} delete <key>\` — delete a key (asks first)`,
    `\`${COMMAND} rotate <key>\` — create a successor key (asks first); the old one keeps working for 24 hours, then expires`,
    `\`${COMMAND} compromised <key>\` — report a key compromised: it stops working at once and the security channel is alerted`,
    `\`${COMMAND} usage <key>\` — a key's uses per day for 14 days, top tags and networks, denials`,
    `\`${COMMAND} role [name]\` — show your roles or switch the active one`,
    `\`${COMMAND} request-access [reason]\` — ask an admin for API access`,
    `\`${COMMAND} admin help\` — admin commands`,
  ];
  const blocks: KnownBlock[] = [];
  if (prefix !== undefined) blocks.push({ type: 'section', text: mrkdwn(prefix) });
  blocks.push({ type: 'section', text: mrkdwn(`*Access keys from Slack*\n${lines.join('\n')}`) });
  return {
    text: `${prefix === undefined ? '' : `${prefix} `}Usage: ${COMMAND} create | list | show | extend | deactivate | activate | delete | rotate | compromised | role | request-access`,
    blocks,
  };
}

/** A one-line notice (mrkdwn the caller built and escaped): outcomes that are not about one key. */
export function noticeMessage(text: string): Message {
  return { text: text.replace(/[*`]/g, ''), blocks: [{ type: 'section', text: mrkdwn(text) }] };
}

export function errorMessage(text: string, options: { offerAccessRequest?: boolean } = {}): Message {
  // Domain messages quote what users typed (key and role names): escaped here, once, for every refusal.
  const blocks: KnownBlock[] = [{ type: 'section', text: mrkdwn(`:warning: ${escapeText(text)}`) }];
  if (options.offerAccessRequest) {
    blocks.push({
      type: 'actions',
      elements: [
        { type: 'button', action_id: ACTION.requestAccess, text: plain('Request API access'), style: 'primary', value: 'request' },
      ],
    });
  }
  return { text: escapeText(text), blocks };
}

export interface SecretDelivery {
  key: AccessKey;
  roleName: string;
  secret: string;
  /** A line about how the key came to be (e.g. the key it replaces), shown under the secret. */
  note?: string;
}

/**
 * The one message that carries a secret (R6): ephemeral, to its creator only. The fallback text,
 * which notifications show, deliberately leaves the secret out.
 */
export function secretMessage(delivery: SecretDelivery): Message {
  if (!SECRET_PATTERN.test(delivery.secret)) throw new Error('not a secret');
  const { key } = delivery;
  return {
    text: `Your new access key ${escapeText(key.name)} (${key.id}) is ready. The secret is shown once, in this message.`,
    blocks: [
      {
        type: 'section',
        text: mrkdwn(
          `:key: *${escapeText(key.name)}* is ready in *${escapeText(delivery.roleName)}*. Expires: ${expiryText(key.expiresAt)}`,
        ),
      },
      { type: 'section', fields: [mrkdwn(`*Access Key ID*\n\`${key.id}\``), mrkdwn(`*Secret Key*\n\`${delivery.secret}\``)] },
      {
        type: 'context',
        elements: [
          mrkdwn(
            `:warning: This is the only time the secret is shown. A CSV copy goes to your DM with me. Lost it? Delete the key and create a new one (or rotate it).`,
          ),
        ],
      },
      ...(delivery.note === undefined ? [] : [{ type: 'context' as const, elements: [mrkdwn(delivery.note)] }]),
      {
        type: 'actions',
        elements: [{ type: 'button', action_id: ACTION.hideSecret, text: plain("I've saved it — hide this"), value: key.id }],
      },
    ],
  };
}

/** Under the secret, when the key was made on App Home: the Home tab shows no secret, so say this is where it went. */
export const HOME_CREATED_NOTE =
  'You created this key on my App Home tab. Its secret is here, in our DM (this message only you can see) and in the CSV, and nowhere else.';

/**
 * App Home after a create from it: the tab never shows a secret, so it says where the secret went
 * (per what was delivered), lest anyone think it was lost.
 */
/** Where a new secret reached its owner: both ways, one of them, or neither (src/slack/delivery/secret.ts). */
export type SecretDeliveryOutcome = 'both' | 'message_only' | 'csv_only' | 'none';

export function homeCreatedNotice(key: Pick<AccessKey, 'name'>, outcome: SecretDeliveryOutcome): string {
  const name = `*${escapeText(key.name)}*`;
  switch (outcome) {
    case 'both':
      return `:key: ${name} is created. Its secret is in your DM with me (the *Messages* tab): a message only you can see, shown once, and a CSV file.`;
    case 'message_only':
      return `:key: ${name} is created. Its secret is in your DM with me (the *Messages* tab), in a message only you can see, shown once; the CSV copy could not be sent.`;
    case 'csv_only':
      return `:key: ${name} is created. Its secret is in your DM with me (the *Messages* tab), as a CSV file: the only copy.`;
    case 'none':
      return `:warning: The secret of ${name} could not be delivered, so the key was deleted again and nothing was kept. Please create it again in a moment.`;
  }
}

/** Follows the secret message when its CSV copy could not be delivered; never repeats the secret. */
export function csvMissingMessage(key: AccessKey): Message {
  const text = `:warning: The CSV copy of *${escapeText(key.name)}* (\`${key.id}\`) could not be delivered — copy the secret from the message above now; it is not shown again.`;
  return { text, blocks: [{ type: 'section', text: mrkdwn(text) }] };
}

export function csvDmComment(key: AccessKey, availableUntil?: Date): string {
  const until =
    availableUntil === undefined
      ? ' and delete this file once stored'
      : `; this file is deleted from Slack ${slackDate(availableUntil.toISOString())}, download it before then`;
  return `CSV for your new access key *${escapeText(key.name)}* (\`${key.id}\`). Keep it somewhere safe${until}.`;
}

export function activeRoleMessage(roleName: string): Message {
  const text = `Your active role is now *${escapeText(roleName)}*. New keys are created in it, and \`/accesskey list\` shows its keys.`;
  return { text: `Active role: ${escapeText(roleName)}`, blocks: [{ type: 'section', text: mrkdwn(text) }] };
}

export function userRolesMessage(input: {
  roles: Array<{ id: string; name: string; maxKeys: number }>;
  activeRoleId: string | null;
  hasApiAccess: boolean;
}): Message {
  const lines = input.roles.map(
    (r) =>
      `${r.id === input.activeRoleId ? `:white_check_mark: *${escapeText(r.name)}* (active)` : `• ${escapeText(r.name)}`} — up to ${plural(r.maxKeys, 'key')}`,
  );
  const access = input.hasApiAccess ? 'You have API access.' : 'You have no API access yet: `/accesskey request-access` asks an admin.';
  return {
    text: `Your roles: ${input.roles.map((r) => escapeText(r.name)).join(', ')}`,
    blocks: [{ type: 'section', text: mrkdwn(`*Your roles*\n${lines.join('\n')}\n\n${access}\nSwitch with \`/accesskey role <name>\`.`) }],
  };
}
