// @ts-check
// Block Kit as accessible DOM: every block and element the app sends, drawn the way Slack draws them.
// A surface says where the blocks live and what to do when a person operates an element; a gesture is
// what the server turns into Slack's payload.

import { renderPlain, renderText } from './mrkdwn.js';

/** @import { Names, TextObject } from './mrkdwn.js' */

/**
 * @typedef {object} OptionObject
 * @property {TextObject} text
 * @property {string} value
 * @property {TextObject} [description]
 */

/**
 * @typedef {object} ConfirmObject
 * @property {TextObject} [title]
 * @property {TextObject} [text]
 * @property {TextObject} [confirm]
 * @property {TextObject} [deny]
 * @property {string} [style]
 */

/**
 * An element as the app sends it, with the fields the page draws. The emulator gives every element
 * but an image an action_id, as Slack does.
 * @typedef {object} BlockElement
 * @property {string} type
 * @property {string} action_id
 * @property {TextObject} [text]
 * @property {string} [value]
 * @property {string} [url]
 * @property {string} [style]
 * @property {ConfirmObject} [confirm]
 * @property {OptionObject[]} [options]
 * @property {Array<{ label: TextObject, options: OptionObject[] }>} [option_groups]
 * @property {OptionObject} [initial_option]
 * @property {OptionObject[]} [initial_options]
 * @property {TextObject} [placeholder]
 * @property {boolean} [multiline]
 * @property {number} [max_length]
 * @property {number} [min_length]
 * @property {string} [initial_value]
 * @property {string} [initial_date]
 * @property {string} [initial_time]
 * @property {number} [initial_date_time]
 * @property {string} [image_url]
 * @property {string} [alt_text]
 */

/**
 * A block as the app sends it, with the fields the page draws (which ones depends on its type). The
 * emulator gives every block a block_id, as Slack does.
 * @typedef {object} Block
 * @property {string} type
 * @property {string} block_id
 * @property {TextObject} [text]
 * @property {TextObject[]} [fields]
 * @property {BlockElement} [accessory]
 * @property {BlockElement} [element]
 * @property {Array<BlockElement | TextObject>} [elements] an actions block's elements, a context block's texts and images
 * @property {TextObject} [label]
 * @property {TextObject} [hint]
 * @property {boolean} [optional]
 * @property {boolean} [dispatch_action]
 * @property {string} [image_url]
 * @property {string} [alt_text]
 * @property {TextObject} [title]
 */

/**
 * What a person entered in one element: text, a date, seconds, option value(s); null for nothing.
 * @typedef {string | number | boolean | string[] | null} FormValue
 */

/**
 * block_id → action_id → what was entered: the form the server shapes into state.values.
 * @typedef {Record<string, Record<string, FormValue>>} Form
 */

/**
 * @typedef {object} Gesture
 * @property {string} blockId
 * @property {string} actionId
 * @property {string} [value] a button's value, or the option picked
 * @property {FormValue} [input]
 */

/**
 * Names for mrkdwn, and the people and channels a users or conversations select offers.
 * @typedef {Names & { people: Array<{ id: string, realName: string }>, channels: Array<{ id: string, name: string }> }} SurfaceContext
 */

/**
 * Where blocks live and what happens when a person operates an element.
 * @typedef {object} Surface
 * @property {string} id
 * @property {SurfaceContext} ctx
 * @property {Record<string, string>} [errors] block_id → the error to show under that input
 * @property {(gesture: Gesture, node: HTMLElement) => void} onAction
 * @property {(object: ConfirmObject) => Promise<boolean>} confirm
 */

/** @typedef {string | boolean | null | undefined} PropValue */

let serial = 0;
/** @param {string} prefix */
const uid = (prefix) => {
  serial += 1;
  return `${prefix}-${serial}`;
};

/**
 * An element with attributes (`class`, `text` and properties such as `hidden` are set as such) and children.
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Record<string, PropValue>} [props]
 * @param {...(Node | string | null | undefined)} children
 * @returns {HTMLElementTagNameMap[K]}
 */
function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') node.className = String(value);
    else if (key === 'text') node.textContent = String(value);
    else if (key in node && typeof value !== 'string') Reflect.set(node, key, value);
    else node.setAttribute(key, value === true ? '' : value);
  }
  node.append(...children.filter((c) => c !== undefined && c !== null));
  return node;
}

/** @param {string} type */
function unsupported(type) {
  return el('span', { class: 'bk-unsupported', text: `[${type} is not shown in the sandbox]` });
}

/**
 * Slack's date picker works in the reader's local date; these convert both ways.
 * @param {number} seconds
 */
function toLocalInput(seconds) {
  const d = new Date(seconds * 1000);
  /** @param {number} n */
  const pad = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** @param {string} value */
function fromLocalInput(value) {
  if (value === '') return null;
  const ms = new Date(value).getTime();
  return Number.isFinite(ms) ? Math.floor(ms / 1000) : null;
}

/** @param {OptionObject} option */
function optionLabel(option) {
  return renderPlain(option.text);
}

/**
 * The stateful elements drawn, by node: their ids and how to read and write what the person entered.
 * @type {WeakMap<Element, { blockId: string, actionId: string, read: () => FormValue, write: (value: FormValue) => void }>}
 */
const fields = new WeakMap();

/**
 * Reads what a person entered in every stateful element below `root`.
 * @param {ParentNode} root
 * @returns {Form}
 */
export function readForm(root) {
  /** @type {Form} */
  const form = {};
  for (const node of root.querySelectorAll('[data-action-id]')) {
    const field = fields.get(node);
    if (field === undefined) continue;
    const values = form[field.blockId] ?? {};
    values[field.actionId] = field.read();
    form[field.blockId] = values;
  }
  return form;
}

/**
 * Puts values read by readForm back (a view updated in place keeps what the person typed).
 * @param {ParentNode} root
 * @param {Form} form
 */
export function restoreForm(root, form) {
  for (const node of root.querySelectorAll('[data-action-id]')) {
    const field = fields.get(node);
    const value = field === undefined ? undefined : form[field.blockId]?.[field.actionId];
    if (value !== undefined) field?.write(value);
  }
}

/**
 * @template {HTMLElement} E
 * @param {E} node
 * @param {string} blockId
 * @param {string} actionId
 * @param {() => FormValue} read
 * @param {(value: FormValue) => void} write
 */
function tag(node, blockId, actionId, read, write) {
  node.dataset.blockId = blockId;
  node.dataset.actionId = actionId;
  fields.set(node, { blockId, actionId, read, write });
  return node;
}

/**
 * @param {BlockElement} element
 * @param {Block} block
 * @param {Surface} surface
 */
function button(element, block, surface) {
  const style = element.style === 'primary' ? ' primary' : element.style === 'danger' ? ' danger' : '';
  const node = el('button', { type: 'button', class: `bk-button${style}`, text: renderPlain(element.text) });
  node.dataset.focusKey = `${surface.id}|${block.block_id}|${element.action_id}|${element.value ?? ''}`;
  node.addEventListener('click', async () => {
    if (element.confirm !== undefined && !(await surface.confirm(element.confirm))) return;
    if (element.url !== undefined && /^https?:/.test(element.url)) window.open(element.url, '_blank', 'noopener');
    surface.onAction({ blockId: block.block_id, actionId: element.action_id, value: element.value }, node);
  });
  return node;
}

/**
 * @param {BlockElement} element
 * @param {Block} block
 * @param {Surface} surface
 */
function overflow(element, block, surface) {
  const menuId = uid('menu');
  const trigger = el('button', {
    type: 'button',
    class: 'bk-overflow',
    'aria-haspopup': 'menu',
    'aria-expanded': 'false',
    'aria-controls': menuId,
    'aria-label': 'More actions',
    text: '⋮',
  });
  trigger.dataset.focusKey = `${surface.id}|${block.block_id}|${element.action_id}|overflow`;
  const menu = el('ul', { class: 'bk-menu', role: 'menu', id: menuId, hidden: true });
  /** @param {boolean} refocus */
  const close = (refocus) => {
    menu.hidden = true;
    trigger.setAttribute('aria-expanded', 'false');
    if (refocus) trigger.focus();
  };
  const items = (element.options ?? []).map((option) => {
    const item = el('li', { role: 'menuitem', tabindex: '-1', text: optionLabel(option) });
    const choose = async () => {
      close(true);
      if (element.confirm !== undefined && !(await surface.confirm(element.confirm))) return;
      surface.onAction({ blockId: block.block_id, actionId: element.action_id, value: option.value, input: option.value }, trigger);
    };
    item.addEventListener('click', choose);
    item.addEventListener('keydown', (event) => {
      const index = items.indexOf(item);
      if (event.key === 'Enter' || event.key === ' ') {
        event.preventDefault();
        choose();
      } else if (event.key === 'ArrowDown') {
        event.preventDefault();
        items[(index + 1) % items.length]?.focus();
      } else if (event.key === 'ArrowUp') {
        event.preventDefault();
        items[(index - 1 + items.length) % items.length]?.focus();
      } else if (event.key === 'Escape' || event.key === 'Tab') {
        event.preventDefault();
        close(true);
      }
    });
    return item;
  });
  menu.append(...items);
  trigger.addEventListener('click', () => {
    const opening = menu.hidden;
    menu.hidden = !opening;
    trigger.setAttribute('aria-expanded', String(opening));
    if (opening) items[0]?.focus();
  });
  trigger.addEventListener('keydown', (event) => {
    if (event.key === 'ArrowDown' && menu.hidden) {
      event.preventDefault();
      trigger.click();
    }
  });
  return el('span', { class: 'bk-overflow-wrap' }, trigger, menu);
}

/**
 * Elements outside input blocks act at once, as in Slack; inside input blocks they wait for Submit.
 * @param {Block} block
 */
function dispatches(block) {
  return block.type !== 'input' || block.dispatch_action === true;
}

/**
 * @param {BlockElement} element
 * @param {Block} block
 * @param {Surface} surface
 * @param {string | undefined} labelId
 * @param {boolean} multiple
 */
function select(element, block, surface, labelId, multiple) {
  const node = el('select', { class: 'bk-select', multiple, 'aria-labelledby': labelId });
  if (labelId === undefined) node.setAttribute('aria-label', renderPlain(element.placeholder) || 'Select an option');
  if (!multiple) node.append(el('option', { value: '', text: renderPlain(element.placeholder) || 'Select an option' }));
  const groups = element.option_groups?.map((group) => {
    const g = el('optgroup', { label: renderPlain(group.label) });
    g.append(...group.options.map((o) => el('option', { value: o.value, text: optionLabel(o) })));
    return g;
  });
  if (groups !== undefined) node.append(...groups);
  else node.append(...(element.options ?? []).map((o) => el('option', { value: o.value, text: optionLabel(o) })));
  const initial = multiple ? (element.initial_options ?? []).map((o) => o.value) : (element.initial_option?.value ?? null);
  /** @param {FormValue} value */
  const write = (value) => {
    for (const option of node.options)
      option.selected = multiple ? Array.isArray(value) && value.includes(option.value) : option.value === (value ?? '');
  };
  write(initial);
  /** @returns {string[] | string | null} */
  const read = () => (multiple ? [...node.selectedOptions].map((o) => o.value) : node.value === '' ? null : node.value);
  tag(node, block.block_id, element.action_id, read, write);
  if (dispatches(block)) {
    node.addEventListener('change', () => {
      const chosen = read();
      surface.onAction(
        { blockId: block.block_id, actionId: element.action_id, value: typeof chosen === 'string' ? chosen : undefined, input: chosen },
        node,
      );
    });
  }
  return node;
}

/**
 * @param {BlockElement} element
 * @param {Block} block
 * @param {Surface} surface
 * @param {string | undefined} labelText
 * @param {'radio' | 'checkbox'} kind
 */
function choiceGroup(element, block, surface, labelText, kind) {
  const legend = labelText === undefined ? undefined : el('legend', { class: 'visually-hidden', text: labelText });
  const name = uid(kind);
  const group = el('fieldset', { class: `bk-${kind}` }, legend);
  const initial = kind === 'radio' ? [element.initial_option?.value] : (element.initial_options ?? []).map((o) => o.value);
  const inputs = (element.options ?? []).map((option) => {
    const id = uid('opt');
    const input = el('input', { type: kind, id, name, value: option.value, checked: initial.includes(option.value) });
    const description =
      option.description === undefined
        ? undefined
        : el('span', { class: 'bk-option-description' }, renderText(option.description, surface.ctx));
    const label = el('label', { for: id }, el('span', { class: 'bk-option-text' }, renderText(option.text, surface.ctx)));
    if (description !== undefined) {
      description.id = uid('desc');
      input.setAttribute('aria-describedby', description.id);
    }
    group.append(el('div', { class: 'bk-option' }, input, el('div', {}, label, description)));
    return input;
  });
  /** @returns {string[] | string | null} */
  const read = () => {
    const chosen = inputs.filter((i) => i.checked).map((i) => i.value);
    return kind === 'radio' ? (chosen[0] ?? null) : chosen;
  };
  /** @param {FormValue} value */
  const write = (value) => {
    /** @type {unknown[]} */
    const wanted = Array.isArray(value) ? value : [value];
    for (const i of inputs) i.checked = wanted.includes(i.value);
  };
  tag(group, block.block_id, element.action_id, read, write);
  if (dispatches(block)) {
    group.addEventListener('change', () => {
      const chosen = read();
      surface.onAction(
        { blockId: block.block_id, actionId: element.action_id, value: typeof chosen === 'string' ? chosen : undefined, input: chosen },
        group,
      );
    });
  }
  return group;
}

/**
 * @param {BlockElement} element
 * @param {Block} block
 * @param {Surface} surface
 * @param {string | undefined} id
 * @param {string | undefined} describedBy
 */
function textual(element, block, surface, id, describedBy) {
  /** @type {Record<string, string>} */
  const types = { plain_text_input: 'text', email_text_input: 'email', url_text_input: 'url', number_input: 'number' };
  const multiline = element.multiline === true;
  const node = multiline ? el('textarea', { id, rows: '3' }) : el('input', { id, type: types[element.type] ?? 'text' });
  node.className = 'bk-input';
  if (element.max_length !== undefined) node.maxLength = element.max_length;
  if (element.min_length !== undefined) node.minLength = element.min_length;
  if (element.placeholder !== undefined) node.placeholder = renderPlain(element.placeholder);
  if (describedBy !== undefined) node.setAttribute('aria-describedby', describedBy);
  node.value = element.initial_value ?? '';
  tag(
    node,
    block.block_id,
    element.action_id,
    () => (node.value === '' ? null : node.value),
    (v) => {
      node.value = String(v ?? '');
    },
  );
  if (block.type === 'input' && block.dispatch_action === true) {
    node.addEventListener('keydown', (event) => {
      if (event instanceof KeyboardEvent && event.key === 'Enter' && !multiline)
        surface.onAction({ blockId: block.block_id, actionId: element.action_id, input: node.value }, node);
    });
  }
  return node;
}

/**
 * @param {BlockElement} element
 * @param {Block} block
 * @param {Surface} surface
 * @param {string | undefined} id
 * @param {string | undefined} describedBy
 */
function picker(element, block, surface, id, describedBy) {
  /** @type {Record<string, string>} */
  const kinds = { datepicker: 'date', timepicker: 'time', datetimepicker: 'datetime-local' };
  const node = el('input', { id, type: kinds[element.type], class: 'bk-input bk-picker' });
  if (describedBy !== undefined) node.setAttribute('aria-describedby', describedBy);
  if (element.type === 'datepicker') node.value = element.initial_date ?? '';
  if (element.type === 'timepicker') node.value = element.initial_time ?? '';
  if (element.type === 'datetimepicker' && element.initial_date_time !== undefined) node.value = toLocalInput(element.initial_date_time);
  const read = () => (element.type === 'datetimepicker' ? fromLocalInput(node.value) : node.value === '' ? null : node.value);
  /** @param {FormValue} v */
  const write = (v) => {
    node.value = element.type === 'datetimepicker' ? (typeof v === 'number' ? toLocalInput(v) : '') : String(v ?? '');
  };
  tag(node, block.block_id, element.action_id, read, write);
  if (id === undefined) node.setAttribute('aria-label', renderPlain(element.placeholder) || 'Pick a date');
  if (dispatches(block))
    node.addEventListener('change', () => surface.onAction({ blockId: block.block_id, actionId: element.action_id, input: read() }, node));
  return node;
}

/**
 * @param {BlockElement} element
 * @param {Block} block
 * @param {Surface} surface
 * @param {string | undefined} labelId
 */
function peopleSelect(element, block, surface, labelId) {
  const isUsers = element.type.includes('user');
  const options = isUsers
    ? surface.ctx.people.map((p) => ({ value: p.id, text: { type: 'plain_text', text: p.realName } }))
    : surface.ctx.channels.map((c) => ({ value: c.id, text: { type: 'plain_text', text: `#${c.name}` } }));
  return select({ ...element, options }, block, surface, labelId, element.type.startsWith('multi_'));
}

/** @param {{ image_url?: string, alt_text?: string }} element */
function imageElement(element) {
  return el('img', { class: 'bk-image-element', src: element.image_url, alt: element.alt_text ?? '' });
}

/**
 * One interactive or display element. `label` carries the input block's label when there is one.
 * @param {BlockElement} element
 * @param {Block} block
 * @param {Surface} surface
 * @param {{ forId?: string, labelId?: string, text?: string, describedBy?: string }} [label]
 * @returns {HTMLElement}
 */
export function renderElement(element, block, surface, label = {}) {
  switch (element.type) {
    case 'button':
      return button(element, block, surface);
    case 'overflow':
      return overflow(element, block, surface);
    case 'static_select':
    case 'external_select':
      return select(element, block, surface, label.labelId, false);
    case 'multi_static_select':
    case 'multi_external_select':
      return select(element, block, surface, label.labelId, true);
    case 'users_select':
    case 'multi_users_select':
    case 'conversations_select':
    case 'multi_conversations_select':
    case 'channels_select':
    case 'multi_channels_select':
      return peopleSelect(element, block, surface, label.labelId);
    case 'radio_buttons':
      return choiceGroup(element, block, surface, label.text, 'radio');
    case 'checkboxes':
      return choiceGroup(element, block, surface, label.text, 'checkbox');
    case 'plain_text_input':
    case 'email_text_input':
    case 'url_text_input':
    case 'number_input':
      return textual(element, block, surface, label.forId, label.describedBy);
    case 'datepicker':
    case 'timepicker':
    case 'datetimepicker':
      return picker(element, block, surface, label.forId, label.describedBy);
    case 'image':
      return imageElement(element);
    default:
      return unsupported(element.type);
  }
}

/**
 * A context block's text objects, an actions block's elements.
 * @param {BlockElement | TextObject} element
 * @returns {element is TextObject}
 */
function isTextObject(element) {
  return element.type === 'mrkdwn' || element.type === 'plain_text';
}

/**
 * @param {Block} block
 * @param {Surface} surface
 */
function section(block, surface) {
  const body = el('div', { class: 'bk-section-body' });
  if (block.text !== undefined) body.append(el('div', { class: 'bk-text' }, renderText(block.text, surface.ctx)));
  if (Array.isArray(block.fields)) {
    body.append(
      el('div', { class: 'bk-fields' }, ...block.fields.map((f) => el('div', { class: 'bk-field' }, renderText(f, surface.ctx)))),
    );
  }
  const accessory =
    block.accessory === undefined ? undefined : el('div', { class: 'bk-accessory' }, renderElement(block.accessory, block, surface));
  return el('div', { class: 'bk-block bk-section' }, body, accessory);
}

/**
 * @param {Block} block
 * @param {Surface} surface
 */
function input(block, surface) {
  const forId = uid('in');
  const labelId = uid('label');
  const hintId = block.hint === undefined ? undefined : uid('hint');
  const error = surface.errors?.[block.block_id];
  const errorId = error === undefined ? undefined : uid('err');
  const describedBy = [hintId, errorId].filter(Boolean).join(' ') || undefined;
  const labelText = renderPlain(block.label);
  const grouped = block.element?.type === 'radio_buttons' || block.element?.type === 'checkboxes';
  const label = grouped
    ? el(
        'div',
        { class: 'bk-label', id: labelId, 'aria-hidden': 'true' },
        labelText,
        block.optional ? el('span', { class: 'bk-optional', text: ' (optional)' }) : undefined,
      )
    : el(
        'label',
        { class: 'bk-label', id: labelId, for: forId },
        labelText,
        block.optional ? el('span', { class: 'bk-optional', 'aria-hidden': 'true', text: ' (optional)' }) : undefined,
      );
  const element =
    block.element === undefined
      ? unsupported('an input block without its element')
      : renderElement(block.element, block, surface, { forId, labelId, text: labelText, describedBy });
  if (error !== undefined) {
    const target = element.matches('input, textarea, select') ? element : element.querySelector('input');
    target?.setAttribute('aria-invalid', 'true');
    if (!element.matches('input, textarea, select') && describedBy !== undefined) element.setAttribute('aria-describedby', describedBy);
  }
  return el(
    'div',
    { class: `bk-block bk-input-block${error === undefined ? '' : ' has-error'}` },
    label,
    element,
    error === undefined ? undefined : el('p', { class: 'bk-error', id: errorId, role: 'alert', text: error }),
    hintId === undefined ? undefined : el('p', { class: 'bk-hint', id: hintId, text: renderPlain(block.hint) }),
  );
}

/**
 * Slack's chart block (data_visualization): a title and a pie, bar, area or line chart.
 * @typedef {object} ChartBlock
 * @property {string} title
 * @property {{ type: string, series?: Array<{ name: string, data: Array<{ label: string, value: number }> }>, segments?: Array<{ label: string, value: number }>, axis_config?: { categories: string[], x_label?: string, y_label?: string } }} chart
 */

/**
 * Slack's data table block: a caption and rows of cells, the first row the header.
 * @typedef {object} DataTableBlock
 * @property {string} caption
 * @property {Array<Array<{ type: string, text?: string, value?: number }>>} rows
 * @property {number} [row_header_column_index]
 */

const SVG_NS = 'http://www.w3.org/2000/svg';
/** Series colours, distinct in hue and lightness so they differ without colour vision too (the legend's are in style.css, `.bk-series-N`). */
const SERIES_COLOURS = ['#2eb67d', '#e01e5a', '#ecb22e', '#36c5f0', '#4a154b', '#616061'];

/**
 * @param {string} name
 * @param {Record<string, string | number>} attributes
 * @param {...(Node | string)} children
 */
function svg(name, attributes, ...children) {
  const node = document.createElementNS(SVG_NS, name);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, String(value));
  node.append(...children);
  return node;
}

/**
 * A bar chart (area and line charts are drawn as bars too) as SVG: bars grouped per category, a legend,
 * the axis label. Screen readers get the title and a description of every value; each bar has a tooltip.
 * @param {ChartBlock} block
 */
function chartBlock(block) {
  const titleId = uid('chart-title');
  const figure = el(
    'figure',
    { class: 'bk-block bk-chart' },
    el('figcaption', { id: titleId, class: 'bk-chart-title', text: block.title }),
  );
  const chart = block.chart;
  const series = chart.type === 'pie' ? [{ name: block.title, data: chart.segments ?? [] }] : (chart.series ?? []);
  const categories = chart.axis_config?.categories ?? series[0]?.data.map((point) => point.label) ?? [];
  const max = Math.max(1, ...series.flatMap((s) => s.data.map((point) => point.value)));
  const width = 640;
  const height = 240;
  const left = 48;
  const bottom = 40;
  const plotHeight = height - bottom - 16;
  const groupWidth = (width - left - 8) / Math.max(1, categories.length);
  const barWidth = Math.max(2, (groupWidth - 6) / Math.max(1, series.length));
  const summary = series.map((s) => `${s.name}: ${s.data.map((point) => `${point.label} ${point.value}`).join(', ')}`).join('. ');
  const drawing = svg(
    'svg',
    {
      role: 'img',
      'aria-labelledby': titleId,
      'aria-describedby': `${titleId}-desc`,
      viewBox: `0 0 ${width} ${height}`,
      class: 'bk-chart-svg',
    },
    svg('desc', { id: `${titleId}-desc` }, summary),
    svg('line', { x1: left, y1: 16, x2: left, y2: 16 + plotHeight, class: 'bk-chart-axis' }),
    svg('line', { x1: left, y1: 16 + plotHeight, x2: width - 8, y2: 16 + plotHeight, class: 'bk-chart-axis' }),
    svg('text', { x: left - 6, y: 20, 'text-anchor': 'end', class: 'bk-chart-tick' }, String(max)),
    svg('text', { x: left - 6, y: 16 + plotHeight, 'text-anchor': 'end', class: 'bk-chart-tick' }, '0'),
  );
  categories.forEach((category, c) => {
    const x0 = left + 4 + c * groupWidth;
    drawing.append(
      svg('text', { x: x0 + groupWidth / 2, y: height - bottom + 16, 'text-anchor': 'middle', class: 'bk-chart-tick' }, category),
    );
    series.forEach((s, i) => {
      const value = s.data.find((point) => point.label === category)?.value ?? 0;
      const barHeight = (value / max) * plotHeight;
      const attributes = {
        x: x0 + i * barWidth,
        y: 16 + plotHeight - barHeight,
        width: Math.max(1, barWidth - 1),
        height: barHeight,
        fill: SERIES_COLOURS[i % SERIES_COLOURS.length] ?? '#616061',
        class: 'bk-chart-bar',
        'data-series': s.name,
        'data-label': category,
        'data-value': value,
      };
      drawing.append(svg('rect', attributes, svg('title', {}, `${category}, ${s.name}: ${value}`)));
    });
  });
  const xLabel = chart.axis_config?.x_label;
  if (xLabel)
    drawing.append(svg('text', { x: (width + left) / 2, y: height - 4, 'text-anchor': 'middle', class: 'bk-chart-axis-label' }, xLabel));
  figure.append(drawing);
  const legend = series.map((s, i) =>
    el('li', {}, el('span', { class: `bk-chart-swatch bk-series-${i % SERIES_COLOURS.length}`, 'aria-hidden': 'true' }), s.name),
  );
  figure.append(el('ul', { class: 'bk-chart-legend', 'aria-label': 'Legend' }, ...legend));
  return figure;
}

/**
 * A data table as an HTML table: its caption, column headers, and each row's header cell as a row header.
 * @param {DataTableBlock} block
 */
function dataTableBlock(block) {
  const [header = [], ...rows] = block.rows ?? [];
  const rowHeader = block.row_header_column_index ?? 0;
  /** @param {{ type: string, text?: string, value?: number }} cell */
  const cellText = (cell) => cell.text ?? (cell.value === undefined ? '' : String(cell.value));
  const body = rows.map((row) =>
    el(
      'tr',
      {},
      ...row.map((cell, i) =>
        i === rowHeader
          ? el('th', { scope: 'row', text: cellText(cell) })
          : el('td', { class: cell.type === 'raw_number' ? 'bk-number' : undefined, text: cellText(cell) }),
      ),
    ),
  );
  return el(
    'div',
    { class: 'bk-block bk-data-table' },
    el(
      'table',
      {},
      el('caption', { text: block.caption }),
      el('thead', {}, el('tr', {}, ...header.map((cell) => el('th', { scope: 'col', text: cellText(cell) })))),
      el('tbody', {}, ...body),
    ),
  );
}

/**
 * Renders a list of blocks for one surface.
 * @param {Block[] | undefined} blocks
 * @param {Surface} surface
 */
export function renderBlocks(blocks, surface) {
  const root = el('div', { class: 'bk' });
  for (const block of blocks ?? []) {
    switch (block.type) {
      case 'section':
        root.append(section(block, surface));
        break;
      case 'header':
        root.append(el('h3', { class: 'bk-block bk-header', text: renderPlain(block.text) }));
        break;
      case 'divider':
        root.append(el('hr', { class: 'bk-block bk-divider' }));
        break;
      case 'context':
        root.append(
          el(
            'div',
            { class: 'bk-block bk-context' },
            ...(block.elements ?? []).map((e) => (isTextObject(e) ? el('span', {}, renderText(e, surface.ctx)) : imageElement(e))),
          ),
        );
        break;
      case 'actions':
        root.append(
          el(
            'div',
            { class: 'bk-block bk-actions' },
            ...(block.elements ?? []).map((e) => (isTextObject(e) ? unsupported(e.type) : renderElement(e, block, surface))),
          ),
        );
        break;
      case 'input':
        root.append(input(block, surface));
        break;
      case 'image':
        root.append(
          el(
            'figure',
            { class: 'bk-block bk-image' },
            el('img', { src: block.image_url, alt: block.alt_text ?? '' }),
            block.title ? el('figcaption', { text: renderPlain(block.title) }) : undefined,
          ),
        );
        break;
      case 'data_visualization':
        root.append(chartBlock(/** @type {ChartBlock} */ (/** @type {unknown} */ (block))));
        break;
      case 'data_table':
        root.append(dataTableBlock(/** @type {DataTableBlock} */ (/** @type {unknown} */ (block))));
        break;
      default:
        root.append(el('div', { class: 'bk-block bk-unsupported', text: `[${block.type} block is not shown in the sandbox]` }));
    }
  }
  return root;
}

export { el };
