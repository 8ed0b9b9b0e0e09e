// @ts-check
// The sandbox page: a small Slack client for one app. It shows what the emulator holds (messages,
// modals, App Home) for the person it is acting as, and turns clicks and typing into the requests Slack
// would send the app. Live: the server says "change" over server-sent events and the page refetches.

import { el, readForm, renderBlocks, restoreForm } from './blocks.js';
import { renderMrkdwn } from './mrkdwn.js';

/** @import { Block, ConfirmObject, Form, Gesture, Surface, SurfaceContext } from './blocks.js' */
/** @import { TextObject } from './mrkdwn.js' */

/**
 * @typedef {object} Person
 * @property {string} id
 * @property {string} name
 * @property {string} realName
 * @property {boolean} admin
 * @property {string} dm the id of their DM with the app
 * @property {boolean} deactivated their Slack account is deactivated (a workspace admin did it)
 */

/**
 * @typedef {object} SharedFile
 * @property {string} id
 * @property {string} filename
 * @property {string} title
 * @property {number} size
 */

/**
 * @typedef {object} Message
 * @property {string} ts
 * @property {string | null} author A person's id for their own message; null for the app's
 * @property {boolean} ephemeral
 * @property {string} text
 * @property {Block[]} blocks
 * @property {boolean} edited
 * @property {SharedFile[]} files
 */

/**
 * A modal or App Home, with the fields the page draws.
 * @typedef {object} View
 * @property {string} id
 * @property {string} hash
 * @property {TextObject | null} title
 * @property {TextObject | null} submit
 * @property {TextObject | null} close
 * @property {Block[]} blocks
 */

/**
 * What one person sees in one conversation, plus their surfaces: `GET /sandbox/state` (`PageState` in ../sandbox.ts).
 * @typedef {object} PageState
 * @property {string} team
 * @property {string} botName
 * @property {string} botUserId
 * @property {Person[]} people
 * @property {Array<{ id: string, name: string }>} channels
 * @property {Message[]} messages
 * @property {Array<View & { errors: Record<string, string> | null }>} modals
 * @property {View | null} home
 * @property {'everything' | 'slack'} resetClears
 * @property {Array<{ id: string, name: string }>} workspaces
 * @property {string} workspace
 * @property {boolean} install
 * @property {string} since
 * @property {Record<string, { messages: number, mentions: number }>} unread
 * @property {{ code: string, secondsLeft: number } | null} authenticator sandbox only: the acting person's current step-up code
 */

/**
 * The modal on top, as drawn.
 * @typedef {object} ModalRecord
 * @property {string} id
 * @property {string} hash
 * @property {string} errorsKey
 * @property {HTMLDialogElement} dialog
 * @property {HTMLElement} body
 * @property {boolean} closing
 */

/**
 * Where a gesture happened: a message, or a view (modal or App Home).
 * @typedef {{ type: 'message', channel: string | undefined, ts: string } | { type: 'view', viewId: string }} Container
 */

/**
 * The element of index.html with this id; it is a `type` (a page that does not match fails at once).
 * @template {HTMLElement} E
 * @param {string} id
 * @param {{ new (): E }} type
 * @returns {E}
 */
function $(id, type) {
  const node = document.getElementById(id);
  if (!(node instanceof type)) throw new Error(`index.html has no ${type.name} #${id}`);
  return node;
}

/**
 * The HTML elements below `root` matching `selector`.
 * @param {ParentNode} root
 * @param {string} selector
 */
function htmlElements(root, selector) {
  return [...root.querySelectorAll(selector)].filter((node) => node instanceof HTMLElement);
}

const HOME = 'home';

/**
 * @type {{
 *   state: PageState | undefined,
 *   as: string | undefined,
 *   conversation: string | undefined,
 *   modal: ModalRecord | undefined,
 *   homeRequestedFor: string | undefined,
 *   highlight: string | undefined,
 *   since: string | undefined,
 *   sending: number,
 * }}
 */
const page = {
  state: undefined,
  as: undefined,
  /** A channel id, a DM id, or 'home'. */
  conversation: undefined,
  /** The modal on top. */
  modal: undefined,
  homeRequestedFor: undefined,
  /** The ts of a message a link pointed at: scrolled to and marked once it is drawn. */
  highlight: undefined,
  /** When this page was loaded (the server's ts): older ephemerals are gone, as after a reload in Slack. */
  since: undefined,
  /** Slash commands on their way to the app. */
  sending: 0,
};

// ---- talking to the sandbox ---------------------------------------------------------------------

/**
 * The answer, or undefined when the sandbox refused or could not be reached (the person has been told).
 * @param {string} path
 * @param {object} body
 * @returns {Promise<{ error?: string, problem?: string } | undefined>}
 */
async function post(path, body) {
  let response;
  try {
    response = await fetch(`/sandbox/${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  } catch {
    toast('The sandbox is not reachable. Is the app still running?');
    return undefined;
  }
  /** @type {{ error?: string, problem?: string }} */
  const answer = await response.json().catch(() => ({}));
  if (!response.ok) {
    toast(answer.error ?? `The sandbox answered ${response.status}.`);
    return undefined;
  }
  if (answer.problem) toast(answer.problem);
  return answer;
}

/** @type {Promise<void> | undefined} */
let refreshing;
let again = false;
/** One fetch at a time; changes during a fetch cause exactly one more. */
async function refresh() {
  if (refreshing !== undefined) {
    again = true;
    return refreshing;
  }
  refreshing = (async () => {
    do {
      again = false;
      await load();
    } while (again);
  })().finally(() => (refreshing = undefined));
  return refreshing;
}

async function load() {
  const channel = page.conversation === HOME || page.conversation === undefined ? '' : page.conversation;
  const query = new URLSearchParams({
    ...(page.as === undefined ? {} : { as: page.as }),
    ...(channel === '' ? {} : { channel }),
    since: page.since ?? 'load',
  });
  let response;
  try {
    response = await fetch(`/sandbox/state?${query}`);
  } catch {
    return;
  }
  if (!response.ok) {
    // An unknown person or conversation in the URL (say, after a reset): start over.
    if (page.as !== undefined || page.conversation !== undefined) {
      page.as = undefined;
      page.conversation = undefined;
      again = true;
    }
    return;
  }
  /** @type {PageState} */
  const state = await response.json();
  page.state = state;
  page.since ??= state.since;
  if (page.as === undefined) page.as = state.people[0]?.id;
  if (page.conversation === undefined) {
    page.conversation = state.channels[0]?.id;
    // Asked again for that conversation by name, so the server knows it is being read.
    again = true;
  }
  render(state);
}

// ---- names for mrkdwn ---------------------------------------------------------------------------

/** @returns {SurfaceContext} */
function ctx() {
  const people = page.state?.people ?? [];
  const channels = page.state?.channels ?? [];
  const bot = page.state === undefined ? undefined : { id: page.state.botUserId, name: page.state.botName };
  return {
    people,
    channels,
    personName: (id) => (id === bot?.id ? bot.name : people.find((p) => p.id === id)?.realName),
    channelName: (id) => channels.find((c) => c.id === id)?.name,
  };
}

/** @param {Person} person */
function personLabel(person) {
  const label = person.admin ? `${person.realName} (admin)` : person.realName;
  return person.deactivated ? `${label} (deactivated)` : label;
}

/**
 * A workspace admin's account controls (Slack's admin pages): deactivating someone makes Slack send
 * the app `user_change` with `deleted: true`, as it would.
 * @param {PageState} state
 * @param {Person | undefined} me
 */
function renderAccounts(state, me) {
  const section = $('accounts', HTMLElement);
  section.hidden = me?.admin !== true;
  if (me?.admin !== true) return;
  const focused = focusKeyOf(document.activeElement);
  $('account-list', HTMLUListElement).replaceChildren(
    ...state.people
      .filter((p) => p.id !== me.id)
      .map((p) => {
        const verb = p.deactivated ? 'Reactivate' : 'Deactivate';
        const button = el('button', {
          type: 'button',
          class: 'account-button',
          text: `${verb} ${p.realName}`,
          'data-focus-key': `account:${p.id}`,
        });
        button.addEventListener('click', async () => {
          const sure = await confirm({
            title: { type: 'plain_text', text: `${verb} ${p.realName}'s account?` },
            text: {
              type: 'mrkdwn',
              text: p.deactivated
                ? `${p.realName} can use Slack again. The app gives nothing back by itself.`
                : `${p.realName} can no longer use Slack, and Slack tells the app (\`user_change\`).`,
            },
            confirm: { type: 'plain_text', text: verb },
            deny: { type: 'plain_text', text: 'Cancel' },
            style: p.deactivated ? 'primary' : 'danger',
          });
          if (!sure) return;
          await post('account', { as: page.as, person: p.id, deactivated: !p.deactivated });
          refresh();
        });
        return el('li', {}, button);
      }),
  );
  if (focused?.startsWith('account:') === true) refocus(focused);
}

// ---- rendering ----------------------------------------------------------------------------------

/** @param {PageState} state */
function render(state) {
  renderSidebar(state);
  const atHome = page.conversation === HOME;
  const channel = state.channels.find((c) => c.id === page.conversation);
  // The manifest makes the app's Messages tab read-only: its DM has no message box, as in Slack.
  const inDm = !atHome && channel === undefined;
  const title = atHome ? 'App Home' : channel !== undefined ? channel.name : state.botName;
  $('title', HTMLElement).textContent = atHome || channel === undefined ? title : `# ${title}`;
  document.title = `${title} · Slack sandbox`;
  $('messages', HTMLOListElement).hidden = atHome;
  $('composer', HTMLFormElement).hidden = atHome || inDm;
  $('read-only', HTMLElement).hidden = !inDm;
  $('home', HTMLElement).hidden = !atHome;
  $('message', HTMLTextAreaElement).placeholder = channel !== undefined ? `Message #${channel.name}` : `Message ${state.botName}`;
  $('messages', HTMLOListElement).setAttribute('aria-label', `Messages in ${channel !== undefined ? `#${channel.name}` : state.botName}`);
  if (atHome) renderHome(state);
  else renderMessages(state);
  renderModal(state);
}

/**
 * @param {PageState} state
 * @param {string} id
 * @param {string} label
 * @param {string} prefix
 */
function conversationLink(state, id, label, prefix) {
  const current = page.conversation === id;
  // As Slack's sidebar: news makes a conversation bold; a DM or a mention adds a count. The link keeps
  // its name (the conversation's); the news is its description.
  const news = current ? undefined : state.unread?.[id];
  const noteId = `unread-${id}`;
  const note =
    news === undefined
      ? undefined
      : el('span', {
          id: noteId,
          hidden: true,
          text: news.mentions > 0 ? `${news.mentions} unread ${news.mentions === 1 ? 'mention' : 'mentions'}` : 'unread messages',
        });
  const link = el(
    'a',
    {
      href: `#as=${page.as}&c=${id}`,
      'data-focus-key': `sidebar:${id}`,
      class: `sidebar-link${current ? ' current' : ''}${news === undefined ? '' : ' unread'}`,
      'aria-current': current ? 'page' : undefined,
      'aria-describedby': note === undefined ? undefined : noteId,
    },
    el('span', { class: 'prefix', 'aria-hidden': 'true', text: prefix }),
    el('span', { class: 'sidebar-name', text: label }),
    news !== undefined && news.mentions > 0
      ? el('span', { class: 'badge', 'aria-hidden': 'true', text: String(news.mentions) })
      : undefined,
  );
  link.addEventListener('click', (event) => {
    event.preventDefault();
    go(id);
  });
  return el('li', {}, link, note);
}

/** @param {PageState} state */
function renderSidebar(state) {
  // The links are rebuilt on every poll; a person tabbing through them keeps their place.
  const focusKey = focusKeyOf(document.activeElement);
  $('team', HTMLElement).textContent = state.team;
  const select = $('acting-as', HTMLSelectElement);
  const labels = state.people.map(personLabel);
  if (select.options.length !== state.people.length || [...select.options].some((o, i) => o.text !== labels[i])) {
    select.replaceChildren(...state.people.map((p) => el('option', { value: p.id, text: personLabel(p) })));
  }
  select.value = page.as ?? '';
  // The organisation's workspaces: commands and clicks come from the one chosen (an org-wide install serves both).
  const workspaces = $('workspace-switch', HTMLSelectElement);
  if (workspaces.options.length !== state.workspaces.length) {
    workspaces.replaceChildren(...state.workspaces.map((w) => el('option', { value: w.id, text: w.name })));
  }
  workspaces.value = state.workspace;
  // SANDBOX_INSTALL=oauth: the app starts uninstalled; Install goes through /slack/install as on Slack.
  $('install', HTMLAnchorElement).hidden = !state.install;
  $('channels', HTMLUListElement).replaceChildren(...state.channels.map((c) => conversationLink(state, c.id, c.name, '#')));
  const me = state.people.find((p) => p.id === page.as);
  renderAccounts(state, me);
  $('apps', HTMLUListElement).replaceChildren(
    ...(me === undefined ? [] : [conversationLink(state, me.dm, state.botName, '🔑')]),
    conversationLink(state, HOME, 'App Home', '🏠'),
  );
  renderAuthenticator(state);
  if (focusKey?.startsWith('sidebar:') === true && focusKeyOf(document.activeElement) !== focusKey) refocus(focusKey);
}

/**
 * Sandbox only: a stand-in for the phone, showing the acting person's current step-up code once they
 * have the enrolment link in their DM, so the flow can be tried without an authenticator app.
 * @param {PageState} state
 */
function renderAuthenticator(state) {
  const panel = $('authenticator', HTMLElement);
  panel.hidden = state.authenticator === null;
  if (state.authenticator === null) return;
  $('authenticator-code', HTMLElement).textContent = state.authenticator.code;
  $('authenticator-left', HTMLElement).textContent = `next in ${state.authenticator.secondsLeft} s`;
}

/** @param {Element | null} node */
function focusKeyOf(node) {
  return node instanceof HTMLElement ? node.dataset.focusKey : undefined;
}

/** @param {string | undefined} key */
function refocus(key) {
  if (key === undefined) return;
  const target = htmlElements(document, '[data-focus-key]').find((n) => n.dataset.focusKey === key);
  target?.focus();
}

/**
 * @param {Message} message
 * @returns {Surface}
 */
function messageSurface(message) {
  return {
    id: `m${message.ts}`,
    ctx: ctx(),
    confirm,
    onAction: (gesture, node) => act({ type: 'message', channel: page.conversation, ts: message.ts }, gesture, {}, node),
  };
}

/** @param {string} ts */
function timeOf(ts) {
  return new Intl.DateTimeFormat(undefined, { hour: 'numeric', minute: '2-digit' }).format(new Date(Number(ts) * 1000));
}

/** @param {SharedFile} file */
function fileCard(file) {
  const href = `/sandbox/files/${encodeURIComponent(file.id)}?as=${encodeURIComponent(page.as ?? '')}`;
  // Images are shown in the conversation, as in Slack (the step-up QR code).
  if (file.filename.endsWith('.png'))
    return el('figure', { class: 'file-image' }, el('img', { src: href, alt: file.title || file.filename, width: '200', height: '200' }));
  return el(
    'div',
    { class: 'file' },
    el('span', { class: 'file-icon', 'aria-hidden': 'true', text: file.filename.endsWith('.csv') ? 'CSV' : 'FILE' }),
    el(
      'div',
      { class: 'file-meta' },
      el('span', { class: 'file-name', text: file.title || file.filename }),
      el(
        'span',
        { class: 'file-size' },
        `${file.size} bytes · `,
        el('a', { class: 'file-download', href, download: file.filename, text: `Download ${file.filename}` }),
      ),
    ),
  );
}

/**
 * Who wrote a message: the app, or the person who typed it.
 * @param {PageState} state
 * @param {Message} message
 */
function authorName(state, message) {
  if (message.author === null) return state.botName;
  return state.people.find((p) => p.id === message.author)?.realName ?? message.author;
}

/**
 * @param {PageState} state
 * @param {Message} message
 */
function renderMessage(state, message) {
  const surface = messageSurface(message);
  const content =
    message.blocks.length > 0
      ? renderBlocks(message.blocks, surface)
      : el('div', { class: 'bk-text' }, renderMrkdwn(message.text, surface.ctx));
  return el(
    'li',
    { class: `message${message.ephemeral ? ' ephemeral' : ''}` },
    el('div', { class: 'avatar', 'aria-hidden': 'true', text: message.author === null ? '🔑' : '👤' }),
    el(
      'div',
      { class: 'message-body' },
      el(
        'div',
        { class: 'message-meta' },
        el('span', { class: 'author', text: authorName(state, message) }),
        message.author === null ? el('span', { class: 'app-badge', text: 'APP' }) : undefined,
        el('span', { class: 'time', text: timeOf(message.ts) }),
        message.edited ? el('span', { class: 'edited', text: '(edited)' }) : undefined,
      ),
      message.ephemeral
        ? el('p', { class: 'only-you' }, el('span', { 'aria-hidden': 'true', text: '👁 ' }), 'Only visible to you')
        : undefined,
      content,
      ...message.files.map((file) => fileCard(file)),
    ),
  );
}

/**
 * Updates the list in place: a message that did not change keeps its node (and with it focus, an
 * open menu, and silence for screen readers, which hear only what is new or changed).
 */
/** @param {PageState} state */
function renderMessages(state) {
  const list = $('messages', HTMLOListElement);
  const scope = `${page.as}|${page.conversation}`;
  if (list.dataset.scope !== scope) {
    list.replaceChildren();
    list.dataset.scope = scope;
  }
  const focusKey = focusKeyOf(document.activeElement);
  const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
  /** @type {Map<string, HTMLElement>} */
  const existing = new Map();
  for (const node of list.children) if (node instanceof HTMLElement && node.dataset.ts !== undefined) existing.set(node.dataset.ts, node);
  const wanted = state.messages.map((message) => {
    const signature = JSON.stringify(message);
    const old = existing.get(message.ts);
    if (old !== undefined && old.dataset.signature === signature) return old;
    const node = renderMessage(state, message);
    node.dataset.ts = message.ts;
    node.dataset.signature = signature;
    return node;
  });
  if (wanted.length === 0)
    wanted.push(htmlElements(list, 'li.empty')[0] ?? el('li', { class: 'empty', text: 'No messages yet. Type /accesskey help below.' }));
  let added = false;
  wanted.forEach((node, index) => {
    if (list.children[index] === node) return;
    added = added || !node.isConnected;
    list.insertBefore(node, list.children[index] ?? null);
  });
  while (list.children.length > wanted.length) list.lastElementChild?.remove();
  if ((added && atBottom) || focusKey === undefined) list.scrollTop = list.scrollHeight;
  if (focusKeyOf(document.activeElement) !== focusKey) refocus(focusKey);
  showLinkedMessage(list);
}

/**
 * After following a message link: that message is scrolled into view and marked, as in Slack.
 * @param {HTMLElement} list
 */
function showLinkedMessage(list) {
  if (page.highlight === undefined) return;
  const target = [...list.children].find((node) => node instanceof HTMLElement && node.dataset.ts === page.highlight);
  if (target === undefined) return;
  page.highlight = undefined;
  for (const node of list.querySelectorAll('.linked')) {
    node.classList.remove('linked');
    node.removeAttribute('aria-current');
  }
  target.classList.add('linked');
  target.setAttribute('aria-current', 'true');
  target.scrollIntoView({ block: 'center' });
}

/** @param {PageState} state */
function renderHome(state) {
  const section = $('home', HTMLElement);
  const home = state.home;
  if (page.homeRequestedFor !== page.as) {
    page.homeRequestedFor = page.as;
    // Slack tells the app each time someone opens the tab; the app then publishes it.
    post('home', { as: page.as });
  }
  const focusKey = focusKeyOf(document.activeElement);
  if (home === null) {
    delete section.dataset.signature;
    section.replaceChildren(el('p', { class: 'empty', text: 'Loading App Home…' }));
    return;
  }
  const signature = JSON.stringify([page.as, home]);
  if (section.dataset.signature === signature) return;
  section.dataset.signature = signature;
  const before = readForm(section);
  /** @type {Surface} */
  const surface = {
    id: `v${home.id}`,
    ctx: ctx(),
    confirm,
    onAction: (gesture, node) => act({ type: 'view', viewId: home.id }, gesture, readForm(section), node),
  };
  section.replaceChildren(renderBlocks(home.blocks, surface));
  restoreForm(section, before);
  refocus(focusKey);
}

// ---- modals -------------------------------------------------------------------------------------

function closeModalElement() {
  const current = page.modal;
  page.modal = undefined;
  if (current !== undefined) {
    current.closing = true;
    current.dialog.close();
    current.dialog.remove();
  }
}

/** @param {PageState} state */
function renderModal(state) {
  const top = state.modals.at(-1);
  if (top === undefined) {
    if (page.modal !== undefined) {
      closeModalElement();
      $('message', HTMLTextAreaElement).focus();
    }
    return;
  }
  const errorsKey = JSON.stringify(top.errors);
  if (page.modal?.id === top.id && page.modal.hash === top.hash && page.modal.errorsKey === errorsKey) return;
  const shown = page.modal?.id === top.id ? page.modal : undefined;
  const sameView = shown !== undefined;
  /** @type {Form} */
  const before = sameView ? readForm(shown.body) : {};
  // Where the person was, by Block Kit ids (element ids are new on every render).
  const focused = sameView ? document.activeElement?.closest('[data-action-id]') : null;
  const focusIds = focused instanceof HTMLElement ? [focused.dataset.blockId, focused.dataset.actionId] : undefined;
  if (!sameView) closeModalElement();

  const titleId = `modal-title-${top.id}`;
  /** @type {Surface} */
  const surface = {
    id: `v${top.id}`,
    ctx: ctx(),
    errors: top.errors ?? undefined,
    confirm,
    onAction: (gesture, node) => act({ type: 'view', viewId: top.id }, gesture, readForm(body), node),
  };
  const body = el('div', { class: 'modal-body' }, renderBlocks(top.blocks, surface));
  restoreForm(body, before);
  const submit = top.submit === null ? undefined : el('button', { type: 'submit', class: 'bk-button primary', text: top.submit.text });
  const closeText = top.close?.text ?? 'Cancel';
  const cancel = el('button', { type: 'button', class: 'bk-button', text: closeText });
  // Slack's modals close from the × in their corner too, exactly as from the close button.
  const cross = el('button', { type: 'button', class: 'modal-x', 'aria-label': 'Close window', title: closeText, text: '×' });
  const form = el(
    'form',
    { class: 'modal-form', novalidate: true },
    el('header', { class: 'modal-header' }, el('h2', { id: titleId, text: top.title?.text ?? '' })),
    body,
    el('footer', { class: 'modal-footer' }, cancel, submit),
    // Last in order, first in the corner: the keyboard still starts at the first input, as in Slack.
    cross,
  );

  let dialog = shown?.dialog;
  if (dialog === undefined) {
    dialog = el('dialog', { class: 'modal', 'aria-labelledby': titleId });
    $('modals', HTMLElement).append(dialog);
  }
  dialog.replaceChildren(form);
  /** @type {ModalRecord} */
  const record = { id: top.id, hash: top.hash, errorsKey, dialog, body, closing: false };
  page.modal = record;

  const viewId = top.id;
  cancel.addEventListener('click', () => dismiss(record, viewId));
  cross.addEventListener('click', () => dismiss(record, viewId));
  dialog.oncancel = (event) => {
    // Escape closes the modal the way the close button does (Slack tells the app if it asked to know).
    event.preventDefault();
    dismiss(record, viewId);
  };
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (submit === undefined || submit.disabled) return;
    submit.disabled = true;
    submit.setAttribute('aria-busy', 'true');
    await post('submit', { as: page.as, viewId, form: readForm(body) });
    submit.disabled = false;
    submit.removeAttribute('aria-busy');
    refresh();
  });
  if (!dialog.open) dialog.showModal();
  const invalid = htmlElements(body, '[aria-invalid="true"]')[0];
  if (invalid !== undefined) invalid.focus();
  else if (!sameView) {
    // A new modal starts at its first field, as in Slack. (showModal alone may pick the body itself: a
    // body tall enough to scroll is focusable in Chromium.)
    htmlElements(body, 'input, select, textarea')[0]?.focus();
  } else if (focusIds !== undefined) {
    const again = htmlElements(body, '[data-action-id]').find(
      (n) => n.dataset.blockId === focusIds[0] && n.dataset.actionId === focusIds[1],
    );
    (again?.matches('input, select, textarea') ? again : again?.querySelector('input'))?.focus();
  }
}

/**
 * @param {ModalRecord} record
 * @param {string} viewId
 */
async function dismiss(record, viewId) {
  if (record.closing) return;
  record.closing = true;
  await post('close', { as: page.as, viewId });
  refresh();
}

/**
 * Block Kit's confirm object as a dialog of its own. Resolves true when the person confirms.
 * @param {ConfirmObject} object
 * @returns {Promise<boolean>}
 */
function confirm(object) {
  return new Promise((resolve) => {
    const titleId = `confirm-${Math.random().toString(36).slice(2)}`;
    const yes = el('button', {
      type: 'button',
      class: `bk-button ${object.style === 'danger' ? 'danger' : 'primary'}`,
      text: object.confirm?.text ?? 'Yes',
    });
    const no = el('button', { type: 'button', class: 'bk-button', text: object.deny?.text ?? 'Cancel' });
    const dialog = el(
      'dialog',
      { class: 'modal confirm', 'aria-labelledby': titleId },
      el('header', { class: 'modal-header' }, el('h2', { id: titleId, text: object.title?.text ?? 'Are you sure?' })),
      el(
        'div',
        { class: 'modal-body' },
        el('div', { class: 'bk-text' }, object.text?.type === 'mrkdwn' ? renderMrkdwn(object.text.text, ctx()) : (object.text?.text ?? '')),
      ),
      el('footer', { class: 'modal-footer' }, no, yes),
    );
    const opener = document.activeElement;
    /** @param {boolean} answer */
    const finish = (answer) => {
      dialog.close();
      dialog.remove();
      if (opener instanceof HTMLElement) opener.focus();
      resolve(answer);
    };
    yes.addEventListener('click', () => finish(true));
    no.addEventListener('click', () => finish(false));
    dialog.addEventListener('cancel', (event) => {
      event.preventDefault();
      finish(false);
    });
    document.body.append(dialog);
    dialog.showModal();
    no.focus();
  });
}

// ---- gestures -----------------------------------------------------------------------------------

/**
 * An element works until the app has answered, as in Slack: it shows a spinner and takes no second
 * press meanwhile. (aria-disabled rather than disabled: a disabled button would lose the focus.)
 * @param {Container} container
 * @param {Gesture} gesture
 * @param {Form} form
 * @param {HTMLElement} node
 */
async function act(container, gesture, form, node) {
  if (node?.getAttribute('aria-busy') === 'true') return;
  node?.setAttribute('aria-busy', 'true');
  node?.setAttribute('aria-disabled', 'true');
  try {
    await post('action', {
      as: page.as,
      container,
      blockId: gesture.blockId,
      actionId: gesture.actionId,
      value: gesture.value,
      input: gesture.input,
      form,
    });
  } finally {
    node?.removeAttribute('aria-busy');
    node?.removeAttribute('aria-disabled');
  }
  refresh();
}

/**
 * The message box while a slash command is on its way: Send spins; typing goes on.
 * @param {number} change
 */
function composerBusy(change) {
  page.sending += change;
  const busy = page.sending > 0;
  const composer = $('composer', HTMLFormElement);
  composer.setAttribute('aria-busy', String(busy));
  composer.querySelector('.send')?.classList.toggle('busy', busy);
}

/** @type {ReturnType<typeof setTimeout> | undefined} */
let toastTimer;
/** @param {string} text */
function toast(text) {
  const node = $('toast', HTMLElement);
  node.textContent = text;
  node.classList.add('visible');
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => {
    node.classList.remove('visible');
    node.textContent = '';
  }, 8000);
}

/** @param {string | undefined} conversation */
function go(conversation) {
  page.conversation = conversation;
  if (conversation === HOME) page.homeRequestedFor = undefined;
  history.replaceState(null, '', `#as=${page.as}&c=${conversation}`);
  refresh();
}

function readHash() {
  const params = new URLSearchParams(location.hash.slice(1));
  page.as = params.get('as') ?? undefined;
  page.conversation = params.get('c') ?? undefined;
  page.highlight = params.get('m') ?? undefined;
}

function wire() {
  const actingAs = $('acting-as', HTMLSelectElement);
  actingAs.addEventListener('change', () => {
    const previous = page.state?.people.find((p) => p.id === page.as);
    page.as = actingAs.value;
    const next = page.state?.people.find((p) => p.id === page.as);
    // In a DM with the bot, switching person opens the new person's DM.
    if (previous !== undefined && page.conversation === previous.dm) page.conversation = next?.dm;
    if (page.conversation === HOME) page.homeRequestedFor = undefined;
    closeModalElement();
    go(page.conversation);
  });
  const message = $('message', HTMLTextAreaElement);
  const composer = $('composer', HTMLFormElement);
  message.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && !event.shiftKey) {
      event.preventDefault();
      composer.requestSubmit();
    }
  });
  composer.addEventListener('submit', async (event) => {
    event.preventDefault();
    const text = message.value.trim();
    if (text === '') return;
    message.value = '';
    composerBusy(1);
    const answer = await post('command', { as: page.as, channel: page.conversation, text }).finally(() => composerBusy(-1));
    // Refused (not a command, say) or the app was not there (restarting): the text comes back, to be
    // fixed or sent again.
    if (answer === undefined && message.value === '') message.value = text;
    refresh();
  });
  $('workspace-switch', HTMLSelectElement).addEventListener('change', async (event) => {
    const target = event.target instanceof HTMLSelectElement ? event.target.value : '';
    await post('workspace', { team: target });
    refresh();
  });
  $('reset', HTMLButtonElement).addEventListener('click', async () => {
    const everything = page.state?.resetClears === 'everything';
    const sure = await confirm({
      title: { type: 'plain_text', text: 'Reset the sandbox?' },
      text: {
        type: 'mrkdwn',
        text: everything
          ? 'Every key, role, request and message is deleted, and the app restarts with an empty database.'
          : 'Every message is cleared. The database (DATABASE_URL) is kept.',
      },
      confirm: { type: 'plain_text', text: 'Reset' },
      deny: { type: 'plain_text', text: 'Cancel' },
      style: 'danger',
    });
    if (!sure) return;
    closeModalElement();
    await post('reset', {});
    toast('Resetting the sandbox…');
  });
  // Message links in what the app posts (`#c=<channel>&m=<ts>`) open that conversation for the same person.
  window.addEventListener('hashchange', () => {
    const params = new URLSearchParams(location.hash.slice(1));
    const conversation = params.get('c');
    if (conversation === null) return;
    page.as = params.get('as') ?? page.as;
    page.highlight = params.get('m') ?? undefined;
    closeModalElement();
    go(conversation);
  });
  // The sandbox authenticator's code moves on every 30 seconds; nothing else changes by the clock.
  setInterval(() => {
    if (page.state?.authenticator != null) refresh();
  }, 5000);
  const events = new EventSource('/sandbox/events');
  events.addEventListener('change', () => refresh());
  events.addEventListener('reset', () => {
    page.homeRequestedFor = undefined;
    refresh();
  });
  // Also after a reconnect (the app restarted): whatever happened meanwhile is fetched.
  events.addEventListener('open', () => {
    page.homeRequestedFor = undefined;
    refresh();
  });
}

readHash();
wire();
// The message box takes the keyboard first, as Slack's does (set here rather than with `autofocus`).
$('message', HTMLTextAreaElement).focus();
refresh();
