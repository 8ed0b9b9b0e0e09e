import { z } from 'zod';
import { streamFormats, streamKinds } from '../../domain/streams/model.js';
import type { AddStreamInput } from '../../domain/streams/manage.js';
import { ACTION, BLOCK, INPUT } from '../ids.js';
import type { Parsed } from './views.js';

const text = z.object({ value: z.string().nullish() }).nullish();
const selected = z.object({ selected_option: z.object({ value: z.string() }).nullish() }).nullish();

const streamsState = z.object({
  [BLOCK.streamName]: z
    .object({ [INPUT.streamName]: text })
    .partial()
    .optional(),
  [BLOCK.streamKind]: z
    .object({ [INPUT.streamKind]: selected })
    .partial()
    .optional(),
  [BLOCK.streamUrl]: z
    .object({ [INPUT.streamUrl]: text })
    .partial()
    .optional(),
  [BLOCK.streamFormat]: z
    .object({ [INPUT.streamFormat]: selected })
    .partial()
    .optional(),
  [BLOCK.streamFilter]: z
    .object({ [INPUT.streamFilter]: text })
    .partial()
    .optional(),
  [BLOCK.streamCa]: z
    .object({ [INPUT.streamCa]: text })
    .partial()
    .optional(),
  [BLOCK.streamReplayWhich]: z
    .object({ [INPUT.streamReplayWhich]: selected })
    .partial()
    .optional(),
  [BLOCK.streamReplaySeq]: z
    .object({ [INPUT.streamReplaySeq]: text })
    .partial()
    .optional(),
});

export type StreamsSubmission =
  | { kind: 'add'; input: AddStreamInput }
  | { kind: 'replay'; streamId: string; fromSeq: number }
  | { kind: 'nothing' };

const filled = (value: string | null | undefined): string | undefined => {
  const trimmed = value?.trim();
  return trimmed === undefined || trimmed === '' ? undefined : trimmed;
};

/**
 * The streams modal's form: either a new stream (name, kind, URL, format; filter and CA optional) or a
 * replay (stream and seq). Errors are placed by the field that needs attention.
 */
export function parseStreamsSubmission(values: unknown): Parsed<StreamsSubmission> {
  const state = streamsState.safeParse(values);
  if (!state.success) return { ok: false, errors: { [BLOCK.streamName]: 'This form could not be read. Please open it again.' } };
  const v = state.data;
  const name = filled(v[BLOCK.streamName]?.[INPUT.streamName]?.value);
  const kind = v[BLOCK.streamKind]?.[INPUT.streamKind]?.selected_option?.value;
  const url = filled(v[BLOCK.streamUrl]?.[INPUT.streamUrl]?.value);
  const format = v[BLOCK.streamFormat]?.[INPUT.streamFormat]?.selected_option?.value;
  const actionPrefix = filled(v[BLOCK.streamFilter]?.[INPUT.streamFilter]?.value);
  const tlsCa = filled(v[BLOCK.streamCa]?.[INPUT.streamCa]?.value);
  const replayWhich = v[BLOCK.streamReplayWhich]?.[INPUT.streamReplayWhich]?.selected_option?.value;
  const replaySeq = filled(v[BLOCK.streamReplaySeq]?.[INPUT.streamReplaySeq]?.value);

  const adding = [name, kind, url, format, actionPrefix, tlsCa].some((x) => x !== undefined);
  const replaying = replayWhich !== undefined || replaySeq !== undefined;
  if (adding && replaying) return { ok: false, errors: { [BLOCK.streamReplayWhich]: 'Add a stream or replay one, not both at once.' } };
  if (replaying) {
    if (replayWhich === undefined) return { ok: false, errors: { [BLOCK.streamReplayWhich]: 'Pick the stream to replay.' } };
    const seq = z.coerce.number().int().min(1).safeParse(replaySeq);
    if (!seq.success) return { ok: false, errors: { [BLOCK.streamReplaySeq]: 'Give the seq to replay from (1 or more).' } };
    return { ok: true, value: { kind: 'replay', streamId: replayWhich, fromSeq: seq.data } };
  }
  if (!adding) return { ok: true, value: { kind: 'nothing' } };
  if (name === undefined) return { ok: false, errors: { [BLOCK.streamName]: 'Give the stream a name.' } };
  const parsedKind = z.enum(streamKinds).safeParse(kind);
  if (!parsedKind.success) return { ok: false, errors: { [BLOCK.streamKind]: 'Pick webhook or syslog.' } };
  if (url === undefined) return { ok: false, errors: { [BLOCK.streamUrl]: 'Give the URL to send to.' } };
  const parsedFormat = z.enum(streamFormats).safeParse(format);
  if (!parsedFormat.success) return { ok: false, errors: { [BLOCK.streamFormat]: 'Pick a format.' } };
  return {
    ok: true,
    value: {
      kind: 'add',
      input: { name, kind: parsedKind.data, url, format: parsedFormat.data, actionPrefix, tlsCa },
    },
  };
}

export type StreamVerb = 'pause' | 'resume' | 'test' | 'verify' | 'delete';

/** Which stream button was pressed (by its action_id) and on which stream (its value). */
export function parseStreamButton(actionId: string, value: string): { verb: StreamVerb; streamId: string } | undefined {
  const verbs: Record<string, StreamVerb> = {
    [ACTION.streamPause]: 'pause',
    [ACTION.streamResume]: 'resume',
    [ACTION.streamTest]: 'test',
    [ACTION.streamVerify]: 'verify',
    [ACTION.streamDelete]: 'delete',
  };
  const verb = verbs[actionId];
  const id = z
    .string()
    .regex(/^st_[A-Za-z0-9_-]{4,40}$/)
    .safeParse(value);
  return verb === undefined || !id.success ? undefined : { verb, streamId: id.data };
}
