import type { AccessRequest } from '../../domain/model.js';
import { ACTION, BLOCK, INPUT, VIEW } from '../ids.js';
import type { KnownBlock, Message, ModalView } from './blocks.js';
import { escapeText, escapeTextKeepingMentions, mention, mrkdwn, plain, slackDate } from './format.js';

/** Every admin who approved, in order (the decider last); a direct grant has the granter only. */
function approvedBy(request: AccessRequest): string {
  const ids = request.approvals.map((a) => a.by);
  if (request.decidedBy !== null && !ids.includes(request.decidedBy)) ids.push(request.decidedBy);
  return ids.map(mention).join(' and ') || mention('');
}

function decisionLine(request: AccessRequest): string {
  const when = request.decidedAt === null ? '' : ` ${slackDate(request.decidedAt)}`;
  switch (request.status) {
    case 'approved':
      // A reason only when access came another way (a direct grant, System Admin): the card says which.
      return `:white_check_mark: *Approved* by ${approvedBy(request)}${when}${request.decisionReason === null ? '' : `\n>${escapeText(request.decisionReason)}`}`;
    case 'denied':
      return `:no_entry: *Denied* by ${mention(request.decidedBy ?? '')}${when}${request.decisionReason === null ? '' : `\n>${escapeText(request.decisionReason)}`}`;
    case 'expired':
      return `:hourglass: *Expired* without a decision${when}`;
    case 'pending':
      // SPEC §17: "1 of 2 approved by @Ada", updated in place as admins approve.
      if (request.approvals.length > 0)
        return `:hourglass_flowing_sand: *${request.approvals.length} of ${Math.max(request.approvalsRequired, request.approvals.length + 1)} approved* by ${request.approvals.map((a) => mention(a.by)).join(', ')} · waiting for another admin · expires ${slackDate(request.expiresAt)}`;
      return `Waiting for ${request.approvalsRequired > 1 ? `${request.approvalsRequired} admins` : 'an admin'} · expires ${slackDate(request.expiresAt)}`;
  }
}

/**
 * The card in the approvals channel (docs/rules.md: approvals). Pending: Approve / Deny buttons (value = request id).
 * Decided: the buttons are gone and the card says who decided and when.
 */
export function accessRequestCard(request: AccessRequest, roleNames: string[]): Message {
  const blocks: KnownBlock[] = [
    { type: 'section', text: mrkdwn(`:key: ${mention(request.userId)} asks for *API access*.`) },
    {
      type: 'section',
      fields: [
        mrkdwn(`*Reason*\n${request.reason === null ? '_none given_' : escapeTextKeepingMentions(request.reason)}`),
        mrkdwn(`*Roles*\n${roleNames.map(escapeText).join(', ') || '_none_'}`),
        mrkdwn(`*Requested*\n${slackDate(request.createdAt)}`),
      ],
    },
  ];
  if (request.status === 'pending') {
    blocks.push({
      type: 'actions',
      block_id: `request:${request.id}`,
      elements: [
        { type: 'button', action_id: ACTION.approveRequest, text: plain('Approve'), style: 'primary', value: request.id },
        { type: 'button', action_id: ACTION.denyRequest, text: plain('Deny'), style: 'danger', value: request.id },
      ],
    });
  }
  blocks.push({ type: 'context', elements: [mrkdwn(decisionLine(request))] });
  return { text: `API access request from ${request.userId}: ${request.status}`, blocks };
}

export function denyReasonModal(privateMetadata: string): ModalView {
  return {
    type: 'modal',
    callback_id: VIEW.denyRequest,
    title: plain('Deny API access', 24),
    submit: plain('Deny', 24),
    close: plain('Cancel', 24),
    private_metadata: privateMetadata,
    blocks: [
      {
        type: 'input',
        block_id: BLOCK.denyReason,
        optional: true,
        label: plain('Reason (sent to the requester)', 2000),
        element: { type: 'plain_text_input', action_id: INPUT.denyReason, multiline: true, max_length: 500 },
      },
    ],
  };
}

/** The requester hears the outcome by DM, either way. */
export function decisionDm(request: AccessRequest): Message {
  const text =
    request.status === 'approved'
      ? `:white_check_mark: ${mention(request.decidedBy ?? '')} approved your API access. Create a key with \`/accesskey create\`.`
      : request.status === 'denied'
        ? `:no_entry: ${mention(request.decidedBy ?? '')} denied your API access request.${request.decisionReason === null ? '' : ` Reason: ${escapeText(request.decisionReason)}`}`
        : ':hourglass: Your API access request expired without a decision. You can ask again with `/accesskey request-access`.';
  return { text, blocks: [{ type: 'section', text: mrkdwn(text) }] };
}
