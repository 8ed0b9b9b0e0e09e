import type { AccessKey, KeyStatus } from '../../domain/model.js';
import { ACTION, ROTATE_CONFIRM_BLOCK } from '../ids.js';
import { ROTATION_GRACE_MS } from '../../domain/keys/rotate.js';
import { describeAge } from '../../domain/duration.js';
import type { ActionsBlock, Button, KnownBlock, Message } from './blocks.js';
import {
  escapeText,
  expiryText,
  lastUsedText,
  mention,
  mrkdwn,
  networksText,
  permissionsText,
  plain,
  slackDate,
  statusEmoji,
} from './format.js';
import { plural } from '../../domain/text.js';
import { slotsText } from '../../domain/keys/common.js';

/** What a key view needs: the key, its role's name and its status at the time of rendering. */
export interface KeyRow {
  key: AccessKey;
  roleName: string;
  status: KeyStatus;
  /** Set when the key is outside its role's lifetime policy (made before the policy): shown, never fixed silently. */
  policyIssue?: string;
  /** Its effective permissions (chosen ∩ role's current); absent where a view does not show them. */
  permissions?: readonly string[];
}

/** Keys per message: each takes three blocks and a message holds 50. */
export const KEYS_PER_MESSAGE = 15;

function confirmDialog(title: string, text: string, confirm: string, style: 'danger' | 'primary' = 'danger') {
  return {
    title: plain(title, 100),
    text: mrkdwn(text.slice(0, 300)),
    confirm: plain(confirm, 30),
    deny: plain('Cancel', 30),
    style,
  };
}

/** What a compromised key's owner does next: rotate it, or (already rotated) move to the successor that exists. */
export function replacementAdvice(key: Pick<AccessKey, 'rotatedTo'>): string {
  return key.rotatedTo === null
    ? '*Rotate* it to get a replacement in its place.'
    : `It was already rotated: its successor \`${key.rotatedTo}\` takes its place, so move anything still using it to the successor now.`;
}

/** What rotating does to the old key, for the question asked before it: the dialog, or the command's message. */
export function rotationEffect(key: Pick<AccessKey, 'name' | 'status'>, expired: boolean): string {
  const name = `*${escapeText(key.name)}*`;
  const secret = 'A new key with a new secret (shown once) takes its place';
  if (key.status === 'compromised') return `${secret}; ${name} stays inactive.`;
  if (expired) return `${secret}, with a fresh term; ${name} has already expired and stays expired.`;
  return `${secret}. ${name} keeps working for ${ROTATION_GRACE_TEXT} after the new secret reaches you, then expires: move your integrations before then.`;
}

const ROTATION_GRACE_TEXT = describeAge(ROTATION_GRACE_MS);

/**
 * Rotate asks first (Slack's dialog): it starts the old key's countdown and shows a secret. The
 * `/accesskey rotate` confirmation message is itself the question, so its button has no second dialog.
 */
export function rotateButton(
  key: Pick<AccessKey, 'id' | 'name' | 'status'>,
  options: { expired: boolean; withDialog?: boolean; primary?: boolean },
): Button {
  return {
    type: 'button',
    action_id: ACTION.rotateKey,
    text: plain('Rotate'),
    value: key.id,
    ...(options.primary === true ? { style: 'primary' as const } : {}),
    ...(options.withDialog === false
      ? {}
      : { confirm: confirmDialog('Rotate this key?', rotationEffect(key, options.expired), 'Rotate', 'primary') }),
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

/** `withDialog: false` only where the button sits in a message that already asks (`/accesskey delete`). */
export function deleteButton(row: KeyRow, withDialog = true): Button {
  return {
    type: 'button',
    action_id: ACTION.deleteKey,
    text: plain('Delete'),
    value: row.key.id,
    style: 'danger',
    ...(withDialog
      ? {
          confirm: confirmDialog(
            'Delete this key?',
            `*${escapeText(row.key.name)}* (\`${row.key.id}\`) is deleted for good. Integrations using it stop working.`,
            'Delete',
          ),
        }
      : {}),
  };
}

/** docs/usage.md, "Security-team controls": one confirmation (Slack's dialog), then the key is refused and the security channel alerted. */
export function compromisedButton(key: Pick<AccessKey, 'id' | 'name' | 'rotatedTo'>, withDialog = true): Button {
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
            `*${escapeText(key.name)}* stops working at once, the security channel is alerted, and only an admin can make it active again. ${afterReport(key)}`,
            'Report',
          ),
        }
      : {}),
  };
}

const afterReport = (key: Pick<AccessKey, 'rotatedTo'>): string =>
  key.rotatedTo === null ? 'You can rotate it straight after.' : `Its successor \`${key.rotatedTo}\` is not affected.`;

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
    if (row.key.rotatedTo === null) elements.push(rotateButton(row.key, { expired: false }));
    elements.push(deactivateButton(row));
  }
  // A compromised key is replaced by rotating it: the successor takes its slot.
  if (row.status === 'Inactive' && row.key.status === 'compromised' && row.key.rotatedTo === null) {
    elements.push(rotateButton(row.key, { expired: false, primary: true }));
  }
  // A key an admin revoked can only be reactivated by an admin: its owner is not offered the button.
  if (row.status === 'Inactive' && row.key.status !== 'revoked' && row.key.status !== 'compromised')
    elements.push({ type: 'button', action_id: ACTION.activateKey, text: plain('Make active'), value: row.key.id, style: 'primary' });
  if (row.key.status !== 'compromised') elements.push(compromisedButton(row.key));
  // The usage report (docs/usage-analytics.md): on details and App Home, where one key is looked at.
  if (surface === 'details' || surface === 'home')
    elements.push({ type: 'button', action_id: ACTION.keyUsage, text: plain('Usage'), value: row.key.id });
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

/** Permissions and networks of a key (docs/least-privilege.md), as two fields. */
function leastPrivilegeFields(row: KeyRow) {
  return [
    ...(row.permissions === undefined ? [] : [mrkdwn(`*Permissions*\n${permissionsText(row.permissions)}`)]),
    mrkdwn(`*Networks*\n${networksText(row.key)}`),
  ];
}

/** The facts of R7: name, ID, role, status, created (when, by whom), expires, last used. */
export function keyFields(row: KeyRow, options: { showRole?: boolean; showOwner?: boolean } = {}) {
  const fields = [
    mrkdwn(`*${escapeText(row.key.name)}*\n\`${row.key.id}\``),
    mrkdwn(`*Status*\n${statusText(row)}`),
    mrkdwn(`*Expires*\n${expiryText(row.key.expiresAt)}`),
    mrkdwn(`*Last used*\n${lastUsedText(row.key.lastUsedAt)}`),
  ];
  if (row.policyIssue !== undefined) fields.push(mrkdwn(policyFlag(row.policyIssue)));
  fields.push(...leastPrivilegeFields(row));
  if (options.showRole) fields.push(mrkdwn(`*Role*\n${escapeText(row.roleName)}`));
  if (options.showOwner) fields.push(mrkdwn(`*Owner*\n${mention(row.key.ownerId)}`));
  return fields;
}

export interface KeyListInput {
  rows: KeyRow[];
  /** The active role and its slots; null when listing all roles. */
  slots: { roleName: string; used: number; max: number; rotatingOut?: number } | null;
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
      elements: [mrkdwn(`${slotsText(input.slots)} · \`/accesskey list --all-roles\` shows every role`)],
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
  return { text: `${heading}: ${plural(input.rows.length, 'key')}`, blocks };
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
          ...leastPrivilegeFields(row),
        ],
      },
      keyActions(row, 'details'),
    ],
  };
}

/** `/accesskey delete <key>` asks first: this message is the question, so its Delete button asks nothing more. */
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
        elements: [deleteButton(row, false), { type: 'button', action_id: ACTION.cancel, text: plain('Cancel'), value: row.key.id }],
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
          `:rotating_light: Report *${escapeText(row.key.name)}* (\`${row.key.id}\`, ${escapeText(row.roleName)}) compromised? It stops working at once, the security channel is alerted, and only an admin can make it active again. ${afterReport(row.key)}`,
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

/** `/accesskey rotate <key>` asks once, as `delete` does: this message is the question, its Rotate button the answer. */
export function rotateConfirmMessage(row: KeyRow, successorExpiresAt: string | null): Message {
  const expired = row.status === 'Expired';
  return {
    text: `Rotate ${escapeText(row.key.name)}?`,
    blocks: [
      {
        type: 'section',
        text: mrkdwn(
          `:arrows_counterclockwise: Rotate *${escapeText(row.key.name)}* (\`${row.key.id}\`, ${escapeText(row.roleName)})? ${rotationEffect(row.key, expired)} The new key expires: ${expiryText(successorExpiresAt)}.`,
        ),
      },
      {
        type: 'actions',
        block_id: `${ROTATE_CONFIRM_BLOCK}:${row.key.id}`,
        elements: [
          rotateButton(row.key, { expired, withDialog: false, primary: true }),
          { type: 'button', action_id: ACTION.cancel, text: plain('Cancel'), value: row.key.id },
        ],
      },
    ],
  };
}
