import type { CodeOutcome, MfaStatus } from '../../domain/mfa.js';
import { ACTION, BLOCK, COMMAND, INPUT, VIEW } from '../ids.js';
import type { Message, ModalView } from './blocks.js';
import { escapeText, mention, mrkdwn, plain, slackDate } from './format.js';

/** The one field of both code modals: six digits, typed or pasted. */
function codeInput(label: string) {
  return {
    type: 'input' as const,
    block_id: BLOCK.mfaCode,
    label: plain(label, 2000),
    element: {
      type: 'plain_text_input' as const,
      action_id: INPUT.mfaCode,
      min_length: 6,
      max_length: 8,
      placeholder: plain('123456'),
    },
  };
}

/** Step-up: what is about to happen, and the code that lets it. `privateMetadata` names the action (src/slack/step-up.ts). */
export function stepUpModal(privateMetadata: string, what: string): ModalView {
  return {
    type: 'modal',
    callback_id: VIEW.stepUp,
    title: plain('Confirm with a code', 24),
    submit: plain('Confirm', 24),
    close: plain('Cancel', 24),
    private_metadata: privateMetadata,
    blocks: [{ type: 'section', text: mrkdwn(`:lock: ${what}\nEnter the current code from your authenticator app.`) }, codeInput('Code')],
  };
}

/** The enrolment's first code. */
export function mfaConfirmModal(privateMetadata = ''): ModalView {
  return {
    type: 'modal',
    callback_id: VIEW.mfaConfirm,
    title: plain('Confirm enrolment', 24),
    submit: plain('Confirm', 24),
    close: plain('Later', 24),
    private_metadata: privateMetadata,
    blocks: [
      {
        type: 'section',
        text: mrkdwn(
          'Scan the QR code in your DM with an authenticator app, then type the code it shows. Until then, step-up codes are not set up.',
        ),
      },
      codeInput('First code'),
    ],
  };
}

/**
 * The enrolment DM (docs/admin-security.md): the `otpauth://` URI for apps that take it pasted, beside
 * the QR image. It carries the TOTP secret, so it goes to the admin's DM only.
 */
export function enrolmentDm(uri: string): Message {
  return {
    text: 'Step-up enrolment: scan the QR code, then confirm with a first code.',
    blocks: [
      {
        type: 'section',
        text: mrkdwn(
          `:lock: *Step-up enrolment.* Scan the QR code above with an authenticator app, or paste this into one:\n\`${escapeText(uri)}\`\nKeep it to yourself; nobody at work will ask for it.`,
        ),
      },
      {
        type: 'actions',
        elements: [
          { type: 'button', action_id: ACTION.mfaConfirm, text: plain('Enter the first code'), style: 'primary', value: 'confirm' },
        ],
      },
    ],
  };
}

/** Why a code did not count, said inline under the field. Nothing changed. */
export function codeRefusal(outcome: Exclude<CodeOutcome, { ok: true }>): string {
  switch (outcome.reason) {
    case 'malformed':
      return 'Type the 6 digits your authenticator app shows. Nothing changed.';
    case 'wrong':
      return `That code is not right (or has expired). Nothing changed. ${outcome.attemptsLeft} ${outcome.attemptsLeft === 1 ? 'try' : 'tries'} left before step-up locks for 15 minutes.`;
    case 'reused':
      return `That code was used already; wait for the next one. Nothing changed. ${outcome.attemptsLeft} ${outcome.attemptsLeft === 1 ? 'try' : 'tries'} left before step-up locks for 15 minutes.`;
    case 'locked':
      return `Too many wrong codes: step-up is locked until ${new Date(outcome.until).toISOString().slice(11, 16)} UTC. Nothing changed.`;
  }
}

export function mfaStatusText(status: MfaStatus): string {
  if (!status.configured) return 'Step-up codes are not set up here (the operator has not set MFA_ENCRYPTION_KEY).';
  const who = mention(status.userId);
  const state =
    status.enrolment === 'active'
      ? `${who} is enrolled${status.confirmedAt === null ? '' : ` since ${slackDate(status.confirmedAt)}`}.`
      : status.enrolment === 'pending'
        ? `${who} started enrolling but has not confirmed a first code.`
        : `${who} is not enrolled. Enrol with \`${COMMAND} admin mfa enroll\`.`;
  const locked = status.lockedUntil === null ? '' : ` Step-up is locked after wrong codes until ${slackDate(status.lockedUntil)}.`;
  return `:lock: ${state}${locked} Step-up before deciding actions is *${status.stepUpOn ? 'on' : 'off'}*.`;
}
