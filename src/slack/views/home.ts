import { ACTION } from '../ids.js';
import type { HomeView, KnownBlock } from './blocks.js';
import { escapeText, mrkdwn, plain } from './format.js';
import { KEYS_PER_MESSAGE, keyActions, keyFields, type KeyRow } from './keys.js';
import { slotsText } from '../../domain/keys/common.js';
import type { StreamStatus } from '../../domain/streams/model.js';
import { streamStatusText } from './streams.js';

export interface HomeInput {
  roleName: string | null;
  used: number;
  max: number;
  rotatingOut?: number;
  hasApiAccess: boolean;
  rows: KeyRow[];
  notice?: string;
  /** Admins only: every event stream with its lag and last error (docs/streams.md). */
  streams?: StreamStatus[];
}

/** The admins' view of the event streams: how far behind each is and why it is failing. */
function streamBlocks(streams: readonly StreamStatus[]): KnownBlock[] {
  if (streams.length === 0) return [];
  return [
    { type: 'divider' },
    { type: 'header', text: plain('Event streams', 150) },
    // Ten at most keep the tab within its 100 blocks beside the keys; the modal lists them all.
    ...streams.slice(0, 10).map((stream): KnownBlock => ({ type: 'section', text: mrkdwn(streamStatusText(stream)) })),
    { type: 'context', elements: [mrkdwn('Manage them with `/accesskey admin streams`.')] },
  ];
}

/** docs/rules.md, app-home: the active role's keys, slots used, and actions. */
export function homeView(input: HomeInput): HomeView {
  const blocks: KnownBlock[] = [{ type: 'header', text: plain('Your access keys', 150) }];
  if (input.notice !== undefined) blocks.push({ type: 'section', text: mrkdwn(input.notice) });
  if (input.roleName === null) {
    blocks.push({ type: 'section', text: mrkdwn('You have no active role. Pick one with `/accesskey role <name>`.') });
    return { type: 'home', blocks: [...blocks, ...streamBlocks(input.streams ?? [])] };
  }
  blocks.push({ type: 'section', text: mrkdwn(`*Active role:* ${escapeText(input.roleName)} · ${slotsText(input)}`) });
  if (!input.hasApiAccess) {
    blocks.push(
      { type: 'section', text: mrkdwn("You don't have API access yet, so you can't create keys.") },
      {
        type: 'actions',
        elements: [
          { type: 'button', action_id: ACTION.requestAccess, text: plain('Request API access'), style: 'primary', value: 'request' },
        ],
      },
    );
  } else if (input.used < input.max) {
    blocks.push({
      type: 'actions',
      elements: [{ type: 'button', action_id: ACTION.createKey, text: plain('Create key'), style: 'primary', value: 'home' }],
    });
  }
  if (input.rows.length === 0) blocks.push({ type: 'section', text: mrkdwn('No keys in this role yet.') });
  // A Home tab holds 100 blocks; each key takes three.
  for (const row of input.rows.slice(0, KEYS_PER_MESSAGE * 2)) {
    blocks.push({ type: 'divider' }, { type: 'section', fields: keyFields(row) }, keyActions(row, 'home'));
  }
  blocks.push({
    type: 'context',
    elements: [mrkdwn('Switch roles with `/accesskey role <name>`. Type `/accesskey help` for everything else.')],
  });
  blocks.push(...streamBlocks(input.streams ?? []));
  return { type: 'home', blocks };
}
