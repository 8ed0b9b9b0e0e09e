import { cloneJson, isObject, objectsIn, type JsonObject } from './json.js';

/**
 * Finding interactive elements in stored blocks and turning a simulated user gesture into the
 * `actions[]` entry / `state.values` entry that Slack would send for that element type.
 */

export interface LocatedElement {
  blockId: string;
  block: JsonObject;
  element: JsonObject;
  actionId: string;
}

/** What the simulated user picked. A string picks an option by value, an array picks several. */
export type UserInput = string | number | boolean | string[] | null;

export function* interactiveElements(blocks: unknown): Generator<LocatedElement> {
  for (const block of objectsIn(blocks)) {
    const blockId = typeof block.block_id === 'string' ? block.block_id : '';
    const candidates: JsonObject[] = [];
    if (isObject(block.accessory)) candidates.push(block.accessory);
    if (isObject(block.element)) candidates.push(block.element);
    if (block.type === 'actions') candidates.push(...objectsIn(block.elements));
    for (const element of candidates) {
      if (typeof element.action_id === 'string') yield { blockId, block, element, actionId: element.action_id };
    }
  }
}

function allOptions(element: JsonObject): JsonObject[] {
  const direct = objectsIn(element.options);
  const grouped = objectsIn(element.option_groups).flatMap((g) => objectsIn(g.options));
  return [...direct, ...grouped];
}

/** The option payload Slack sends: text and value (plus description when the app set one). */
function optionPayload(option: JsonObject): JsonObject {
  const out: JsonObject = { text: cloneJson(option.text), value: option.value };
  if (option.description !== undefined) out.description = cloneJson(option.description);
  return out;
}

/** Pickers whose choices are the workspace's people or conversations. */
const WORKSPACE_PICKERS: ReadonlySet<string> = new Set([
  'users_select',
  'multi_users_select',
  'conversations_select',
  'multi_conversations_select',
  'channels_select',
  'multi_channels_select',
]);

function findOption(element: JsonObject, value: string): JsonObject {
  const option = allOptions(element).find((o) => o.value === value);
  if (option === undefined) {
    const known = allOptions(element).map((o) => String(o.value));
    throw new Error(`element ${String(element.action_id)} has no option with value "${value}" (options: ${known.join(', ')})`);
  }
  return optionPayload(option);
}

/** Whether an element matches a caller's `value` filter (a button's value, or one of its options). */
export function elementOffers(element: JsonObject, value: string): boolean {
  if (element.type === 'button') return element.value === value;
  // A people or conversation picker offers the whole workspace, not options listed in the element.
  if (WORKSPACE_PICKERS.has(String(element.type))) return true;
  return allOptions(element).some((o) => o.value === value);
}

function asList(input: UserInput): string[] {
  if (Array.isArray(input)) return input;
  if (input === null || input === undefined) return [];
  return [String(input)];
}

/**
 * The type-specific part of a state value / action for an element. `input === undefined` means
 * "whatever the element currently shows", i.e. its initial value, which is what Slack reports for
 * untouched elements.
 */
type Selection = (element: JsonObject, input: UserInput | undefined) => JsonObject;

const typedValue: Selection = (element, input) => ({
  value: input === undefined ? (element.initial_value ?? null) : input === null ? null : String(input),
});
/** A typed-in option (external selects): Slack reports what the app's options endpoint offered. */
const typedOption = (v: string): JsonObject => ({ text: { type: 'plain_text', text: v }, value: v });
const oneOption =
  (toOption: (element: JsonObject, v: string) => JsonObject): Selection =>
  (element, input) => {
    if (input === undefined) return { selected_option: isObject(element.initial_option) ? optionPayload(element.initial_option) : null };
    return { selected_option: input === null ? null : toOption(element, String(input)) };
  };
const severalOptions =
  (toOption: (element: JsonObject, v: string) => JsonObject): Selection =>
  (element, input) => ({
    selected_options:
      input === undefined ? objectsIn(element.initial_options).map(optionPayload) : asList(input).map((v) => toOption(element, v)),
  });
/** A picker reporting `key`, initially the element's `initial` (users, conversations, channels, a date). */
const picked =
  (key: string, initial: string, several = false): Selection =>
  (element, input) => ({ [key]: input === undefined ? (element[initial] ?? (several ? [] : null)) : several ? asList(input) : input });

/**
 * Every Block Kit element type the emulator knows, each once: what Slack reports when it is used (in
 * `actions[]`, and in `state.values` when `inState`). `block-kit.ts` refuses any other type.
 */
export const ELEMENT_TYPES: ReadonlyMap<string, { inState: boolean; selection?: Selection }> = new Map(
  Object.entries({
    button: { inState: false },
    workflow_button: { inState: false },
    image: { inState: false },
    file_input: { inState: false },
    overflow: { inState: false, selection: oneOption(findOption) },
    plain_text_input: { inState: true, selection: typedValue },
    email_text_input: { inState: true, selection: typedValue },
    url_text_input: { inState: true, selection: typedValue },
    number_input: { inState: true, selection: typedValue },
    rich_text_input: { inState: true, selection: picked('rich_text_value', 'initial_value') },
    datepicker: { inState: true, selection: picked('selected_date', 'initial_date') },
    timepicker: {
      inState: true,
      selection: (element: JsonObject, input: UserInput | undefined): JsonObject => {
        const out = picked('selected_time', 'initial_time')(element, input);
        // Slack echoes the element's timezone back so the app can interpret the time.
        if (typeof element.timezone === 'string') out.timezone = element.timezone;
        return out;
      },
    },
    datetimepicker: {
      inState: true,
      selection: (element: JsonObject, input: UserInput | undefined): JsonObject => ({
        selected_date_time: input === undefined ? (element.initial_date_time ?? null) : input === null ? null : Number(input),
      }),
    },
    checkboxes: { inState: true, selection: severalOptions(findOption) },
    multi_static_select: { inState: true, selection: severalOptions(findOption) },
    multi_external_select: { inState: true, selection: severalOptions((_element, v) => typedOption(v)) },
    static_select: { inState: true, selection: oneOption(findOption) },
    radio_buttons: { inState: true, selection: oneOption(findOption) },
    external_select: { inState: true, selection: oneOption((_element, v) => typedOption(v)) },
    users_select: { inState: true, selection: picked('selected_user', 'initial_user') },
    multi_users_select: { inState: true, selection: picked('selected_users', 'initial_users', true) },
    conversations_select: { inState: true, selection: picked('selected_conversation', 'initial_conversation') },
    multi_conversations_select: { inState: true, selection: picked('selected_conversations', 'initial_conversations', true) },
    channels_select: { inState: true, selection: picked('selected_channel', 'initial_channel') },
    multi_channels_select: { inState: true, selection: picked('selected_channels', 'initial_channels', true) },
  }),
);

const selection: Selection = (element, input) => ELEMENT_TYPES.get(String(element.type))?.selection?.(element, input) ?? {};
const inState = (element: JsonObject): boolean => ELEMENT_TYPES.get(String(element.type))?.inState === true;

export type StateValues = Record<string, Record<string, JsonObject>>;

/**
 * Builds `state.values` for a surface: every stateful element, with its initial value unless the
 * caller supplied one (by action_id, or as an already-shaped state value by block_id/action_id).
 */
export function buildStateValues(blocks: unknown, inputs: Record<string, UserInput> = {}, raw: StateValues = {}): StateValues {
  const values: StateValues = {};
  const usedInputs = new Set<string>();
  for (const { blockId, element, actionId } of interactiveElements(blocks)) {
    if (!inState(element)) continue;
    const given = Object.hasOwn(inputs, actionId) ? inputs[actionId] : undefined;
    if (given !== undefined) usedInputs.add(actionId);
    const blockValues = values[blockId] ?? {};
    blockValues[actionId] = { type: element.type, ...selection(element, given) };
    values[blockId] = blockValues;
  }
  const unknownInputs = Object.keys(inputs).filter((k) => !usedInputs.has(k) && inputs[k] !== undefined);
  if (unknownInputs.length > 0) {
    throw new Error(`no stateful element with action_id ${unknownInputs.join(', ')} in these blocks`);
  }
  for (const [blockId, byAction] of Object.entries(raw)) {
    const known = [...interactiveElements(blocks)].filter((e) => e.blockId === blockId);
    for (const [actionId, value] of Object.entries(byAction)) {
      if (!known.some((e) => e.actionId === actionId)) {
        throw new Error(`no element ${blockId}/${actionId} in these blocks`);
      }
      const blockValues = values[blockId] ?? {};
      blockValues[actionId] = cloneJson(value);
      values[blockId] = blockValues;
    }
  }
  return values;
}

/**
 * State values for what a person entered, keyed block_id → action_id (a browser form knows both).
 * Elements left out keep their initial value; unknown ids are ignored, as Slack ignores them.
 */
export function stateValuesFromForm(blocks: unknown, form: Record<string, Record<string, UserInput>>): StateValues {
  const values: StateValues = {};
  for (const { blockId, element, actionId } of interactiveElements(blocks)) {
    if (!inState(element)) continue;
    const byAction = Object.hasOwn(form, blockId) ? form[blockId] : undefined;
    const given = byAction !== undefined && Object.hasOwn(byAction, actionId) ? byAction[actionId] : undefined;
    if (given === undefined) continue;
    const blockValues = values[blockId] ?? {};
    blockValues[actionId] = { type: element.type, ...selection(element, given) };
    values[blockId] = blockValues;
  }
  return values;
}

/** The `actions[]` entry Slack sends when the user operates `element`. */
export function buildAction(located: LocatedElement, input: UserInput | undefined, actionTs: string): JsonObject {
  const { element, blockId, actionId } = located;
  const base: JsonObject = { type: element.type, action_id: actionId, block_id: blockId, action_ts: actionTs };
  if (element.type === 'button') {
    base.text = cloneJson(element.text);
    if (element.value !== undefined) base.value = element.value;
    if (element.style !== undefined) base.style = element.style;
    if (element.url !== undefined) base.url = element.url;
    return base;
  }
  // An overflow/select click without a chosen value makes no sense to Slack; default to the first option
  // so that "click the overflow" in a test still produces a well-formed payload.
  const firstOption = allOptions(element)[0];
  const effective =
    input === undefined &&
    (element.type === 'overflow' || element.type === 'static_select' || element.type === 'radio_buttons') &&
    firstOption !== undefined
      ? String(firstOption.value)
      : input;
  return { ...base, ...selection(element, effective) };
}

/**
 * Slack assigns a random block_id / action_id to blocks and elements that have none, and those ids
 * appear in stored messages and in interaction payloads. Doing the same keeps payloads realistic.
 */
export function withGeneratedIds(blocks: unknown, randomId: () => string): JsonObject[] {
  const list = cloneJson(objectsIn(blocks));
  for (const block of list) {
    if (typeof block.block_id !== 'string') block.block_id = randomId();
    const elements: JsonObject[] = [];
    if (isObject(block.accessory)) elements.push(block.accessory);
    if (isObject(block.element)) elements.push(block.element);
    if (block.type === 'actions') elements.push(...objectsIn(block.elements));
    for (const element of elements) {
      if (typeof element.action_id !== 'string' && element.type !== 'image') element.action_id = randomId();
    }
  }
  return list;
}
