import type { AccessKey, KeyStatus } from '../../domain/model.js';
import { ACTION } from '../ids.js';
import type { ActionsBlock, Button, KnownBlock, Message } from './blocks.js';
import { escapeText, expiryText, lastUsedText, mention, mrkdwn, plain, slackDate, statusEmoji } from './format.js';

/** What a key view needs: the key, its role's name and its status at the time of rendering. */
export interface KeyRow {
  key: AccessKey;
  roleName: string;
  status: KeyStatus;
  /** Set when the key is outside its role's lifetime policy (made before the policy): shown, never fixed silently. */
  policyIssue?: string;
}

/** Keys per message: each takes three blocks and a message holds 50. */
export const KEYS_PER_MESSAGE = 15;

function confirmDialog(title: string, text: string, confirm: string) {
  return {
    title: plain(title, 100),
    text: mrkdwn(text.slice(0, 300)),
    confirm: plain(confirm, 30),
    deny: plain('Cancel', 30),
    style: 'danger' as const,
  };
}

export function deactivateButton(row: KeyRow): Button {
  return {
    type: 'button',
    action_id: ACTION.deactivateKey,
    text: plain('Make inactive'),
    value: row.key.id,
    confirm: confirmDialog(
      'Make this key inactive?',
      `Integrations using *${escapeText(row.key.name)}* stop working at once. You can make it active again later.`,
      'Make inactive',
    ),
  };
}

export function deleteButton(row: KeyRow): Button {
  return {
    type: 'button',
    action_id: ACTION.deleteKey,
    text: plain('Delete'),
    value: row.key.id,
    style: 'danger',
    confirm: confirmDialog(
      'Delete this key?',
      `*${escapeText(row.key.name)}* (\`${row.key.id}\`) is deleted for good. Integrations using it stop working.`,
      'Delete',
    ),
  };
}

/** README, "Security-team controls": one confirmation (Slack's dialog), then the key is refused and the security channel alerted. */
export function compromisedButton(key: Pick<AccessKey, 'id' | 'name'>, withDialog = true): Button {
  return {
    type: 'button',
    action_id: ACTION.reportCompromised,
    text: plain('Report compromised'),
    value: key.id,
    style: 'danger',
    ...(withDialog
      ? {
          confirm: confirmDialog(
            'Report this key compromised?',
            `*${escapeText(key.name)}* stops working at once, the security channel is alerted, and only an admin can make it active again. You can rotate it straight after.`,
            'Report',
          ),
        }
      : {}),
  };
}

/**
 * Where a key's buttons live. It rides in the actions block's block_id (`<surface>:<key ID>`) so a
 * click can refresh the surface it came from.
 */
export type KeySurface = 'list' | 'list_all' | 'details' | 'home' | 'outcome';
export const KEY_SURFACES: readonly KeySurface[] = ['list', 'list_all', 'details', 'home', 'outcome'];

export function surfaceOfBlock(blockId: string | undefined): KeySurface {
  const prefix = blockId?.split(':')[0];
  return KEY_SURFACES.find((s) => s === prefix) ?? 'outcome';
}

export function keyActions(row: KeyRow, surface: KeySurface): ActionsBlock {
  const elements: Button[] = [];
  if (surface === 'list' || surface === 'list_all' || surface === 'home')
    elements.push({ type: 'button', action_id: ACTION.showKey, text: plain('Details'), value: row.key.id });
  elements.push({
    type: 'button',
    action_id: ACTION.extendKey,
    text: plain(row.status === 'Expired' ? 'Extend expiry' : 'Change expiry'),
    value: row.key.id,
  });
  if (row.status === 'Active') {
    if (row.key.rotatedTo === null)
      elements.push({ type: 'button', action_id: ACTION.rotateKey, text: plain('Rotate'), value: row.key.id });
    elements.push(deactivateButton(row));
  }
  // A compromised key is replaced by rotating it: the successor takes its slot.
  if (row.status === 'Inactive' && row.key.status === 'compromised' && row.key.rotatedTo === null) {
    elements.push({ type: 'button', action_id: ACTION.rotateKey, text: plain('Rotate'), value: row.key.id, style: 'primary' });
  }
  // A key an admin revoked can only be reactivated by an admin: its owner is not offered the button.
  if (row.status === 'Inactive' && row.key.status !== 'revoked' && row.key.status !== 'compromised')
    elements.push({ type: 'button', action_id: ACTION.activateKey, text: plain('Make active'), value: row.key.id, style: 'primary' });
  if (row.key.status !== 'compromised') elements.push(compromisedButton(row.key));
  elements.push(deleteButton(row));
  return { type: 'actions', block_id: `${surface}:${row.key.id}`, elements };
}

/** R7's three statuses, with why an inactive key is off when only an admin can turn it back on. */
export function statusText(row: KeyRow): string {
  if (row.status === 'Inactive' && row.key.status === 'compromised')
    return `${statusEmoji.Inactive} · :rotating_light: reported compromised`;
  if (row.status === 'Inactive' && row.key.status === 'revoked') return `${statusEmoji.Inactive} · revoked by an admin`;
  return statusEmoji[row.status];
}

/** The flag on a key outside its role's lifetime policy. */
export const policyFlag = (issue: string): string => `*:warning: Out of policy*\n${escapeText(issue)}`;

/** The facts of R7: name, ID, role, status, created (when, by whom), expires, last used. */
export function keyFields(row: KeyRow, options: { showRole?: boolean; showOwner?: boolean } = {}) {
  const fields = [
    mrkdwn(`*${escapeText(row.key.name)}*\n\`${row.key.id}\``),
    mrkdwn(`*Status*\n${statusText(row)}`),
    mrkdwn(`*Expires*\n${expiryText(row.key.expiresAt)}`),
    mrkdwn(`*Last used*\n${lastUsedText(row.key.lastUsedAt)}`),
  ];
  if (row.policyIssue !== undefined) fields.push(mrkdwn(policyFlag(row.policyIssue)));
  if (options.showRole) fields.push(mrkdwn(`*Role*\n${escapeText(row.roleName)}`));
  if (options.showOwner) fields.push(mrkdwn(`*Owner*\n${mention(row.key.ownerId)}`));
  return fields;
}

export interface KeyListInput {
  rows: KeyRow[];
  /** The active role and its slots; null when listing all roles. */
  slots: { roleName: string; used: number; max: number } | null;
  /** A line about what just happened (after a button click), shown above the list. */
  notice?: string;
}

export function keyListMessage(input: KeyListInput): Message {
  const heading = input.slots === null ? 'Your access keys in all roles' : `Your access keys for ${escapeText(input.slots.roleName)}`;
  const blocks: KnownBlock[] = [];
  if (input.notice !== undefined) blocks.push({ type: 'section', text: mrkdwn(input.notice) });
  blocks.push({ type: 'section', text: mrkdwn(`*${heading}*`) });
  if (input.slots !== null) {
    blocks.push({
      type: 'context',
      elements: [mrkdwn(`${input.slots.used} of ${input.slots.max} keys used · \`/accesskey list --all-roles\` shows every role`)],
    });
  }
  if (input.rows.length === 0) {
    blocks.push({ type: 'section', text: mrkdwn('No keys yet. Create one with `/accesskey create <name>`.') });
  }
  for (const row of input.rows.slice(0, KEYS_PER_MESSAGE)) {
    blocks.push(
      { type: 'divider' },
      { type: 'section', fields: keyFields(row, { showRole: input.slots === null }) },
      keyActions(row, input.slots === null ? 'list_all' : 'list'),
    );
  }
  if (input.rows.length > KEYS_PER_MESSAGE) {
    blocks.push({
      type: 'context',
      elements: [mrkdwn(`…and ${input.rows.length - KEYS_PER_MESSAGE} more. Name one with \`/accesskey show <key>\`.`)],
    });
  }
  return { text: `${heading}: ${input.rows.length} key(s)`, blocks };
}

export function keyDetailsMessage(row: KeyRow, notice?: string): Message {
  return {
    text: `Access key ${escapeText(row.key.name)} (${row.key.id}): ${row.status}`,
    blocks: [
      ...(notice === undefined ? [] : [{ type: 'section' as const, text: mrkdwn(notice) }]),
      { type: 'section', text: mrkdwn(`*${escapeText(row.key.name)}*  \`${row.key.id}\`  ${statusText(row)}`) },
      {
        type: 'section',
        fields: [
          mrkdwn(`*Role*\n${escapeText(row.roleName)}`),
          mrkdwn(`*Created*\n${slackDate(row.key.createdAt)} by ${mention(row.key.createdBy)}`),
          mrkdwn(`*Expires*\n${expiryText(row.key.expiresAt)}`),
          mrkdwn(`*Last used*\n${lastUsedText(row.key.lastUsedAt)}`),
          mrkdwn(`*Secret*\n\`${row.key.secretStart}…\` (never shown again)`),
          ...(row.policyIssue === undefined ? [] : [mrkdwn(policyFlag(row.policyIssue))]),
        ],
      },
      keyActions(row, 'details'),
    ],
  };
}

/** `/accesskey delete <key>` asks first; the button carries Slack's own confirm dialog too. */
export function deleteConfirmMessage(row: KeyRow): Message {
  return {
    text: `Delete ${escapeText(row.key.name)}?`,
    blocks: [
      {
        type: 'section',
        text: mrkdwn(
          `Delete *${escapeText(row.key.name)}* (\`${row.key.id}\`, ${escapeText(row.roleName)})? Integrations using it stop working.`,
        ),
      },
      {
        type: 'actions',
        block_id: `outcome:${row.key.id}`,
        elements: [deleteButton(row), { type: 'button', action_id: ACTION.cancel, text: plain('Cancel'), value: row.key.id }],
      },
    ],
  };
}

/** A one-line outcome of a change to one key, with the key's fresh state underneath (text alone: noticeMessage). */
export function keyOutcomeMessage(text: string, row: KeyRow): Message {
  const blocks: KnownBlock[] = [
    { type: 'section', text: mrkdwn(text) },
    { type: 'section', fields: keyFields(row, { showRole: true }) },
    keyActions(row, 'outcome'),
  ];
  return { text: text.replace(/[*`]/g, ''), blocks };
}

/** `/accesskey compromised <key>` asks once: this message is the confirmation, so its button has no second dialog. */
export function compromisedConfirmMessage(row: KeyRow): Message {
  return {
    text: `Report ${escapeText(row.key.name)} compromised?`,
    blocks: [
      {
        type: 'section',
        text: mrkdwn(
          `:rotating_light: Report *${escapeText(row.key.name)}* (\`${row.key.id}\`, ${escapeText(row.roleName)}) compromised? It stops working at once, the security channel is alerted, and only an admin can make it active again. You can rotate it straight after.`,
        ),
      },
      {
        type: 'actions',
        block_id: `outcome:${row.key.id}`,
        elements: [
          compromisedButton(row.key, false),
          { type: 'button', action_id: ACTION.cancel, text: plain('Cancel'), value: row.key.id },
        ],
      },
    ],
  };
}
