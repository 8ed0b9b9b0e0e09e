// Block Kit as accessible DOM: every block and element the app sends, drawn the way Slack draws them.
// A surface says where the blocks live and what to do when a person operates an element:
//   { id, ctx, errors?, onAction(gesture), confirm(confirmObject) → Promise<boolean> }
// A gesture is { blockId, actionId, value?, input? }, what the server turns into Slack's payload.

import { renderPlain, renderText } from './mrkdwn.js';

let serial = 0;
const uid = (prefix) => {
  serial += 1;
  return `${prefix}-${serial}`;
};

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') node.className = value;
    else if (key === 'text') node.textContent = value;
    else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
    else if (key in node && typeof value !== 'string') node[key] = value;
    else node.setAttribute(key, value === true ? '' : value);
  }
  node.append(...children.filter((c) => c !== undefined && c !== null));
  return node;
}

/** Slack's date picker works in the reader's local date; these convert both ways. */
function toLocalInput(seconds) {
  const d = new Date(seconds * 1000);
  const pad = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

function fromLocalInput(value) {
  if (value === '') return null;
  const ms = new Date(value).getTime();
  return Number.isFinite(ms) ? Math.floor(ms / 1000) : null;
}

function optionLabel(option) {
  return renderPlain(option.text);
}

/**
 * Reads what a person entered in every stateful element below `root`, as block_id → action_id →
 * input (text, date, seconds, option value(s)): the form the server shapes into state.values.
 */
export function readForm(root) {
  const form = {};
  for (const node of root.querySelectorAll('[data-action-id]')) {
    const read = node.__read;
    if (typeof read !== 'function') continue;
    const blockId = node.dataset.blockId;
    form[blockId] ??= {};
    form[blockId][node.dataset.actionId] = read();
  }
  return form;
}

/** Puts values read by readForm back (a view updated in place keeps what the person typed). */
export function restoreForm(root, form) {
  for (const node of root.querySelectorAll('[data-action-id]')) {
    const value = form[node.dataset.blockId]?.[node.dataset.actionId];
    if (value !== undefined && typeof node.__write === 'function') node.__write(value);
  }
}

function tag(node, blockId, actionId, read, write) {
  node.dataset.blockId = blockId;
  node.dataset.actionId = actionId;
  node.__read = read;
  node.__write = write;
  return node;
}

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
        items[(index + 1) % items.length].focus();
      } else if (event.key === 'ArrowUp') {
        event.preventDefault();
        items[(index - 1 + items.length) % items.length].focus();
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

/** Elements outside input blocks act at once, as in Slack; inside input blocks they wait for Submit. */
function dispatches(block) {
  return block.type !== 'input' || block.dispatch_action === true;
}

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
  const initial = multiple ? (element.initial_options ?? []).map((o) => o.value) : element.initial_option?.value;
  const write = (value) => {
    for (const option of node.options) option.selected = multiple ? (value ?? []).includes(option.value) : option.value === (value ?? '');
  };
  write(initial);
  const read = () => (multiple ? [...node.selectedOptions].map((o) => o.value) : node.value === '' ? null : node.value);
  tag(node, block.block_id, element.action_id, read, write);
  if (dispatches(block)) {
    node.addEventListener('change', () =>
      surface.onAction(
        { blockId: block.block_id, actionId: element.action_id, value: multiple ? undefined : (read() ?? undefined), input: read() },
        node,
      ),
    );
  }
  return node;
}

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
  const read = () => {
    const chosen = inputs.filter((i) => i.checked).map((i) => i.value);
    return kind === 'radio' ? (chosen[0] ?? null) : chosen;
  };
  const write = (value) => {
    const wanted = Array.isArray(value) ? value : [value];
    for (const i of inputs) i.checked = wanted.includes(i.value);
  };
  tag(group, block.block_id, element.action_id, read, write);
  if (dispatches(block)) {
    group.addEventListener('change', () =>
      surface.onAction(
        {
          blockId: block.block_id,
          actionId: element.action_id,
          value: kind === 'radio' ? (read() ?? undefined) : undefined,
          input: read(),
        },
        group,
      ),
    );
  }
  return group;
}

function textual(element, block, surface, id, describedBy) {
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
    (v) => (node.value = v ?? ''),
  );
  if (block.type === 'input' && block.dispatch_action === true) {
    node.addEventListener('keydown', (event) => {
      if (event.key === 'Enter' && !multiline)
        surface.onAction({ blockId: block.block_id, actionId: element.action_id, input: node.value }, node);
    });
  }
  return node;
}

function picker(element, block, surface, id, describedBy) {
  const kinds = { datepicker: 'date', timepicker: 'time', datetimepicker: 'datetime-local' };
  const node = el('input', { id, type: kinds[element.type], class: 'bk-input bk-picker' });
  if (describedBy !== undefined) node.setAttribute('aria-describedby', describedBy);
  if (element.type === 'datepicker') node.value = element.initial_date ?? '';
  if (element.type === 'timepicker') node.value = element.initial_time ?? '';
  if (element.type === 'datetimepicker' && element.initial_date_time !== undefined) node.value = toLocalInput(element.initial_date_time);
  const read = () => (element.type === 'datetimepicker' ? fromLocalInput(node.value) : node.value === '' ? null : node.value);
  const write = (v) => {
    node.value = element.type === 'datetimepicker' ? (v === null ? '' : toLocalInput(v)) : (v ?? '');
  };
  tag(node, block.block_id, element.action_id, read, write);
  if (id === undefined) node.setAttribute('aria-label', renderPlain(element.placeholder) || 'Pick a date');
  if (dispatches(block))
    node.addEventListener('change', () => surface.onAction({ blockId: block.block_id, actionId: element.action_id, input: read() }, node));
  return node;
}

function peopleSelect(element, block, surface, labelId) {
  const isUsers = element.type.includes('user');
  const options = isUsers
    ? surface.ctx.people.map((p) => ({ value: p.id, text: { type: 'plain_text', text: p.realName } }))
    : surface.ctx.channels.map((c) => ({ value: c.id, text: { type: 'plain_text', text: `#${c.name}` } }));
  return select({ ...element, options }, block, surface, labelId, element.type.startsWith('multi_'));
}

function imageElement(element) {
  return el('img', { class: 'bk-image-element', src: element.image_url, alt: element.alt_text ?? '' });
}

/** One interactive or display element. `label` carries the input block's label when there is one. */
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
      return el('span', { class: 'bk-unsupported', text: `[${element.type} is not shown in the sandbox]` });
  }
}

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

function input(block, surface) {
  const forId = uid('in');
  const labelId = uid('label');
  const hintId = block.hint === undefined ? undefined : uid('hint');
  const error = surface.errors?.[block.block_id];
  const errorId = error === undefined ? undefined : uid('err');
  const describedBy = [hintId, errorId].filter(Boolean).join(' ') || undefined;
  const labelText = renderPlain(block.label);
  const grouped = ['radio_buttons', 'checkboxes'].includes(block.element?.type);
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
  const element = renderElement(block.element, block, surface, { forId, labelId, text: labelText, describedBy });
  if (error !== undefined) {
    const target = element.matches('input, textarea, select') ? element : element.querySelector('input');
    target?.setAttribute('aria-invalid', 'true');
    if (!element.matches('input, textarea, select')) element.setAttribute('aria-describedby', describedBy);
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

/** Renders a list of blocks for one surface. */
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
            ...(block.elements ?? []).map((e) => (e.type === 'image' ? imageElement(e) : el('span', {}, renderText(e, surface.ctx)))),
          ),
        );
        break;
      case 'actions':
        root.append(el('div', { class: 'bk-block bk-actions' }, ...(block.elements ?? []).map((e) => renderElement(e, block, surface))));
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
      default:
        root.append(el('div', { class: 'bk-block bk-unsupported', text: `[${block.type} block is not shown in the sandbox]` }));
    }
  }
  return root;
}

export { el };
