import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import type { AppError } from '../../../errors.js';
import { BLOCK } from '../../ids.js';
import { parseStreamsSubmission } from '../../input/streams.js';
import { escapeText } from '../../views/format.js';
import { streamsModal } from '../../views/streams.js';
import type { ListenerContext } from '../context.js';

/** A refusal about the replay (the seq) shows by the seq; every other one by the URL, where most are. */
export const streamsErrorField = (error: AppError): string =>
  /seq|audit log ends/i.test(error.message) ? BLOCK.streamReplaySeq : BLOCK.streamUrl;

/**
 * The streams modal's submission: adds a stream (a webhook answers its challenge first, within Slack's
 * 3 s) or replays one, then shows the list again with the outcome, and a new webhook's secret once.
 * The modal stays open (`update`), so the same view can be submitted again: the view's hash, which
 * changes with every update, makes each submission its own replay marker.
 */
export function streamsSubmission(ctx: ListenerContext) {
  return async ({ ack, body, view }: SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs): Promise<void> => {
    const userId = body.user.id;
    const parsed = parseStreamsSubmission(view.state.values);
    if (!parsed.ok) {
      await ack({ response_action: 'errors', errors: parsed.errors });
      return;
    }
    const once = `streams:${view.id}:${view.hash}`;
    const submission = parsed.value;
    if (submission.kind === 'nothing') {
      await ack();
      return;
    }
    if (submission.kind === 'replay') {
      const stream = await ctx.services.streams.replay(userId, { id: submission.streamId, fromSeq: submission.fromSeq }, { once });
      const streams = await ctx.services.streams.list(userId);
      const notice = `:repeat: *${escapeText(stream.name)}* will send everything from #${submission.fromSeq} again (same event ids).`;
      await ack({ response_action: 'update', view: streamsModal({ streams, notice }) });
      return;
    }
    const result = await ctx.services.streams.add(userId, submission.input, { once });
    if (result === 'replayed') {
      await ack();
      return;
    }
    const streams = await ctx.services.streams.list(userId);
    const name = `*${escapeText(result.stream.name)}*`;
    const notice =
      result.challenge === null
        ? `:white_check_mark: ${name} added; it receives everything from now on.`
        : result.challenge.kind === 'passed'
          ? `:white_check_mark: ${name} answered the verification challenge and is enabled.`
          : `:warning: ${name} was added but did not pass the verification challenge (${escapeText(result.challenge.error)}), so nothing is sent to it yet. Fix the receiver and press *Verify again*.`;
    await ack({ response_action: 'update', view: streamsModal({ streams, notice, secret: result.secret ?? undefined }) });
  };
}
