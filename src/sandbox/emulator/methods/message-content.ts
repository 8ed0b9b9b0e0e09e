import { checkBlocks, problemMessages } from '../block-kit.js';
import { withGeneratedIds } from '../elements.js';
import type { IdMinter } from '../ids.js';
import type { JsonObject } from '../json.js';
import { fail } from '../context.js';

export interface MessageContent {
  text: string;
  blocks: JsonObject[];
  blocksGiven: boolean;
  attachments: unknown;
}

export type ContentResult = { ok: true; content: MessageContent } | { ok: false; response: JsonObject };

/**
 * Shared message checks for chat.* and response_url bodies: no_text, msg_too_long, and Block Kit
 * limits. `maxText` is 40,000 for posting (Slack truncates beyond; we reject so the app notices)
 * and 4,000 for chat.update (documented).
 */
export function messageContent(args: JsonObject, maxText: number, ids: IdMinter): ContentResult {
  const text = typeof args.text === 'string' ? args.text : typeof args.text === 'number' ? String(args.text) : '';
  const blocksGiven = args.blocks !== undefined && args.blocks !== null && args.blocks !== '';
  if (blocksGiven && !Array.isArray(args.blocks)) return { ok: false, response: fail('invalid_blocks_format') };
  const problems = blocksGiven ? checkBlocks(args.blocks, 'message', '/blocks') : [];
  if (problems.length > 0) return { ok: false, response: fail('invalid_blocks', problemMessages(problems)) };
  const blocks = blocksGiven ? withGeneratedIds(args.blocks, () => ids.opaque(3)) : [];
  const attachments = Array.isArray(args.attachments) && args.attachments.length > 0 ? args.attachments : undefined;
  if (text.length === 0 && blocks.length === 0 && attachments === undefined && typeof args.markdown_text !== 'string') {
    return { ok: false, response: fail('no_text') };
  }
  if (text.length > maxText) return { ok: false, response: fail('msg_too_long') };
  return { ok: true, content: { text: text.length > 0 ? text : String(args.markdown_text ?? ''), blocks, blocksGiven, attachments } };
}
