import { parseStreamButton } from '../../input/streams.js';
import { escapeText } from '../../views/format.js';
import { streamsModal } from '../../views/streams.js';
import type { ListenerContext } from '../context.js';
import { clickFacts, type ButtonArgs } from './button.js';

/**
 * Every button under a stream in the streams modal: pause, resume, delete, send a test event, or verify a
 * webhook again. Acknowledges first, acts, then redraws the modal with the outcome on top.
 */
export const streamButton =
  (ctx: ListenerContext) =>
  async (args: ButtonArgs): Promise<void> => {
    await args.ack();
    const click = clickFacts(args);
    const parsed = parseStreamButton(args.action.action_id, click.value);
    const viewId = args.body.view?.id;
    if (parsed === undefined || viewId === undefined) return;
    const { services } = ctx;
    const { verb, streamId } = parsed;
    let notice: string;
    switch (verb) {
      case 'pause':
        notice = `:double_vertical_bar: *${escapeText((await services.streams.pause(click.userId, streamId)).name)}* paused; it resumes where it stopped.`;
        break;
      case 'resume':
        notice = `:arrow_forward: *${escapeText((await services.streams.resume(click.userId, streamId)).name)}* resumed.`;
        break;
      case 'delete':
        await services.streams.delete(click.userId, streamId);
        notice = ':wastebasket: Stream deleted.';
        break;
      case 'test': {
        const outcome = await services.streams.sendTest(click.userId, streamId);
        notice =
          outcome.kind === 'delivered'
            ? ':white_check_mark: The test event was delivered.'
            : `:warning: The test event was not delivered: ${escapeText(outcome.error)}`;
        break;
      }
      case 'verify': {
        const { challenge } = await services.streams.verify(click.userId, streamId);
        notice =
          challenge.kind === 'passed'
            ? ':white_check_mark: The webhook answered the challenge and is enabled.'
            : `:warning: The webhook did not answer the challenge: ${escapeText(challenge.error)}`;
        break;
      }
    }
    const streams = await services.streams.list(click.userId);
    await args.client.views.update({ view_id: viewId, view: streamsModal({ streams, notice }) });
  };
