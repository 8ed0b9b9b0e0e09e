import { fail, missingField, ok, type EmulatorContext, type MethodSpec } from '../context.js';
import { nonEmptyString, objectsIn, type JsonObject } from '../json.js';
import type { StoredFile } from '../store.js';
import { messageContent } from './message-content.js';

export function fileJson(file: StoredFile, ctx: EmulatorContext): JsonObject {
  const ext = file.filename.includes('.') ? (file.filename.split('.').pop() ?? '') : '';
  return {
    id: file.id,
    created: Math.floor(file.createdAt / 1000),
    timestamp: Math.floor(file.createdAt / 1000),
    name: file.filename,
    title: file.title,
    mimetype: ext === 'csv' ? 'text/csv' : 'application/octet-stream',
    filetype: ext || 'binary',
    user: ctx.config.botUserId,
    size: file.bytes?.length ?? file.declaredLength,
    mode: 'hosted',
    is_external: false,
    is_public: false,
    channels: file.channels.filter((c) => !c.startsWith('D')),
    ims: file.channels.filter((c) => c.startsWith('D')),
    groups: [],
    url_private: `${ctx.baseUrl()}/files-pri/${ctx.config.teamId}-${file.id}/${encodeURIComponent(file.filename)}`,
  };
}

const getUploadUrl: MethodSpec = {
  token: 'bot',
  handle(args, ctx) {
    const filename = nonEmptyString(args.filename);
    if (filename === undefined) return missingField('filename');
    // Slack documents missing_argument "typically when length is 0".
    const length = Number(args.length);
    if (args.length === undefined || !Number.isInteger(length) || length <= 0) return fail('missing_argument');
    const file: StoredFile = {
      id: ctx.ids.id('F'),
      uploadId: ctx.ids.opaque(16),
      filename,
      title: filename,
      declaredLength: length,
      altText: nonEmptyString(args.alt_text) ?? nonEmptyString(args.alt_txt),
      snippetType: nonEmptyString(args.snippet_type),
      bytes: undefined,
      completed: false,
      channels: [],
      initialComment: undefined,
      threadTs: undefined,
      createdAt: ctx.clock.now(),
    };
    ctx.store.files.set(file.id, file);
    ctx.store.uploads.set(file.uploadId, file.id);
    return ok({ upload_url: `${ctx.baseUrl()}/upload/${file.uploadId}`, file_id: file.id });
  },
};

const completeUpload: MethodSpec = {
  token: 'bot',
  handle(args, ctx) {
    if (!Array.isArray(args.files)) return missingField('files');
    const entries = objectsIn(args.files);
    if (entries.length === 0 || entries.length !== args.files.length)
      return fail('invalid_arguments', ['[ERROR] files must be an array of {id, title}']);
    const files: StoredFile[] = [];
    for (const entry of entries) {
      const file = typeof entry.id === 'string' ? ctx.store.files.get(entry.id) : undefined;
      // A file whose bytes never reached the upload URL cannot be completed.
      if (file === undefined || file.bytes === undefined) return fail('file_not_found');
      files.push(file);
    }
    const channelArg = nonEmptyString(args.channel_id) ?? nonEmptyString(args.channels)?.split(',')[0];
    const channel = channelArg === undefined ? undefined : ctx.store.resolveChannel(channelArg);
    if (channelArg !== undefined && channel === undefined) return fail('channel_not_found');
    if (channel !== undefined && !channel.botIsMember) return fail('not_in_channel');
    const threadTs = nonEmptyString(args.thread_ts);
    if (threadTs !== undefined && channel === undefined) return fail('invalid_arguments', ['[ERROR] thread_ts requires channel_id']);
    const initialComment = nonEmptyString(args.initial_comment);
    let blocks: JsonObject[] = [];
    if (args.blocks !== undefined && initialComment === undefined) {
      const checked = messageContent({ blocks: args.blocks }, 40_000, ctx.ids);
      if (!checked.ok) return checked.response;
      blocks = checked.content.blocks;
    }
    entries.forEach((entry, i) => {
      const file = files[i];
      if (file === undefined) return;
      if (typeof entry.title === 'string' && entry.title.length > 0) file.title = entry.title;
      file.completed = true;
      file.initialComment = initialComment;
      file.threadTs = threadTs;
      if (channel !== undefined && !file.channels.includes(channel.id)) file.channels.push(channel.id);
    });
    if (channel !== undefined) {
      // Sharing a file posts a message carrying it, the way Slack shows uploads in the conversation.
      ctx.store.addMessage({
        kind: 'channel',
        channel: channel.id,
        text: initialComment ?? '',
        blocks,
        threadTs,
        files: files.map((f) => f.id),
        source: 'files.completeUploadExternal',
      });
    }
    return ok({ files: files.map((f) => fileJson(f, ctx)) });
  },
};

/**
 * files.delete: the file is gone (downloads answer 404, files.* answer file_not_found) and the messages
 * that carried it no longer list it, as Slack shows "This file was deleted".
 */
const deleteFile: MethodSpec = {
  token: 'bot',
  handle(args, ctx) {
    const id = nonEmptyString(args.file);
    if (id === undefined) return missingField('file');
    const file = ctx.store.files.get(id);
    if (file === undefined || !file.completed) return fail('file_not_found');
    ctx.store.files.delete(id);
    ctx.store.uploads.delete(file.uploadId);
    for (const message of ctx.store.messages) {
      if (message.files.includes(id)) message.files = message.files.filter((f) => f !== id);
    }
    return ok({});
  },
};

export const fileMethods: Record<string, MethodSpec> = {
  'files.delete': deleteFile,
  'files.getUploadURLExternal': getUploadUrl,
  'files.completeUploadExternal': completeUpload,
};
