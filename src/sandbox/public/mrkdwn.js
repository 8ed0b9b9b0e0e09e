// @ts-check
// Slack's mrkdwn as DOM nodes (never as HTML strings, so nothing the app sends can inject markup):
// *bold*, _italic_, ~strike~, `code`, ```code blocks```, > quotes, <links|text>, <@U…> as names,
// <#C…> as channel names, <!date^…> in the browser's local time, and the :emoji: the app uses.

/**
 * A Block Kit text object as the app sends it.
 * @typedef {object} TextObject
 * @property {string} type `plain_text` or `mrkdwn`
 * @property {string} text
 * @property {boolean} [emoji]
 */

/**
 * Resolves the ids in `<@U…>` and `<#C…>` to what the reader knows them by.
 * @typedef {object} Names
 * @property {(id: string) => string | undefined} personName
 * @property {(id: string) => string | undefined} channelName
 */

/** @type {Readonly<Record<string, string>>} */
const EMOJI = {
  arrow_forward: '▶️',
  arrows_counterclockwise: '🔄',
  calendar: '📅',
  double_vertical_bar: '⏸️',
  electric_plug: '🔌',
  hourglass: '⌛',
  hourglass_flowing_sand: '⏳',
  incoming_envelope: '📨',
  key: '🔑',
  large_green_circle: '🟢',
  memo: '📝',
  no_entry: '⛔',
  page_facing_up: '📄',
  red_circle: '🔴',
  scroll: '📜',
  warning: '⚠️',
  wastebasket: '🗑️',
  white_check_mark: '✅',
  white_circle: '⚪',
  lock: '🔒',
  tada: '🎉',
  x: '❌',
  information_source: 'ℹ️',
  bell: '🔔',
  clock3: '🕒',
  shield: '🛡️',
  eyes: '👀',
  wave: '👋',
  rotating_light: '🚨',
  zzz: '💤',
  scales: '⚖️',
  pushpin: '📌',
  no_entry_sign: '🚫',
  put_litter_in_its_place: '🚮',
  mag: '🔍',
  alarm_clock: '⏰',
  arrow_right: '➡️',
  clipboard: '📋',
  inbox_tray: '📥',
  outbox_tray: '📤',
  grey_question: '❔',
  repeat: '🔁',
  satellite_antenna: '📡',
  globe_with_meridians: '🌐',
  // Installations and settings (docs/org-install.md).
  package: '📦',
  gear: '⚙️',
};

/**
 * Slack escapes exactly these three in text.
 * @param {string} text
 */
export function decodeEntities(text) {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

/** @param {string} text */
export function emojify(text) {
  return text.replace(/:([a-z0-9_+-]+):/g, (whole, /** @type {string} */ name) => EMOJI[name] ?? whole);
}

/** @param {number} n */
const ORDINAL = (n) => {
  const s = ['th', 'st', 'nd', 'rd'];
  const v = n % 100;
  return `${n}${s[(v - 20) % 10] ?? s[v] ?? 'th'}`;
};

/**
 * @param {Date} a
 * @param {Date} b
 */
function sameDay(a, b) {
  return a.getFullYear() === b.getFullYear() && a.getMonth() === b.getMonth() && a.getDate() === b.getDate();
}

/** @param {Date} date */
function relativeDay(date) {
  const today = new Date();
  const tomorrow = new Date(today.getFullYear(), today.getMonth(), today.getDate() + 1);
  const yesterday = new Date(today.getFullYear(), today.getMonth(), today.getDate() - 1);
  if (sameDay(date, today)) return 'today';
  if (sameDay(date, tomorrow)) return 'tomorrow';
  if (sameDay(date, yesterday)) return 'yesterday';
  return undefined;
}

/** @param {Date} date */
function ago(date) {
  const seconds = Math.round((date.getTime() - Date.now()) / 1000);
  /** @type {Array<[Intl.RelativeTimeFormatUnit, number]>} */
  const units = [
    ['year', 31536000],
    ['month', 2592000],
    ['day', 86400],
    ['hour', 3600],
    ['minute', 60],
    ['second', 1],
  ];
  const format = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });
  for (const [unit, size] of units) {
    if (Math.abs(seconds) >= size || unit === 'second') return format.format(Math.round(seconds / size), unit);
  }
  return '';
}

/**
 * Slack's date tokens, in the reader's own time zone and locale.
 * @param {number} seconds
 * @param {string} format
 */
export function formatSlackDate(seconds, format) {
  const date = new Date(seconds * 1000);
  /** @param {'long' | 'short'} style */
  const month = (style) => new Intl.DateTimeFormat(undefined, { month: style }).format(date);
  const weekday = new Intl.DateTimeFormat(undefined, { weekday: 'long' }).format(date);
  const dateLong = `${weekday}, ${month('long')} ${ORDINAL(date.getDate())}, ${date.getFullYear()}`;
  const dateMid = `${month('long')} ${ORDINAL(date.getDate())}, ${date.getFullYear()}`;
  const dateShort = `${month('short')} ${date.getDate()}, ${date.getFullYear()}`;
  /** @param {number} n */
  const pad = (n) => String(n).padStart(2, '0');
  /** @type {Record<string, string>} */
  const tokens = {
    date_num: `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`,
    date: dateMid,
    date_short: dateShort,
    date_long: dateLong,
    date_pretty: relativeDay(date) ?? dateMid,
    date_short_pretty: relativeDay(date) ?? dateShort,
    date_long_pretty: relativeDay(date) ?? dateLong,
    time: new Intl.DateTimeFormat(undefined, { hour: 'numeric', minute: '2-digit' }).format(date),
    time_secs: new Intl.DateTimeFormat(undefined, { hour: 'numeric', minute: '2-digit', second: '2-digit' }).format(date),
    ago: ago(date),
  };
  return format.replace(/\{([a-z_]+)\}/g, (whole, /** @type {string} */ name) => tokens[name] ?? whole);
}

/** @param {string} url */
function safeHref(url) {
  return /^(https?:|mailto:)/i.test(url) ? url : undefined;
}

/**
 * One `<…>` token as a node.
 * @param {string} inner
 * @param {Names} ctx
 * @returns {Node}
 */
function specialToken(inner, ctx) {
  if (inner.startsWith('@')) {
    const [id = '', label] = inner.slice(1).split('|');
    const span = document.createElement('span');
    span.className = 'mention';
    span.textContent = `@${ctx.personName(id) ?? label ?? id}`;
    return span;
  }
  if (inner.startsWith('#')) {
    const [id = '', label] = inner.slice(1).split('|');
    const span = document.createElement('span');
    span.className = 'mention';
    span.textContent = `#${ctx.channelName(id) ?? label ?? id}`;
    return span;
  }
  if (inner.startsWith('!date^')) {
    const pipe = inner.indexOf('|');
    const fallback = pipe === -1 ? '' : inner.slice(pipe + 1);
    const [, seconds, format, link] = (pipe === -1 ? inner : inner.slice(0, pipe)).split('^');
    const value = Number(seconds);
    // Past ±8.64e15 ms a Date is invalid and formatting it throws: such a date shows its fallback.
    if (!Number.isFinite(new Date(value * 1000).getTime())) return document.createTextNode(decodeEntities(fallback));
    const time = document.createElement('time');
    time.dateTime = new Date(value * 1000).toISOString();
    time.textContent = formatSlackDate(value, format ?? '{date_short} {time}');
    time.title = new Date(value * 1000).toString();
    if (link !== undefined && safeHref(link) !== undefined) {
      const a = document.createElement('a');
      a.href = link;
      a.append(time);
      return a;
    }
    return time;
  }
  if (inner.startsWith('!')) {
    const [name = ''] = inner.slice(1).split('|');
    const span = document.createElement('span');
    span.className = 'mention';
    span.textContent = `@${name.replace(/^subteam\^/, '')}`;
    return span;
  }
  const [url = '', label] = inner.split('|');
  const inPage = archiveLink(url, ctx);
  if (inPage !== undefined) {
    // A link to a message in this workspace opens that conversation here, as Slack's client does,
    // instead of sending the reader to slack.com, which knows nothing of the sandbox.
    const a = document.createElement('a');
    a.href = inPage;
    a.textContent = decodeEntities(label ?? url);
    return a;
  }
  const href = safeHref(url);
  if (href === undefined) return document.createTextNode(decodeEntities(label ?? url));
  const a = document.createElement('a');
  a.href = href;
  a.target = '_blank';
  a.rel = 'noopener noreferrer';
  a.textContent = decodeEntities(label ?? url);
  return a;
}

/** Slack's message links: `https://[team.]slack.com/archives/<channel>/p<seconds><microseconds>`. */
const ARCHIVE_LINK = /^https:\/\/(?:[a-z0-9-]+\.)?slack\.com\/archives\/([A-Z0-9]+)\/p(\d{10})(\d{6})$/;

/**
 * The page's own address of a message link to a known conversation (`#c=<channel>&m=<ts>`), else undefined.
 * @param {string} url
 * @param {Names} ctx
 */
export function archiveLink(url, ctx) {
  const match = ARCHIVE_LINK.exec(decodeEntities(url));
  if (match === null) return undefined;
  const [, channel = '', seconds, micros] = match;
  if (ctx.channelName(channel) === undefined) return undefined;
  return `#c=${channel}&m=${seconds}.${micros}`;
}

const MARK = '\u0000';
const EMPHASIS = [
  { char: '*', tag: 'strong' },
  { char: '_', tag: 'em' },
  { char: '~', tag: 's' },
];

/**
 * Emphasis over a line in which code spans and `<…>` tokens were replaced by placeholders.
 * @param {string} text
 * @param {Node[]} atoms
 * @returns {Node[]}
 */
function emphasis(text, atoms) {
  /** @type {{ start: number, body: string, tag: string } | undefined} */
  let best;
  for (const { char, tag } of EMPHASIS) {
    const c = char === '*' ? '\\*' : char;
    const re = new RegExp(`(^|[^A-Za-z0-9${c}])${c}([^${c}\\n]*[^${c}\\s\\n])${c}(?=$|[^A-Za-z0-9${c}])`);
    const match = re.exec(text);
    if (match === null) continue;
    const [, lead = '', body = ''] = match;
    // The mark that opens first is the outer one: in `~*both*~` the strike holds the bold.
    const start = match.index + lead.length;
    if (body.trim() !== '' && !/^\s/.test(body) && (best === undefined || start < best.start)) best = { start, body, tag };
  }
  if (best === undefined) return plainWithAtoms(text, atoms);
  const { start, body, tag } = best;
  const end = start + body.length + 2;
  const el = document.createElement(tag);
  el.append(...emphasis(body, atoms));
  return [...plainWithAtoms(text.slice(0, start), atoms), el, ...emphasis(text.slice(end), atoms)];
}

/**
 * @param {string} text
 * @param {Node[]} atoms
 */
function plainWithAtoms(text, atoms) {
  /** @type {Node[]} */
  const nodes = [];
  const parts = text.split(MARK);
  parts.forEach((part, i) => {
    // Odd parts are placeholders' indexes.
    const atom = i % 2 === 1 ? atoms[Number(part)] : undefined;
    if (atom !== undefined) nodes.push(atom.cloneNode(true));
    else if (part !== '') nodes.push(document.createTextNode(emojify(decodeEntities(part))));
  });
  return nodes;
}

/**
 * @param {string} line
 * @param {Names} ctx
 */
function inline(line, ctx) {
  /** @type {Node[]} */
  const atoms = [];
  /** @param {Node} node */
  const hold = (node) => {
    atoms.push(node);
    return `${MARK}${atoms.length - 1}${MARK}`;
  };
  // The placeholders' marker is NUL: one in the text itself would be taken for a placeholder.
  let text = line.replaceAll(MARK, '').replace(/`([^`\n]+)`/g, (_, /** @type {string} */ code) => {
    const el = document.createElement('code');
    el.textContent = decodeEntities(code);
    return hold(el);
  });
  text = text.replace(/<([^<>\s][^<>]*)>/g, (_, /** @type {string} */ inner) => hold(specialToken(inner, ctx)));
  return emphasis(text, atoms);
}

/**
 * A fragment to append into a block element.
 * @param {string} source
 * @param {Names} ctx
 */
export function renderMrkdwn(source, ctx) {
  const fragment = document.createDocumentFragment();
  const pieces = String(source).split(/```/);
  pieces.forEach((piece, index) => {
    if (index % 2 === 1) {
      const pre = document.createElement('pre');
      pre.textContent = decodeEntities(piece.replace(/^\n/, ''));
      fragment.append(pre);
      return;
    }
    const lines = piece.split('\n');
    /** @type {HTMLQuoteElement | undefined} */
    let quote;
    lines.forEach((line, i) => {
      const quoted = /^(>|&gt;)\s?/.exec(line);
      if (quoted !== null) {
        if (quote === undefined) {
          quote = document.createElement('blockquote');
          fragment.append(quote);
        } else {
          quote.append(document.createElement('br'));
        }
        quote.append(...inline(line.slice(quoted[0].length), ctx));
        return;
      }
      quote = undefined;
      fragment.append(...inline(line, ctx));
      const next = lines[i + 1];
      if (next !== undefined && !/^(>|&gt;)/.test(next)) fragment.append(document.createElement('br'));
    });
  });
  return fragment;
}

/**
 * plain_text objects: no formatting, but `emoji: true` turns :codes: into emoji.
 * @param {TextObject | null | undefined} textObject
 */
export function renderPlain(textObject) {
  const text = textObject?.text ?? '';
  return textObject?.emoji === false ? text : emojify(text);
}

/**
 * A text object of either type.
 * @param {TextObject | null | undefined} textObject
 * @param {Names} ctx
 * @returns {Node}
 */
export function renderText(textObject, ctx) {
  if (textObject === undefined || textObject === null) return document.createDocumentFragment();
  if (textObject.type === 'mrkdwn') return renderMrkdwn(textObject.text, ctx);
  return document.createTextNode(renderPlain(textObject));
}
