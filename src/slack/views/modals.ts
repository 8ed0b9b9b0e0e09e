import type { RolePolicy } from '../../domain/model.js';
import { describePolicy, hasPolicy, longestAllowedExpiry, requiresExpiry } from '../../domain/policy.js';
import { addCalendarMonth } from '../../domain/time.js';
import { BLOCK, INPUT, VIEW } from '../ids.js';
import type { KnownBlock, ModalView } from './blocks.js';
import { escapeText, expiryText, mrkdwn, plain } from './format.js';
import { KEY_NAME_MAX_CHARS } from '../../domain/limits.js';
import { slotsText } from '../../domain/keys/common.js';
import { MAX_KEY_NETWORKS } from '../../domain/networks.js';

export interface CreateModalInput {
  roleName: string;
  used: number;
  max: number;
  rotatingOut?: number;
  initialName?: string;
  /** Carried through to the submission (where to deliver the secret). Opaque to the view. */
  privateMetadata: string;
  /** The role's lifetime policy (docs/usage.md, "Security-team controls") and the time the modal opens, to pre-fill the longest allowed expiry. */
  policy?: RolePolicy;
  now?: Date;
  /** The role's permissions, offered as checkboxes, all ticked (docs/least-privilege.md). */
  permissions?: readonly string[];
}

/**
 * What a policy does to the modals: the expiry is required, the picker starts at the latest allowed
 * instant, and when even one month is too long (`dateRequired`) only a picked date will do.
 */
function policyHints(
  roleName: string,
  policy: RolePolicy | undefined,
  now: Date | undefined,
): { required: boolean; latest: Date | null; dateRequired: boolean; text: string } | undefined {
  if (policy === undefined || !hasPolicy(policy)) return undefined;
  const latest = now === undefined ? null : longestAllowedExpiry(policy, now);
  return {
    required: requiresExpiry(policy),
    latest,
    dateRequired: now !== undefined && latest !== null && addCalendarMonth(now).getTime() > latest.getTime(),
    text: `${roleName} policy: ${describePolicy(policy)}.`,
  };
}

const seconds = (date: Date): number => Math.floor(date.getTime() / 1000);

/** `required`: a date is the only expiry the role's policy leaves, so Slack must not label it "(optional)". */
const expiryPicker = (hint: string, initial?: Date | null, required = false): KnownBlock => ({
  type: 'input',
  block_id: BLOCK.expiryAt,
  optional: !required,
  label: plain('Expires at', 2000),
  hint: plain(hint, 2000),
  element: {
    type: 'datetimepicker',
    action_id: INPUT.expiryAt,
    ...(initial === undefined || initial === null ? {} : { initial_date_time: seconds(initial) }),
  },
});

/** "Set key expiry"; under a policy that requires one it is ticked and required, so "never" is not on offer. */
function expiryCheckbox(policy: { required: boolean; text: string } | undefined): KnownBlock {
  const option = {
    text: plain('Set key expiry'),
    value: 'on',
    description: plain(policy?.required === true ? policy.text : 'Without a date, the key expires one month after creation.'),
  };
  return {
    type: 'input',
    block_id: BLOCK.expiry,
    optional: policy?.required !== true,
    label: plain('Expiry', 2000),
    element: {
      type: 'checkboxes',
      action_id: INPUT.expiryEnabled,
      options: [option],
      ...(policy?.required === true ? { initial_options: [option] } : {}),
    },
  };
}

/** docs/rules.md, create-modal: name, "Set key expiry", a date-and-time picker, and the active role with its slots. */
export function createKeyModal(input: CreateModalInput): ModalView {
  const policy = policyHints(input.roleName, input.policy, input.now);
  return {
    type: 'modal',
    callback_id: VIEW.createKey,
    title: plain('New access key', 24),
    submit: plain('Create key', 24),
    close: plain('Cancel', 24),
    private_metadata: input.privateMetadata,
    blocks: [
      {
        type: 'section',
        block_id: BLOCK.slots,
        text: mrkdwn(`*Role:* ${escapeText(input.roleName)} · ${slotsText(input)}`),
      },
      {
        type: 'input',
        block_id: BLOCK.name,
        label: plain('Name', 2000),
        hint: plain(`What uses this key, e.g. "ci-deploy". 1–${KEY_NAME_MAX_CHARS} characters.`, 2000),
        element: {
          type: 'plain_text_input',
          action_id: INPUT.name,
          max_length: KEY_NAME_MAX_CHARS,
          ...(input.initialName === undefined || input.initialName === ''
            ? {}
            : { initial_value: input.initialName.slice(0, KEY_NAME_MAX_CHARS) }),
        },
      },
      expiryCheckbox(policy),
      policy === undefined
        ? expiryPicker('Only used with "Set key expiry". Without the checkbox the key never expires.')
        : expiryPicker(
            `${policy.text}${policy.latest === null ? ' Without a date, the key expires one month after creation.' : ' Pre-filled with the latest expiry allowed; pick an earlier one if you like.'}`,
            policy.latest,
            policy.dateRequired,
          ),
      ...permissionBlocks(input.permissions ?? []),
      ...networkBlocks([], false),
      {
        type: 'context',
        elements: [mrkdwn('The secret is shown once, here in Slack and as a CSV in your DM with me. Nobody can view it again.')],
      },
    ],
  };
}

/** Slack allows 10 options per checkbox group: a role's permissions come in groups of 10, all ticked. */
export const PERMISSIONS_PER_GROUP = 10;

function permissionBlocks(permissions: readonly string[]): KnownBlock[] {
  if (permissions.length === 0)
    return [
      {
        type: 'context',
        elements: [
          mrkdwn(
            'This role has no permissions yet, so the key carries none (an admin adds them with `/accesskey admin role permissions`).',
          ),
        ],
      },
    ];
  const blocks: KnownBlock[] = [];
  for (let i = 0; i < permissions.length; i += PERMISSIONS_PER_GROUP) {
    const options = permissions
      .slice(i, i + PERMISSIONS_PER_GROUP)
      .map((permission) => ({ text: plain(permission, 75), value: permission }));
    blocks.push({
      type: 'input',
      block_id: `${BLOCK.permissions}_${i / PERMISSIONS_PER_GROUP}`,
      optional: true,
      label: plain(i === 0 ? 'Permissions' : 'More permissions', 2000),
      ...(i === 0 ? { hint: plain("Untick what this key doesn't need. It never gets more than its role holds.", 2000) } : {}),
      element: { type: 'checkboxes', action_id: `${INPUT.permissions}_${i / PERMISSIONS_PER_GROUP}`, options, initial_options: options },
    });
  }
  return blocks;
}

/** The networks field and its report-only switch, in the create modal and the networks modal. */
function networkBlocks(networks: readonly string[], reportOnly: boolean): KnownBlock[] {
  const reportOption = {
    text: plain('Report only'),
    value: 'on',
    description: plain('Let calls from outside through, and tell you and the security channel (once per network per hour).'),
  };
  return [
    {
      type: 'input',
      block_id: BLOCK.networks,
      optional: true,
      label: plain('Allowed networks', 2000),
      hint: plain(
        `Up to ${MAX_KEY_NETWORKS} IPv4/IPv6 ranges, one per line or comma-separated (10.0.0.0/8, 2001:db8::/32). Empty: from anywhere.`,
        2000,
      ),
      element: {
        type: 'plain_text_input',
        action_id: INPUT.networks,
        multiline: true,
        max_length: 2000,
        ...(networks.length === 0 ? {} : { initial_value: networks.join('\n') }),
      },
    },
    {
      type: 'input',
      block_id: BLOCK.networkReportOnly,
      optional: true,
      label: plain('Outside these networks', 2000),
      element: {
        type: 'checkboxes',
        action_id: INPUT.networkReportOnly,
        options: [reportOption],
        ...(reportOnly ? { initial_options: [reportOption] } : {}),
      },
    },
  ];
}

export interface NetworksModalInput {
  keyName: string;
  keyId: string;
  networks: readonly string[];
  reportOnly: boolean;
  privateMetadata: string;
}

/** `/accesskey networks <key>`: where the key may be used from. */
export function keyNetworksModal(input: NetworksModalInput): ModalView {
  return {
    type: 'modal',
    callback_id: VIEW.keyNetworks,
    title: plain('Key networks', 24),
    submit: plain('Save', 24),
    close: plain('Cancel', 24),
    private_metadata: input.privateMetadata,
    blocks: [
      { type: 'section', text: mrkdwn(`*${escapeText(input.keyName)}* \`${input.keyId}\``) },
      ...networkBlocks(input.networks, input.reportOnly),
    ],
  };
}

export interface ExtendModalInput {
  keyName: string;
  keyId: string;
  expiresAt: string | null;
  privateMetadata: string;
  /** The key's role: its policy decides which choices are offered (and the picker's pre-fill). */
  roleName?: string;
  policy?: RolePolicy;
  now?: Date;
}

export const EXTEND_CHOICES = { never: 'never', month: 'month', at: 'at' } as const;

export function extendKeyModal(input: ExtendModalInput): ModalView {
  const policy = policyHints(input.roleName ?? 'Role', input.policy, input.now);
  const monthAllowed = policy === undefined || !policy.dateRequired;
  const options = [
    ...(policy?.required === true ? [] : [{ text: plain('Never expires'), value: EXTEND_CHOICES.never }]),
    ...(monthAllowed ? [{ text: plain('One month from now'), value: EXTEND_CHOICES.month }] : []),
    { text: plain('At the date and time below'), value: EXTEND_CHOICES.at },
  ];
  return {
    type: 'modal',
    callback_id: VIEW.extendKey,
    title: plain('Change key expiry', 24),
    submit: plain('Save', 24),
    close: plain('Cancel', 24),
    private_metadata: input.privateMetadata,
    blocks: [
      { type: 'section', text: mrkdwn(`*${escapeText(input.keyName)}* \`${input.keyId}\`\nExpires now: ${expiryText(input.expiresAt)}`) },
      {
        type: 'input',
        block_id: BLOCK.extendChoice,
        label: plain('New expiry', 2000),
        element: { type: 'radio_buttons', action_id: INPUT.extendChoice, options, initial_option: options[options.length - 1] },
      },
      // Without "never" and "one month", the date is the only choice left: then it is required.
      expiryPicker(
        policy === undefined ? 'Must be in the future.' : `Must be in the future. ${policy.text}`,
        policy?.latest,
        options.length === 1,
      ),
    ],
  };
}

/** Key details where no message can be replied to (App Home): a read-only modal. */
export function keyDetailsModal(blocks: KnownBlock[]): ModalView {
  return { type: 'modal', title: plain('Access key', 24), close: plain('Close', 24), blocks: blocks.filter((b) => b.type !== 'actions') };
}
