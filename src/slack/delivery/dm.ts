import type { WebClient } from '@slack/web-api';
import type { Message } from '../views/blocks.js';

/** The bot's DM channel with a user (conversations.open returns the same one each time). */
export async function openDm(client: WebClient, userId: string): Promise<string> {
  const opened = await client.conversations.open({ users: userId });
  const channelId = opened.channel?.id;
  if (channelId === undefined) throw new Error('conversations.open returned no channel');
  return channelId;
}

export async function sendDm(client: WebClient, userId: string, message: Message): Promise<void> {
  await client.chat.postMessage({ channel: await openDm(client, userId), ...message });
}

/** A file in the user's DM with the bot: the only private way to hand someone a file in Slack. */
export async function uploadToDm(
  client: WebClient,
  userId: string,
  file: { filename: string; content: string; comment: string },
): Promise<string> {
  return (await uploadFileToDm(client, userId, file)).channel;
}

/** The same, also returning the file's id (so it can be deleted later); undefined if Slack named none. */
export async function uploadFileToDm(
  client: WebClient,
  userId: string,
  file: { filename: string; content: string; comment: string },
): Promise<{ channel: string; fileId: string | undefined }> {
  const channel = await openDm(client, userId);
  const uploaded = await client.filesUploadV2({
    channel_id: channel,
    filename: file.filename,
    title: file.filename,
    content: file.content,
    initial_comment: file.comment,
  });
  const fileId = uploaded.files.flatMap((completed) => completed.files ?? []).find((f) => typeof f.id === 'string')?.id;
  return { channel, fileId };
}
