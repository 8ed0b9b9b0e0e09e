import { stringify } from 'csv-stringify/sync';
import type { StartReviewInput } from '../../../../../domain/reviews.js';
import { plural } from '../../../../../domain/text.js';
import { uploadToDm } from '../../../../delivery/dm.js';
import { onceForCommand } from '../../../../replay.js';
import { escapeText, slackDate } from '../../../../views/format.js';
import { noticeMessage } from '../../../../views/messages.js';
import { reviewStatusMessage } from '../../../../views/reviews.js';
import type { SubcommandArgs, SubcommandResult } from '../types.js';
import { neutralise } from './audit.js';

/** `admin review start …` (docs/offboarding.md, "Access reviews"). */
export async function startReview(args: SubcommandArgs, input: StartReviewInput): Promise<SubcommandResult> {
  // A campaign over thousands of keys writes thousands of rows: Slack gets its acknowledgement first.
  await args.ackNow();
  const result = await args.ctx.services.reviews.start(args.userId, input, { once: onceForCommand(args.triggerId) });
  const { campaign } = result;
  if (result.replayed) return noticeMessage('That review was already started; nothing changed.');
  const scope = campaign.roleName === null ? 'every role' : escapeText(campaign.roleName);
  return noticeMessage(
    `:clipboard: Access review \`${campaign.id}\` started over ${scope}: ${plural(result.keys, 'key')}, each owner asked by DM. Deadline ${slackDate(campaign.deadlineAt)}; unanswered keys will be ${campaign.defaultDecision === 'keep' ? 'kept' : 'made inactive'}. Follow it with \`/accesskey admin review status\`.`,
  );
}

export async function reviewStatus(args: SubcommandArgs): Promise<SubcommandResult> {
  return reviewStatusMessage(await args.ctx.services.reviews.status(args.userId));
}

/**
 * `admin review export <id>`: one row per key (key, owner, reviewer, decision, time, reason), each with
 * the seq and hash of the `review.decided` audit record that covers it, so `npm run audit:verify` and
 * the audit export can vouch for every row.
 */
export async function exportReviewCsv(args: SubcommandArgs, campaignId: string): Promise<SubcommandResult> {
  const { campaign, rows } = await args.ctx.services.reviews.export(args.userId, campaignId);
  const header = ['key_id', 'key_name', 'owner', 'role', 'reviewer', 'decision', 'time', 'reason', 'audit_seq', 'audit_hash'];
  const body = rows.map(({ item, hash }) =>
    [
      item.keyId,
      item.keyName,
      item.ownerId,
      item.roleName ?? '',
      item.decidedBy ?? '',
      item.decision ?? 'open',
      item.decidedAt ?? '',
      item.reason ?? '',
      item.auditSeq === null ? '' : String(item.auditSeq),
      hash ?? '',
    ].map(neutralise),
  );
  await args.ackNow();
  await uploadToDm(args.client, args.userId, {
    filename: `access-review-${campaign.id}.csv`,
    content: stringify([header, ...body]),
    comment: `Access review \`${campaign.id}\`: ${plural(rows.length, 'key')}. Each answered row names the audit record (seq and hash) that covers it.`,
  });
  return noticeMessage(`:page_facing_up: Access review \`${campaign.id}\` sent to your DM with me as CSV.`);
}
