import { ELEMENT_TYPES } from './elements.js';
import { isObject, type JsonObject } from './json.js';

/**
 * Block Kit limits from Slack's Block Kit reference. Slack has no offline schema, so these are the documented limits
 * that real Slack enforces; we check the ones an app can plausibly hit, not the whole grammar.
 */

export interface BlockKitProblem {
  pointer: string;
  message: string;
}

export type Surface = 'message' | 'modal' | 'home';

const BLOCK_LIMIT: Record<Surface, number> = { message: 50, modal: 100, home: 100 };

const KNOWN_BLOCK_TYPES = new Set([
  'section',
  'divider',
  'image',
  'actions',
  'context',
  'input',
  'file',
  'header',
  'video',
  'rich_text',
  'markdown',
  'table',
  'call',
  'context_actions',
  'data_visualization',
  'data_table',
]);

/**
 * Charts and data tables (docs.slack.dev/reference/block-kit/blocks/data-visualization-block and
 * data-table-block, 2026): a chart's title ≤ 50 characters, 1–6 series (pie: segments) of 1–20 points
 * whose labels are the axis categories (≤ 20 characters), series names ≤ 20, axis labels ≤ 50, at most
 * two charts per message; a table's 2–101 rows (the first is the header, never rich_text) of 1–20 equal
 * columns, at most 10,000 characters over all cells, page_size 1–100.
 */
const CHARTS_PER_MESSAGE = 2;
const TABLE_MAX_CHARS = 10_000;

function checkChart(c: Checker, pointer: string, block: JsonObject): void {
  c.length(`${pointer}/title`, block.title, 50, true, 1);
  const chart = block.chart;
  if (!isObject(chart)) {
    c.add(`${pointer}/chart`, 'missing required field');
    return;
  }
  const cp = `${pointer}/chart`;
  if (chart.type === 'pie') {
    c.count(`${cp}/segments`, chart.segments, 6, 1).forEach((segment, i) => {
      if (!isObject(segment) || typeof segment.value !== 'number') c.add(`${cp}/segments/${i}`, 'must be a {label, value} object');
      else c.length(`${cp}/segments/${i}/label`, segment.label, 20, true, 1);
    });
    return;
  }
  if (chart.type !== 'bar' && chart.type !== 'area' && chart.type !== 'line') {
    c.add(`${cp}/type`, 'must be one of pie, bar, area, line');
    return;
  }
  const axis = chart.axis_config;
  const categories = new Set<string>();
  if (!isObject(axis)) c.add(`${cp}/axis_config`, 'missing required field');
  else {
    c.count(`${cp}/axis_config/categories`, axis.categories, 20, 1).forEach((category, i) => {
      c.length(`${cp}/axis_config/categories/${i}`, category, 20, true, 1);
      if (typeof category === 'string') categories.add(category);
    });
    c.length(`${cp}/axis_config/x_label`, axis.x_label, 50);
    c.length(`${cp}/axis_config/y_label`, axis.y_label, 50);
  }
  const names = new Set<string>();
  c.count(`${cp}/series`, chart.series, 6, 1).forEach((series, i) => {
    const sp = `${cp}/series/${i}`;
    if (!isObject(series)) {
      c.add(sp, 'must be a data series object');
      return;
    }
    c.length(`${sp}/name`, series.name, 20, true, 1);
    if (typeof series.name === 'string') {
      if (names.has(series.name)) c.add(`${sp}/name`, `duplicate series name: ${series.name}`);
      names.add(series.name);
    }
    c.count(`${sp}/data`, series.data, 20, 1).forEach((point, j) => {
      if (!isObject(point) || typeof point.value !== 'number' || !Number.isFinite(point.value)) {
        c.add(`${sp}/data/${j}`, 'must be a {label, value} object with a numeric value');
        return;
      }
      c.length(`${sp}/data/${j}/label`, point.label, 20, true, 1);
      if (typeof point.label === 'string' && !categories.has(point.label))
        c.add(`${sp}/data/${j}/label`, `must be one of axis_config.categories: ${point.label}`);
    });
  });
}

function checkDataTable(c: Checker, pointer: string, block: JsonObject): void {
  if (typeof block.caption !== 'string' || block.caption.length === 0) c.add(`${pointer}/caption`, 'missing required field');
  if (block.page_size !== undefined && (!Number.isInteger(block.page_size) || Number(block.page_size) < 1 || Number(block.page_size) > 100))
    c.add(`${pointer}/page_size`, 'must be an integer from 1 to 100');
  const rows = c.count(`${pointer}/rows`, block.rows, 101, 2);
  let columns: number | undefined;
  let chars = 0;
  rows.forEach((row, i) => {
    const rp = `${pointer}/rows/${i}`;
    const cells = c.count(rp, row, 20, 1);
    if (columns === undefined) columns = cells.length;
    else if (cells.length !== columns) c.add(rp, `must have the same number of cells as the header (${columns})`);
    cells.forEach((cell, j) => {
      const cellPointer = `${rp}/${j}`;
      if (!isObject(cell)) {
        c.add(cellPointer, 'must be a raw_text, raw_number or rich_text cell');
        return;
      }
      if (cell.type === 'raw_text') {
        c.length(`${cellPointer}/text`, cell.text, TABLE_MAX_CHARS, true, 1);
        if (typeof cell.text === 'string') chars += cell.text.length;
      } else if (cell.type === 'raw_number') {
        if (typeof cell.value !== 'number' || !Number.isFinite(cell.value)) c.add(`${cellPointer}/value`, 'must be a number');
        c.length(`${cellPointer}/text`, cell.text, TABLE_MAX_CHARS, false, 1);
        chars += typeof cell.text === 'string' ? cell.text.length : String(cell.value).length;
      } else if (cell.type === 'rich_text') {
        if (i === 0) c.add(`${cellPointer}/type`, 'header cells cannot be rich_text');
        chars += JSON.stringify(cell.elements ?? []).length;
      } else c.add(`${cellPointer}/type`, 'must be raw_text, raw_number or rich_text');
    });
  });
  if (chars > TABLE_MAX_CHARS)
    c.add(`${pointer}/rows`, `must hold no more than ${TABLE_MAX_CHARS} characters over all cells (holds ${chars})`);
  const index = block.row_header_column_index;
  if (index !== undefined && (!Number.isInteger(index) || Number(index) < 0 || (columns !== undefined && Number(index) >= columns)))
    c.add(`${pointer}/row_header_column_index`, 'must be the index of one of the columns');
}

const SELECTS_WITH_OPTIONS = new Set(['static_select', 'multi_static_select']);
const OPTION_LIST_LIMITS: Record<string, { min: number; max: number }> = {
  overflow: { min: 1, max: 5 },
  checkboxes: { min: 1, max: 10 },
  radio_buttons: { min: 1, max: 10 },
};

class Checker {
  readonly problems: BlockKitProblem[] = [];

  add(pointer: string, message: string): void {
    this.problems.push({ pointer, message });
  }

  /** Slack phrases length errors as "must be less than N+1 characters". */
  length(pointer: string, value: unknown, max: number, required = false, min = 0): void {
    if (value === undefined || value === null) {
      if (required) this.add(pointer, 'missing required field');
      return;
    }
    if (typeof value !== 'string') {
      this.add(pointer, 'must be a string');
      return;
    }
    if (value.length > max) this.add(pointer, `must be less than ${max + 1} characters`);
    if (value.length < min) this.add(pointer, `must be more than ${min - 1} characters`);
  }

  text(pointer: string, value: unknown, opts: { max: number; min?: number; required?: boolean; plainOnly?: boolean }): void {
    if (value === undefined || value === null) {
      if (opts.required === true) this.add(pointer, 'missing required field');
      return;
    }
    if (!isObject(value)) {
      this.add(pointer, 'must be a text object');
      return;
    }
    if (value.type !== 'plain_text' && value.type !== 'mrkdwn') {
      this.add(`${pointer}/type`, 'must be plain_text or mrkdwn');
    } else if (opts.plainOnly === true && value.type !== 'plain_text') {
      this.add(`${pointer}/type`, 'must be plain_text');
    }
    this.length(`${pointer}/text`, value.text, opts.max, true, opts.min ?? 1);
  }

  count(pointer: string, value: unknown, max: number, min = 0): unknown[] {
    if (value === undefined) {
      if (min > 0) this.add(pointer, 'missing required field');
      return [];
    }
    if (!Array.isArray(value)) {
      this.add(pointer, 'must be an array');
      return [];
    }
    if (value.length > max) this.add(pointer, `must provide no more than ${max} items`);
    if (value.length < min) this.add(pointer, `must provide at least ${min} items`);
    return value;
  }
}

function checkConfirm(c: Checker, pointer: string, confirm: unknown): void {
  if (confirm === undefined) return;
  if (!isObject(confirm)) {
    c.add(pointer, 'must be a confirm object');
    return;
  }
  c.text(`${pointer}/title`, confirm.title, { max: 100, required: true, plainOnly: true });
  c.text(`${pointer}/text`, confirm.text, { max: 300, required: true });
  c.text(`${pointer}/confirm`, confirm.confirm, { max: 30, required: true, plainOnly: true });
  c.text(`${pointer}/deny`, confirm.deny, { max: 30, required: true, plainOnly: true });
}

function checkOption(c: Checker, pointer: string, option: unknown, plainOnly: boolean): void {
  if (!isObject(option)) {
    c.add(pointer, 'must be an option object');
    return;
  }
  c.text(`${pointer}/text`, option.text, { max: 75, required: true, plainOnly });
  c.length(`${pointer}/value`, option.value, 150, true);
  c.text(`${pointer}/description`, option.description, { max: 75 });
  c.length(`${pointer}/url`, option.url, 3000);
}

function checkOptions(c: Checker, pointer: string, element: JsonObject, type: string): void {
  const plainOnly = type !== 'checkboxes' && type !== 'radio_buttons';
  const limits = OPTION_LIST_LIMITS[type];
  if (limits !== undefined) {
    const options = c.count(`${pointer}/options`, element.options, limits.max, limits.min);
    for (const [i, o] of options.entries()) checkOption(c, `${pointer}/options/${i}`, o, plainOnly);
    return;
  }
  if (!SELECTS_WITH_OPTIONS.has(type)) return;
  if (element.options === undefined && element.option_groups === undefined) {
    c.add(`${pointer}/options`, 'must provide options or option_groups');
    return;
  }
  for (const [i, o] of c.count(`${pointer}/options`, element.options, 100).entries()) checkOption(c, `${pointer}/options/${i}`, o, true);
  for (const [gi, g] of c.count(`${pointer}/option_groups`, element.option_groups, 100).entries()) {
    const gp = `${pointer}/option_groups/${gi}`;
    if (!isObject(g)) {
      c.add(gp, 'must be an option group');
      continue;
    }
    c.text(`${gp}/label`, g.label, { max: 75, required: true, plainOnly: true });
    for (const [i, o] of c.count(`${gp}/options`, g.options, 100, 1).entries()) checkOption(c, `${gp}/options/${i}`, o, true);
  }
}

function checkElement(c: Checker, pointer: string, element: unknown): void {
  if (!isObject(element)) {
    c.add(pointer, 'must be an element object');
    return;
  }
  const type = typeof element.type === 'string' ? element.type : '';
  if (!ELEMENT_TYPES.has(type)) {
    c.add(`${pointer}/type`, `unsupported element type: ${type || '(missing)'}`);
    return;
  }
  c.length(`${pointer}/action_id`, element.action_id, 255);
  c.text(`${pointer}/placeholder`, element.placeholder, { max: 150, plainOnly: true });
  checkConfirm(c, `${pointer}/confirm`, element.confirm);
  checkOptions(c, pointer, element, type);
  switch (type) {
    case 'button':
      c.text(`${pointer}/text`, element.text, { max: 75, required: true, plainOnly: true });
      c.length(`${pointer}/value`, element.value, 2000);
      c.length(`${pointer}/url`, element.url, 3000);
      if (element.style !== undefined && element.style !== 'primary' && element.style !== 'danger') {
        c.add(`${pointer}/style`, 'must be primary or danger');
      }
      break;
    case 'plain_text_input':
      for (const key of ['min_length', 'max_length'] as const) {
        const n = element[key];
        if (n !== undefined && (typeof n !== 'number' || n < 0 || n > 3000)) c.add(`${pointer}/${key}`, 'must be between 0 and 3000');
      }
      break;
    case 'datepicker':
      if (element.initial_date !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(String(element.initial_date))) {
        c.add(`${pointer}/initial_date`, 'must be in YYYY-MM-DD format');
      }
      break;
    case 'timepicker':
      if (element.initial_time !== undefined && !/^\d{2}:\d{2}$/.test(String(element.initial_time))) {
        c.add(`${pointer}/initial_time`, 'must be in HH:mm format');
      }
      break;
    case 'datetimepicker':
      if (
        element.initial_date_time !== undefined &&
        !(Number.isInteger(element.initial_date_time) && String(element.initial_date_time).length === 10)
      ) {
        c.add(`${pointer}/initial_date_time`, 'must be a 10-digit Unix timestamp in seconds');
      }
      break;
    case 'image':
      c.length(`${pointer}/alt_text`, element.alt_text, 2000, true);
      if (element.slack_file === undefined) c.length(`${pointer}/image_url`, element.image_url, 3000, true);
      break;
    default:
      break;
  }
}

function checkUniqueActionIds(c: Checker, pointer: string, elements: unknown[]): void {
  const seen = new Set<string>();
  elements.forEach((e, i) => {
    if (!isObject(e) || typeof e.action_id !== 'string') return;
    if (seen.has(e.action_id)) c.add(`${pointer}/${i}/action_id`, `duplicate action_id: ${e.action_id}`);
    seen.add(e.action_id);
  });
}

function checkBlock(c: Checker, pointer: string, block: unknown): void {
  if (!isObject(block)) {
    c.add(pointer, 'must be a block object');
    return;
  }
  const type = typeof block.type === 'string' ? block.type : '';
  if (!KNOWN_BLOCK_TYPES.has(type)) {
    c.add(`${pointer}/type`, `unsupported block type: ${type || '(missing)'}`);
    return;
  }
  c.length(`${pointer}/block_id`, block.block_id, 255);
  switch (type) {
    case 'section': {
      c.text(`${pointer}/text`, block.text, { max: 3000 });
      const fields = c.count(`${pointer}/fields`, block.fields, 10);
      for (const [i, f] of fields.entries()) c.text(`${pointer}/fields/${i}`, f, { max: 2000, required: true });
      if (block.text === undefined && block.fields === undefined) c.add(pointer, 'must provide text or fields');
      if (block.accessory !== undefined) checkElement(c, `${pointer}/accessory`, block.accessory);
      break;
    }
    case 'header':
      c.text(`${pointer}/text`, block.text, { max: 150, required: true, plainOnly: true });
      break;
    case 'context':
      c.count(`${pointer}/elements`, block.elements, 10, 1).forEach((e, i) => {
        const ep = `${pointer}/elements/${i}`;
        if (isObject(e) && e.type === 'image') checkElement(c, ep, e);
        else c.text(ep, e, { max: 3000, required: true });
      });
      break;
    case 'actions': {
      const elements = c.count(`${pointer}/elements`, block.elements, 25, 1);
      for (const [i, e] of elements.entries()) checkElement(c, `${pointer}/elements/${i}`, e);
      checkUniqueActionIds(c, `${pointer}/elements`, elements);
      break;
    }
    case 'input':
      c.text(`${pointer}/label`, block.label, { max: 2000, required: true, plainOnly: true });
      c.text(`${pointer}/hint`, block.hint, { max: 2000, plainOnly: true });
      if (block.element === undefined) c.add(`${pointer}/element`, 'missing required field');
      else checkElement(c, `${pointer}/element`, block.element);
      break;
    case 'image':
      c.length(`${pointer}/alt_text`, block.alt_text, 2000, true);
      if (block.slack_file === undefined) c.length(`${pointer}/image_url`, block.image_url, 3000, true);
      c.text(`${pointer}/title`, block.title, { max: 2000, plainOnly: true });
      break;
    case 'markdown':
      c.length(`${pointer}/text`, block.text, 12000, true, 1);
      break;
    case 'data_visualization':
      checkChart(c, pointer, block);
      break;
    case 'data_table':
      checkDataTable(c, pointer, block);
      break;
    default:
      break;
  }
}

/** Validates a blocks array for one surface; `pointer` is the JSON pointer of the array in the request. */
export function checkBlocks(blocks: unknown, surface: Surface, pointer: string): BlockKitProblem[] {
  const c = new Checker();
  const list = c.count(pointer, blocks, BLOCK_LIMIT[surface]);
  const blockIds = new Set<string>();
  let charts = 0;
  list.forEach((block, i) => {
    checkBlock(c, `${pointer}/${i}`, block);
    if (isObject(block) && block.type === 'data_visualization' && ++charts > CHARTS_PER_MESSAGE)
      c.add(`${pointer}/${i}`, `no more than ${CHARTS_PER_MESSAGE} data_visualization blocks per message`);
    if (isObject(block) && typeof block.block_id === 'string') {
      if (blockIds.has(block.block_id)) c.add(`${pointer}/${i}/block_id`, `duplicate block_id: ${block.block_id}`);
      blockIds.add(block.block_id);
    }
  });
  return c.problems;
}

/** Validates a view object (views.open/push/update/publish and response_action update/push). */
export function checkView(view: unknown, pointer = '/view'): BlockKitProblem[] {
  const c = new Checker();
  if (!isObject(view)) {
    c.add(pointer, 'must be a view object');
    return c.problems;
  }
  if (view.type !== 'modal' && view.type !== 'home') {
    c.add(`${pointer}/type`, 'must be modal or home');
    return c.problems;
  }
  const surface: Surface = view.type;
  if (surface === 'modal') {
    c.text(`${pointer}/title`, view.title, { max: 24, min: 1, required: true, plainOnly: true });
    c.text(`${pointer}/submit`, view.submit, { max: 24, plainOnly: true });
    c.text(`${pointer}/close`, view.close, { max: 24, plainOnly: true });
  } else {
    c.text(`${pointer}/title`, view.title, { max: 24, min: 1, plainOnly: true });
    if (view.submit !== undefined && view.submit !== null) c.add(`${pointer}/submit`, 'home views cannot have submit');
    if (view.close !== undefined && view.close !== null) c.add(`${pointer}/close`, 'home views cannot have close');
  }
  c.length(`${pointer}/private_metadata`, view.private_metadata, 3000);
  c.length(`${pointer}/callback_id`, view.callback_id, 255);
  c.length(`${pointer}/external_id`, view.external_id, 255);
  if (view.blocks === undefined) c.add(`${pointer}/blocks`, 'missing required field');
  c.problems.push(...checkBlocks(view.blocks ?? [], surface, `${pointer}/blocks`));
  if (surface === 'modal' && (view.submit === undefined || view.submit === null) && Array.isArray(view.blocks)) {
    const inputIndex = view.blocks.findIndex((b) => isObject(b) && b.type === 'input');
    if (inputIndex >= 0) c.add(`${pointer}/blocks/${inputIndex}/input`, 'must define submit to use input block');
  }
  return c.problems;
}

/** Slack's response_metadata.messages format, e.g. "[ERROR] must be less than 3001 characters [json-pointer:/blocks/0/text/text]". */
export function problemMessages(problems: BlockKitProblem[]): string[] {
  return problems.map((p) => `[ERROR] ${p.message} [json-pointer:${p.pointer}]`);
}

export const VIEW_MAX_BYTES = 250_000;
