import { z } from 'zod';
import type { ExpiryChoice } from '../../domain/time.js';
import { BLOCK, INPUT } from '../ids.js';
import { EXTEND_CHOICES } from '../views/modals.js';
import { KEY_NAME_MAX_CHARS } from '../../domain/limits.js';
import { parseNetworkList } from '../../domain/networks.js';

/** Per-block error texts, as `response_action: "errors"` wants them. */
export type BlockErrors = Record<string, string>;
export type Parsed<T> = { ok: true; value: T } | { ok: false; errors: BlockErrors };

const textValue = z.object({ value: z.string().nullish() });
const selectedOptions = z.object({ selected_options: z.array(z.object({ value: z.string() })).nullish() });
const selectedOption = z.object({ selected_option: z.object({ value: z.string() }).nullish() });
// Slack sends Unix seconds; a picker left empty sends null.
const dateTimeValue = z.object({ selected_date_time: z.number().int().nullish() });

const stateValues = z.record(z.string(), z.record(z.string(), z.unknown()));

function field<T extends z.ZodType>(
  values: z.infer<typeof stateValues>,
  blockId: string,
  actionId: string,
  schema: T,
): z.infer<T> | undefined {
  const parsed = schema.safeParse(values[blockId]?.[actionId]);
  return parsed.success ? parsed.data : undefined;
}

function pickedInstant(values: z.infer<typeof stateValues>): Date | undefined {
  const seconds = field(values, BLOCK.expiryAt, INPUT.expiryAt, dateTimeValue)?.selected_date_time;
  return seconds === null || seconds === undefined ? undefined : new Date(seconds * 1000);
}

/** What the create and networks modals say about networks (docs/least-privilege.md). */
export interface NetworkChoice {
  networks: string[];
  reportOnly: boolean;
}

/** The networks field (checked, canonical) and the report-only box; problems go under the field, all of them. */
function networkChoice(values: z.infer<typeof stateValues>, errors: BlockErrors): NetworkChoice {
  const text = field(values, BLOCK.networks, INPUT.networks, textValue)?.value ?? '';
  const parsed = parseNetworkList(text);
  if (!parsed.ok) errors[BLOCK.networks] = parsed.problems.join('; ').slice(0, 1900);
  const reportOnly = (field(values, BLOCK.networkReportOnly, INPUT.networkReportOnly, selectedOptions)?.selected_options ?? []).some(
    (o) => o.value === 'on',
  );
  return { networks: parsed.ok ? parsed.networks : [], reportOnly };
}

/** The ticked permissions of every permission group (block `permissions_block_<n>`, action `permissions_input_<n>`). */
function ticked(values: z.infer<typeof stateValues>): string[] {
  const prefix = `${BLOCK.permissions}_`;
  return Object.keys(values)
    .filter((blockId) => blockId.startsWith(prefix))
    .flatMap((blockId) => {
      const group = blockId.slice(prefix.length);
      return field(values, blockId, `${INPUT.permissions}_${group}`, selectedOptions)?.selected_options ?? [];
    })
    .map((option) => option.value);
}

/** `/accesskey networks <key>`: the modal's state → networks, or errors under the field. */
export function parseNetworksState(raw: unknown): Parsed<NetworkChoice> {
  const values = stateValues.safeParse(raw);
  if (!values.success) return { ok: false, errors: { [BLOCK.networks]: 'The form could not be read. Please open it again.' } };
  const errors: BlockErrors = {};
  const choice = networkChoice(values.data, errors);
  return Object.keys(errors).length > 0 ? { ok: false, errors } : { ok: true, value: choice };
}

/** The create modal's state → name, R5 expiry choice, permissions and networks, or errors on the offending blocks. */
export function parseCreateKeyState(
  raw: unknown,
  now: Date,
): Parsed<{ name: string; expiry: ExpiryChoice; permissions: string[] } & NetworkChoice> {
  const values = stateValues.safeParse(raw);
  if (!values.success) return { ok: false, errors: { [BLOCK.name]: 'The form could not be read. Please open it again.' } };
  const name = field(values.data, BLOCK.name, INPUT.name, textValue)?.value ?? '';
  const expiryOn = (field(values.data, BLOCK.expiry, INPUT.expiryEnabled, selectedOptions)?.selected_options ?? []).some(
    (o) => o.value === 'on',
  );
  const at = pickedInstant(values.data);
  const errors: BlockErrors = {};
  if (name.trim() === '') errors[BLOCK.name] = 'Give the key a name.';
  else if ([...name.trim()].length > KEY_NAME_MAX_CHARS) errors[BLOCK.name] = `A key name can be at most ${KEY_NAME_MAX_CHARS} characters.`;
  if (at !== undefined && !expiryOn)
    errors[BLOCK.expiryAt] = 'Tick "Set key expiry" to use this date, or clear it for a key that never expires.';
  else if (at !== undefined && at.getTime() <= now.getTime()) errors[BLOCK.expiryAt] = 'The expiry must be in the future.';
  const networks = networkChoice(values.data, errors);
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  const expiry: ExpiryChoice = !expiryOn ? { kind: 'never' } : at === undefined ? { kind: 'default' } : { kind: 'at', at };
  return { ok: true, value: { name, expiry, permissions: ticked(values.data), ...networks } };
}

export function parseExtendKeyState(raw: unknown, now: Date): Parsed<ExpiryChoice> {
  const values = stateValues.safeParse(raw);
  if (!values.success) return { ok: false, errors: { [BLOCK.extendChoice]: 'The form could not be read. Please open it again.' } };
  const choice = field(values.data, BLOCK.extendChoice, INPUT.extendChoice, selectedOption)?.selected_option?.value;
  const at = pickedInstant(values.data);
  if (choice === EXTEND_CHOICES.never) return { ok: true, value: { kind: 'never' } };
  if (choice === EXTEND_CHOICES.month) return { ok: true, value: { kind: 'default' } };
  if (choice !== EXTEND_CHOICES.at) return { ok: false, errors: { [BLOCK.extendChoice]: 'Pick a new expiry.' } };
  if (at === undefined) return { ok: false, errors: { [BLOCK.expiryAt]: 'Pick the date and time the key should expire.' } };
  if (at.getTime() <= now.getTime()) return { ok: false, errors: { [BLOCK.expiryAt]: 'The expiry must be in the future.' } };
  return { ok: true, value: { kind: 'at', at } };
}

/** What a modal carries from where it was opened to its submission. */
export const modalOrigin = z.object({
  /** Where results go: the slash command's or message's response_url. */
  responseUrl: z.url().optional(),
  /** Where the modal was opened from, to refresh that surface afterwards. */
  source: z.enum(['command', 'list', 'list_all', 'details', 'home', 'outcome', 'warning']).default('command'),
  keyId: z.string().max(100).optional(),
});
export type ModalOrigin = z.infer<typeof modalOrigin>;

/** JSON we wrote into a view; anything that is not JSON reads as nothing (zod then refuses it). */
function parseJson(raw: unknown): unknown {
  if (typeof raw !== 'string' || raw === '') return undefined;
  try {
    return JSON.parse(raw);
  } catch (error) {
    if (error instanceof SyntaxError) return undefined;
    throw error;
  }
}

export function parseModalOrigin(raw: unknown): ModalOrigin {
  const parsed = modalOrigin.safeParse(parseJson(raw) ?? {});
  return parsed.success ? parsed.data : { source: 'command' };
}

const denyMetadata = z.object({ requestId: z.string().min(1).max(100), channel: z.string().optional(), ts: z.string().optional() });
const denyReasonState = z.object({
  [BLOCK.denyReason]: z.object({ [INPUT.denyReason]: z.object({ value: z.string().max(500).nullish() }) }),
});

/** The deny modal: which request (from its metadata, with the card to update) and the optional reason. */
export function parseDenyRequest(
  privateMetadata: string,
  values: unknown,
): Parsed<{ requestId: string; card: { channel?: string; ts?: string }; reason?: string }> {
  const meta = denyMetadata.safeParse(parseJson(privateMetadata));
  if (!meta.success) return { ok: false, errors: { [BLOCK.denyReason]: 'This form lost track of its request. Please press Deny again.' } };
  const state = denyReasonState.safeParse(values);
  if (!state.success) return { ok: false, errors: { [BLOCK.denyReason]: 'Keep the reason under 500 characters.' } };
  const reason = state.data[BLOCK.denyReason][INPUT.denyReason].value ?? undefined;
  return {
    ok: true,
    value: {
      requestId: meta.data.requestId,
      card: { channel: meta.data.channel, ts: meta.data.ts },
      ...(reason === undefined ? {} : { reason }),
    },
  };
}

const reviewKeepMetadata = z.object({
  campaignId: z.string().regex(/^rev_[0-9A-Za-z]{1,40}$/),
  keyId: z.string().min(1).max(100),
  channel: z.string().max(50).optional(),
  ts: z.string().max(50).optional(),
});
const reviewReasonState = z.object({
  [BLOCK.reviewReason]: z.object({ [INPUT.reviewReason]: z.object({ value: z.string().max(500).nullish() }) }),
});

/** The access review's "why keep this System Admin key" modal: which item (and its DM), and the reason. */
export function parseReviewKeepReason(
  privateMetadata: string,
  values: unknown,
): Parsed<{ campaignId: string; keyId: string; dm: { channel?: string; ts?: string }; reason: string }> {
  const meta = reviewKeepMetadata.safeParse(parseJson(privateMetadata));
  if (!meta.success) return { ok: false, errors: { [BLOCK.reviewReason]: 'This form lost track of its review. Please press Keep again.' } };
  const state = reviewReasonState.safeParse(values);
  if (!state.success) return { ok: false, errors: { [BLOCK.reviewReason]: 'Keep the reason under 500 characters.' } };
  const reason = (state.data[BLOCK.reviewReason][INPUT.reviewReason].value ?? '').trim();
  if (reason === '') return { ok: false, errors: { [BLOCK.reviewReason]: 'Say why this System Admin key is still needed.' } };
  const { campaignId, keyId, channel, ts } = meta.data;
  return { ok: true, value: { campaignId, keyId, dm: { channel, ts }, reason } };
}
