import { z } from 'zod';
import type { IdMinter } from './ids.js';
import type { Store } from './store.js';
import type { EmulatedChannel, EmulatedMessage } from './types.js';

/**
 * What Slack keeps of a workspace's conversations across a client's restart: channels and DMs (with
 * their ids), the messages in them (approval cards, audit lines) and the files shared there (CSVs).
 * Ephemeral messages, modals, trigger_ids and response_urls are left out: Slack forgets those too.
 */
const SOURCES = [
  'chat.postMessage',
  'chat.postEphemeral',
  'response_url',
  'command_ack',
  'files.completeUploadExternal',
  'user_message',
] as const;
const ts = z.string().regex(/^\d{1,12}\.\d{6}$/);

const channelSchema = z.object({
  id: z.string().min(1).max(64),
  name: z.string().max(255),
  members: z.array(z.string().max(64)).optional(),
  isPrivate: z.boolean(),
  botIsMember: z.boolean(),
  isIm: z.boolean(),
  imUser: z.string().max(64).optional(),
});

const messageSchema = z.object({
  channel: z.string().min(1).max(64),
  ts,
  user: z.string().max(64),
  text: z.string(),
  blocks: z.array(z.record(z.string(), z.unknown())),
  attachments: z.unknown().optional(),
  threadTs: ts.optional(),
  metadata: z.unknown().optional(),
  files: z.array(z.string().max(64)),
  source: z.enum(SOURCES),
  /** When and how it was edited; earlier texts are not kept (the page shows "(edited)" only). */
  edits: z.array(z.object({ at: z.number(), via: z.string().max(64) })),
});

const fileSchema = z.object({
  id: z.string().min(1).max(64),
  uploadId: z.string().max(128),
  filename: z.string().max(255),
  title: z.string().max(255),
  altText: z.string().optional(),
  snippetType: z.string().optional(),
  base64: z.string(),
  channels: z.array(z.string().max(64)),
  initialComment: z.string().optional(),
  threadTs: ts.optional(),
  createdAt: z.number(),
});

export const conversationsSnapshotSchema = z.object({
  version: z.literal(1),
  /** The newest message ts handed out, so timestamps keep increasing after a restart. */
  lastTs: ts.optional(),
  channels: z.array(channelSchema),
  messages: z.array(messageSchema),
  files: z.array(fileSchema),
});

export type ConversationsSnapshot = z.output<typeof conversationsSnapshotSchema>;

/** Older messages beyond this many per conversation are not kept (a sandbox that runs for months). */
const KEPT_PER_CHANNEL = 500;

function channelOut(channel: EmulatedChannel): z.input<typeof channelSchema> {
  return {
    id: channel.id,
    name: channel.name,
    members: channel.members,
    isPrivate: channel.isPrivate,
    botIsMember: channel.botIsMember,
    isIm: channel.isIm,
    imUser: channel.imUser,
  };
}

function messageOut(message: EmulatedMessage): z.input<typeof messageSchema> {
  return {
    channel: message.channel,
    ts: message.ts,
    user: message.user,
    text: message.text,
    blocks: message.blocks,
    attachments: message.attachments,
    threadTs: message.threadTs,
    metadata: message.metadata,
    files: message.files,
    source: message.source,
    edits: message.revisions.map((revision) => ({ at: revision.at, via: revision.via })),
  };
}

/** The store's conversations as plain JSON (see conversationsSnapshotSchema). */
export function takeSnapshot(store: Store, lastTs: string | undefined): ConversationsSnapshot {
  const live = store.messages.filter((m) => m.kind === 'channel' && !m.deleted);
  const perChannel = new Map<string, number>();
  const kept: EmulatedMessage[] = [];
  for (let i = live.length - 1; i >= 0; i -= 1) {
    const message = live[i];
    if (message === undefined) continue;
    const count = perChannel.get(message.channel) ?? 0;
    if (count >= KEPT_PER_CHANNEL) continue;
    perChannel.set(message.channel, count + 1);
    kept.push(message);
  }
  kept.reverse();
  const referenced = new Set(kept.flatMap((m) => m.files));
  const files = [...store.files.values()].filter((f) => f.completed && f.bytes !== undefined && referenced.has(f.id));
  return {
    version: 1,
    lastTs,
    channels: [...store.channels.values()].map(channelOut),
    messages: kept.map(messageOut),
    files: files.map((file) => ({
      id: file.id,
      uploadId: file.uploadId,
      filename: file.filename,
      title: file.title,
      altText: file.altText,
      snippetType: file.snippetType,
      base64: (file.bytes ?? Buffer.alloc(0)).toString('base64'),
      channels: file.channels,
      initialComment: file.initialComment,
      threadTs: file.threadTs,
      createdAt: file.createdAt,
    })),
  };
}

/** Puts a snapshot's conversations back into an empty store (before any DM is opened). */
export function restoreSnapshot(store: Store, ids: IdMinter, snapshot: ConversationsSnapshot): void {
  for (const channel of snapshot.channels) {
    store.channels.set(channel.id, { ...channel, members: channel.members, imUser: channel.imUser });
    if (channel.isIm && channel.imUser !== undefined) store.dmByUser.set(channel.imUser, channel.id);
  }
  for (const file of snapshot.files) {
    const bytes = Buffer.from(file.base64, 'base64');
    store.files.set(file.id, {
      id: file.id,
      uploadId: file.uploadId,
      filename: file.filename,
      title: file.title,
      declaredLength: bytes.length,
      altText: file.altText,
      snippetType: file.snippetType,
      bytes,
      completed: true,
      channels: file.channels,
      initialComment: file.initialComment,
      threadTs: file.threadTs,
      createdAt: file.createdAt,
    });
  }
  for (const message of snapshot.messages) {
    store.messages.push({
      kind: 'channel',
      channel: message.channel,
      ts: message.ts,
      user: message.user,
      recipient: undefined,
      text: message.text,
      blocks: message.blocks,
      attachments: message.attachments,
      threadTs: message.threadTs,
      metadata: message.metadata,
      files: message.files.filter((id) => store.files.has(id)),
      source: message.source,
      deleted: false,
      revisions: message.edits.map((edit) => ({ text: '', blocks: [], at: edit.at, via: edit.via })),
    });
  }
  const newest = [snapshot.lastTs, ...snapshot.messages.map((m) => m.ts)].filter((t) => t !== undefined);
  for (const t of newest) ids.continueAfter(t);
}
