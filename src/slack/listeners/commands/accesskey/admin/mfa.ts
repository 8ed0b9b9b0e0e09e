import type { WebClient } from '@slack/web-api';
import { openDm } from '../../../../delivery/dm.js';
import { qrPng } from '../../../../delivery/qr.js';
import { mention } from '../../../../views/format.js';
import { noticeMessage } from '../../../../views/messages.js';
import { enrolmentDm, mfaConfirmModal, mfaStatusText } from '../../../../views/mfa.js';
import type { SubcommandArgs, SubcommandResult } from '../types.js';

/** The QR image and the URI go to the admin's DM; nothing else holds them. */
async function sendEnrolment(client: WebClient, userId: string, uri: string): Promise<void> {
  const channel = await openDm(client, userId);
  await client.filesUploadV2({
    channel_id: channel,
    file: await qrPng(uri),
    filename: 'step-up-qr.png',
    title: 'Step-up QR code',
    alt_text: 'QR code to add Access Key Bot step-up codes to an authenticator app',
  });
  await client.chat.postMessage({ channel, ...enrolmentDm(uri) });
}

/**
 * `admin mfa enroll`: a fresh secret (pending until confirmed), its QR code and URI in the DM, and the
 * modal for the first code. If the modal cannot open in time, the DM's button opens it.
 */
export async function mfaEnroll(args: SubcommandArgs): Promise<SubcommandResult> {
  await args.ackNow();
  const started = await args.ctx.services.mfa.startEnrolment(args.userId);
  // Before the upload: the trigger_id lives 3 seconds, the upload may take longer.
  await args.client.views
    .open({ trigger_id: args.triggerId, view: mfaConfirmModal() })
    .catch((error: unknown) => args.ctx.logger.warn('could not open the enrolment modal', { error, userId: args.userId }));
  await sendEnrolment(args.client, args.userId, started.uri);
  return noticeMessage(':lock: Your QR code and set-up link are in your DM with me. Scan it, then type the first code in the dialog.');
}

export async function mfaStatus(args: SubcommandArgs, userId: string | undefined): Promise<SubcommandResult> {
  return noticeMessage(mfaStatusText(await args.ctx.services.mfa.status(args.userId, userId)));
}

export async function mfaReset(args: SubcommandArgs, userId: string): Promise<SubcommandResult> {
  const result = await args.ctx.services.mfa.reset(args.userId, userId);
  if (!result.done)
    return noticeMessage(
      `:hourglass_flowing_sand: ${result.approvers.length} of ${result.required} admins agreed to reset ${mention(userId)}'s step-up enrolment (${result.approvers.map(mention).join(', ')}). Another admin must run the same command within a day.`,
    );
  return noticeMessage(
    `:white_check_mark: ${mention(userId)}'s step-up enrolment is removed; they can enrol again with \`/accesskey admin mfa enroll\`.`,
  );
}
