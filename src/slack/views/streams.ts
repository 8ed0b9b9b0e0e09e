import { streamTarget } from '../../domain/streams/manage.js';
import type { StreamFormat, StreamStatus } from '../../domain/streams/model.js';
import { plural } from '../../domain/text.js';
import { ACTION, BLOCK, INPUT, VIEW } from '../ids.js';
import type { KnownBlock, ModalView } from './blocks.js';
import { escapeText, mrkdwn, plain, slackDate } from './format.js';

export const FORMAT_LABELS: Record<StreamFormat, string> = {
  json: 'Plain JSON',
  cloudevents: 'CloudEvents 1.0',
  'cloudevents-batch': 'CloudEvents batch',
  ocsf: 'OCSF JSON',
};

const STATE_TEXT = {
  active: ':large_green_circle: active',
  paused: ':double_vertical_bar: paused',
  unverified: ':grey_question: not verified',
};
// A modal holds 100 blocks; the form takes about 10, each stream 3.
const STREAMS_SHOWN = 25;

/** One stream's status line, shared by the modal and App Home: where, how, and how far behind. */
export function streamStatusText(stream: StreamStatus): string {
  const target = escapeText(streamTarget(new URL(stream.url)));
  const filter = stream.actionPrefix === null ? '' : ` · only \`${escapeText(stream.actionPrefix)}…\``;
  const lines = [
    `*${escapeText(stream.name)}* (\`${stream.id}\`) · ${stream.kind} · ${FORMAT_LABELS[stream.format]} · ${target}${filter}`,
    `${STATE_TEXT[stream.state]} · ${stream.lag === 0 ? 'up to date' : `${plural(stream.lag, 'record')} behind`} · sent through #${stream.cursorSeq}`,
  ];
  if (stream.lastError !== null && stream.failures > 0)
    lines.push(
      `:warning: failing (${plural(stream.failures, 'attempt')})${stream.lastErrorAt === null ? '' : ` since ${slackDate(stream.lastErrorAt)}`}: ${escapeText(stream.lastError)}`,
    );
  return lines.join('\n');
}

function streamButtons(stream: StreamStatus): KnownBlock {
  const button = (actionId: string, text: string, style?: 'primary' | 'danger') => ({
    type: 'button' as const,
    action_id: actionId,
    text: plain(text, 75),
    value: stream.id,
    ...(style === undefined ? {} : { style }),
  });
  const elements = [
    ...(stream.state === 'unverified' ? [button(ACTION.streamVerify, 'Verify again', 'primary')] : []),
    ...(stream.state === 'active' ? [button(ACTION.streamPause, 'Pause')] : []),
    ...(stream.state === 'paused' ? [button(ACTION.streamResume, 'Resume', 'primary')] : []),
    ...(stream.state === 'unverified' ? [] : [button(ACTION.streamTest, 'Send test event')]),
    {
      ...button(ACTION.streamDelete, 'Delete', 'danger'),
      confirm: {
        title: plain('Delete this stream?', 100),
        text: plain(`${stream.name} stops receiving the audit log. Its receiver keeps what it got.`, 300),
        confirm: plain('Delete', 30),
        deny: plain('Keep it', 30),
      },
    },
  ];
  return { type: 'actions', block_id: `stream:${stream.id}`, elements };
}

const option = (value: string, text: string) => ({ value, text: plain(text, 75) });

export interface StreamsModalInput {
  streams: StreamStatus[];
  /** What just happened (added, paused, a test's result), shown on top. */
  notice?: string;
  /** A new webhook's signing secret, shown this once. */
  secret?: string;
}

/** `/accesskey admin streams`: every stream with its buttons, then the form to add one or replay. */
export function streamsModal(input: StreamsModalInput): ModalView {
  const blocks: KnownBlock[] = [];
  if (input.notice !== undefined) blocks.push({ type: 'section', text: mrkdwn(input.notice) });
  if (input.secret !== undefined)
    blocks.push({
      type: 'section',
      text: mrkdwn(
        `*Signing secret* (shown once; receivers verify \`webhook-signature\` with it, as Standard Webhooks describes):\n\`\`\`${input.secret}\`\`\``,
      ),
    });
  if (input.streams.length === 0) blocks.push({ type: 'section', text: mrkdwn('No event streams yet. Add one below.') });
  for (const stream of input.streams.slice(0, STREAMS_SHOWN))
    blocks.push({ type: 'divider' }, { type: 'section', text: mrkdwn(streamStatusText(stream)) }, streamButtons(stream));
  blocks.push(
    { type: 'divider' },
    { type: 'header', text: plain('Add a stream', 150) },
    {
      type: 'input',
      block_id: BLOCK.streamName,
      optional: true,
      label: plain('Name', 2000),
      element: { type: 'plain_text_input', action_id: INPUT.streamName, max_length: 80 },
    },
    {
      type: 'input',
      block_id: BLOCK.streamKind,
      optional: true,
      label: plain('Kind', 2000),
      element: {
        type: 'static_select',
        action_id: INPUT.streamKind,
        options: [option('webhook', 'HTTPS webhook (signed)'), option('syslog', 'Syslog over TCP (RFC 5424)')],
      },
    },
    {
      type: 'input',
      block_id: BLOCK.streamUrl,
      optional: true,
      label: plain('URL', 2000),
      hint: plain('https://siem.example.com/hooks/audit, or tcp://host:514 / tls://host:6514 for syslog', 2000),
      element: { type: 'plain_text_input', action_id: INPUT.streamUrl, max_length: 2000 },
    },
    {
      type: 'input',
      block_id: BLOCK.streamFormat,
      optional: true,
      label: plain('Format', 2000),
      element: {
        type: 'static_select',
        action_id: INPUT.streamFormat,
        options: (Object.entries(FORMAT_LABELS) as Array<[StreamFormat, string]>).map(([value, text]) => option(value, text)),
      },
    },
    {
      type: 'input',
      block_id: BLOCK.streamFilter,
      optional: true,
      label: plain('Only actions starting with', 2000),
      hint: plain('For example key. or role.created; empty sends everything', 2000),
      element: { type: 'plain_text_input', action_id: INPUT.streamFilter, max_length: 64 },
    },
    {
      type: 'input',
      block_id: BLOCK.streamCa,
      optional: true,
      label: plain('CA certificate for tls:// (PEM)', 2000),
      element: { type: 'plain_text_input', action_id: INPUT.streamCa, multiline: true, max_length: 3000 },
    },
  );
  if (input.streams.length > 0)
    blocks.push(
      { type: 'header', text: plain('Replay from seq N', 150) },
      {
        type: 'input',
        block_id: BLOCK.streamReplayWhich,
        optional: true,
        label: plain('Stream', 2000),
        element: {
          type: 'static_select',
          action_id: INPUT.streamReplayWhich,
          options: input.streams.slice(0, 100).map((s) => option(s.id, s.name)),
        },
      },
      {
        type: 'input',
        block_id: BLOCK.streamReplaySeq,
        optional: true,
        label: plain('From seq', 2000),
        element: { type: 'number_input', action_id: INPUT.streamReplaySeq, is_decimal_allowed: false, min_value: '1' },
      },
    );
  return {
    type: 'modal',
    callback_id: VIEW.streams,
    title: plain('Event streams', 24),
    submit: plain('Add or replay', 24),
    close: plain('Close', 24),
    blocks,
  };
}
