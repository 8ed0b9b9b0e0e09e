import { fail, ok, type EmulatorContext, type MethodSpec } from '../context.js';
import { nonEmptyString, truthyFlag, type JsonObject } from '../json.js';
import type { EmulatedChannel, EmulatedUser } from '../types.js';

function tzInfo(tz: string, at: Date): { label: string; offsetSec: number } {
  const part = (style: 'long' | 'longOffset'): string =>
    new Intl.DateTimeFormat('en-US', { timeZone: tz, timeZoneName: style }).formatToParts(at).find((p) => p.type === 'timeZoneName')
      ?.value ?? '';
  const match = /GMT([+-])(\d{2}):(\d{2})/.exec(part('longOffset'));
  const offsetSec = match === null ? 0 : (match[1] === '-' ? -1 : 1) * (Number(match[2]) * 3600 + Number(match[3]) * 60);
  return { label: part('long'), offsetSec };
}

export function userJson(user: EmulatedUser, ctx: EmulatorContext, includeLocale: boolean): JsonObject {
  const tz = tzInfo(user.tz, new Date(ctx.clock.now()));
  const json: JsonObject = {
    id: user.id,
    team_id: ctx.config.teamId,
    name: user.name,
    deleted: user.deleted,
    real_name: user.realName,
    tz: user.tz,
    tz_label: tz.label,
    tz_offset: tz.offsetSec,
    profile: { real_name: user.realName, display_name: user.name, email: user.email, team: ctx.config.teamId },
    is_admin: user.isAdmin,
    is_owner: user.isOwner,
    is_primary_owner: false,
    is_restricted: false,
    is_ultra_restricted: false,
    is_bot: user.isBot,
    is_app_user: false,
    updated: Math.floor(ctx.clock.now() / 1000),
  };
  if (includeLocale) json.locale = 'en-US';
  return json;
}

function imJson(channel: EmulatedChannel, ctx: EmulatorContext): JsonObject {
  return { id: channel.id, is_im: true, user: channel.imUser, created: Math.floor(ctx.clock.now() / 1000), is_open: true };
}

const authTest: MethodSpec = {
  token: 'bot',
  handle(_args, ctx) {
    const install = ctx.callerInstall;
    return ok({
      url: `https://${ctx.config.teamDomain}.slack.com/`,
      team: install?.teamName ?? ctx.config.teamName,
      user: ctx.config.botName,
      team_id: install?.teamId ?? ctx.config.teamId,
      user_id: ctx.config.botUserId,
      bot_id: ctx.config.botId,
      app_id: ctx.config.appId,
      ...(install?.enterpriseId == null ? {} : { enterprise_id: install.enterpriseId }),
      is_enterprise_install: install?.isEnterpriseInstall ?? false,
    });
  },
};

const usersInfo: MethodSpec = {
  token: 'bot',
  handle(args, ctx) {
    const userId = nonEmptyString(args.user);
    const user = userId === undefined ? undefined : ctx.store.users.get(userId);
    if (user === undefined) return fail('user_not_found');
    return ok({ user: userJson(user, ctx, truthyFlag(args.include_locale)) });
  },
};

const conversationsOpen: MethodSpec = {
  token: 'bot',
  handle(args, ctx) {
    const users = nonEmptyString(args.users);
    const channelId = nonEmptyString(args.channel);
    if (users === undefined) {
      if (channelId === undefined) return fail('users_list_not_supplied');
      const channel = ctx.store.channels.get(channelId);
      if (channel === undefined) return fail('channel_not_found');
      return ok({ channel: channel.isIm ? imJson(channel, ctx) : { id: channel.id } });
    }
    const ids = users
      .split(',')
      .map((u) => u.trim())
      .filter((u) => u.length > 0);
    if (ids.length === 0) return fail('not_enough_users');
    const unknown = ids.find((id) => !ctx.store.users.has(id));
    if (unknown !== undefined) return fail('user_not_found');
    if (ids.length > 1) {
      // Group DMs are out of scope for this app; say so loudly rather than pretend.
      return fail('not_implemented_in_emulator');
    }
    const userId = ids[0] ?? '';
    const alreadyOpen = ctx.store.dmByUser.has(userId);
    const channel = ctx.store.openDm(userId);
    if (truthyFlag(args.return_im)) {
      return ok({ ...(alreadyOpen ? { no_op: true, already_open: true } : {}), channel: imJson(channel, ctx) });
    }
    return ok({ channel: { id: channel.id } });
  },
};

const connectionsOpen: MethodSpec = {
  token: 'app',
  handle(_args, ctx) {
    const ticket = ctx.ids.opaque(16);
    ctx.store.socketTickets.add(ticket);
    const wsBase = ctx.baseUrl().replace(/^http/, 'ws');
    return ok({ url: `${wsBase}/link?ticket=${ticket}&app_id=${ctx.config.appId}` });
  },
};

export const miscMethods: Record<string, MethodSpec> = {
  'auth.test': authTest,
  'users.info': usersInfo,
  'conversations.open': conversationsOpen,
  'apps.connections.open': connectionsOpen,
};
