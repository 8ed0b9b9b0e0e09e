import type { WebClient } from '@slack/web-api';
import type { AccessKey, Role } from '../domain/model.js';
import type { ListenerContext } from './listeners/context.js';
import { policyIssue } from '../domain/policy.js';
import { effectivePermissions } from '../domain/permissions.js';
import { isAppError } from '../errors.js';
import { keyStatus } from '../domain/time.js';
import { postToResponseUrl } from './delivery/response-url.js';
import type { Message } from './views/blocks.js';
import { homeView } from './views/home.js';
import { keyDetailsMessage, keyListMessage, type KeyRow, type KeySurface } from './views/keys.js';
import { noticeMessage } from './views/messages.js';

export function keyRow(
  key: AccessKey,
  role: (Pick<Role, 'name' | 'policy'> & Partial<Pick<Role, 'permissions'>>) | undefined,
  now: Date,
): KeyRow {
  const issue = policyIssue(key, role, now);
  return {
    key,
    roleName: role?.name ?? '(deleted role)',
    status: keyStatus(key, now),
    // What the key may do now: its chosen set within its role's current one (docs/least-privilege.md).
    permissions: effectivePermissions(key.permissions, role?.permissions ?? []),
    ...(issue === undefined ? {} : { policyIssue: issue }),
  };
}

/** Old keys whose successor exists: shown apart from the role's slots (see slotsText). */
const rotatingOut = (rows: KeyRow[]): number => rows.filter((r) => r.key.rotatedTo !== null).length;

/** The list message for a user: the active role's keys with slots, or every role's. */
export async function listMessage(surface: SurfaceContext, userId: string, allRoles: boolean, notice?: string): Promise<Message> {
  const { ctx, keys } = await surface.services.keys.list(userId, { allRoles });
  const now = surface.now();
  const rows = keys.map((k) => keyRow(k.key, k.role, now));
  const slots =
    allRoles || ctx.activeRole === null
      ? null
      : { roleName: ctx.activeRole.name, used: rows.length, max: ctx.activeRole.maxKeys, rotatingOut: rotatingOut(rows) };
  return keyListMessage({ rows, slots, notice });
}

export async function publishHome(client: WebClient, surface: SurfaceContext, userId: string, notice?: string): Promise<void> {
  const { ctx, keys } = await surface.services.keys.list(userId);
  const now = surface.now();
  const rows = keys.map((k) => keyRow(k.key, k.role, now));
  const streams = ctx.isAdmin ? await surface.services.streams.statuses() : undefined;
  await client.views.publish({
    user_id: userId,
    view: homeView({
      roleName: ctx.activeRole?.name ?? null,
      used: rows.length,
      max: ctx.activeRole?.maxKeys ?? 0,
      rotatingOut: rotatingOut(rows),
      hasApiAccess: ctx.hasApiAccess,
      rows,
      notice,
      streams,
    }),
  });
}

/**
 * What a surface shows about one key after a change; the key may be gone (deleted), and then the notice
 * stands alone. Any other failure is a fault and goes to the error boundary: it must not look like a deletion.
 */
async function keyMessage(surface: SurfaceContext, userId: string, keyId: string, notice: string): Promise<Message> {
  const view = await surface.services.keys.show(userId, keyId).catch((error: unknown) => {
    if (isAppError(error, 'KEY_NOT_FOUND')) return undefined;
    throw error;
  });
  return view === undefined ? noticeMessage(notice) : keyDetailsMessage(keyRow(view.key, view.role, surface.now()), notice);
}

/** What a surface needs from the listener's context: the services and the clock. */
export type SurfaceContext = Pick<ListenerContext, 'services' | 'now'>;

export interface RefreshInput {
  ctx: SurfaceContext;
  client: WebClient;
  surface: KeySurface;
  userId: string;
  keyId?: string;
  notice: string;
  /** The response_url of the message the click came from (messages only). */
  responseUrl?: string;
  /** Replace the message the click came from (default), or post the outcome as a new message. */
  replaceOriginal?: boolean;
}

/** After a click, the surface it came from shows the fresh state with a line about what happened. */
export async function refreshSurface(input: RefreshInput): Promise<void> {
  const { ctx, client, surface, userId, notice } = input;
  if (surface === 'home') {
    await publishHome(client, ctx, userId, notice);
    return;
  }
  if (input.responseUrl === undefined) return;
  const message =
    surface === 'list' || surface === 'list_all'
      ? await listMessage(ctx, userId, surface === 'list_all', notice)
      : input.keyId === undefined
        ? noticeMessage(notice)
        : await keyMessage(ctx, userId, input.keyId, notice);
  await postToResponseUrl(input.responseUrl, { response_type: 'ephemeral', replace_original: input.replaceOriginal ?? true, ...message });
}
