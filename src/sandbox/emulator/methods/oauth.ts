import { fail, ok, type EmulatorContext, type MethodSpec } from '../context.js';
import { nonEmptyString, type JsonObject } from '../json.js';
import type { InstallTarget } from '../types.js';

/**
 * oauth.v2.access (docs.slack.dev/reference/methods/oauth.v2.access): exchanges an install's `code`, or
 * with `grant_type=refresh_token` a refresh token, for a bot token. The answer has the fields of Slack's
 * published example that a bot-only install gets; with token rotation also `refresh_token` and `expires_in`.
 */
function mintToken(ctx: EmulatorContext, target: InstallTarget): JsonObject {
  const rotation = ctx.config.tokenRotation;
  const token = `${rotation ? 'xoxe.xoxb' : 'xoxb'}-${ctx.ids.opaque(24)}`;
  const expiresAt = rotation ? ctx.clock.now() + ctx.config.tokenLifetimeSec * 1000 : undefined;
  ctx.store.issuedTokens.set(token, { token, target, expiresAt, revoked: false });
  const body: JsonObject = {
    app_id: ctx.config.appId,
    access_token: token,
    token_type: 'bot',
    // The scopes the app asked for on the authorize page are not tracked: the manifest's, as a fresh install grants them.
    scope: 'commands,chat:write,im:write,files:write,users:read,channels:history,groups:history,im:history,mpim:history',
    bot_user_id: ctx.config.botUserId,
    team: target.isEnterpriseInstall ? null : { id: target.teamId, name: target.teamName },
    enterprise: target.enterpriseId === null ? null : { id: target.enterpriseId, name: target.enterpriseName },
    is_enterprise_install: target.isEnterpriseInstall,
  };
  if (rotation) {
    const refresh = `xoxe-1-${ctx.ids.opaque(24)}`;
    ctx.store.refreshTokens.set(refresh, target);
    body.refresh_token = refresh;
    body.expires_in = ctx.config.tokenLifetimeSec;
  }
  return body;
}

const oauthV2Access: MethodSpec = {
  token: 'none',
  handle(args, ctx) {
    if (nonEmptyString(args.client_id) !== ctx.config.clientId) return fail('invalid_client_id');
    if (nonEmptyString(args.client_secret) !== ctx.config.clientSecret) return fail('bad_client_secret');
    if (nonEmptyString(args.grant_type) === 'refresh_token') {
      const refresh = nonEmptyString(args.refresh_token);
      const target = refresh === undefined ? undefined : ctx.store.refreshTokens.get(refresh);
      if (target === undefined) return fail('invalid_refresh_token');
      return ok(mintToken(ctx, target));
    }
    const code = nonEmptyString(args.code);
    const grant = code === undefined ? undefined : ctx.store.oauthCodes.get(code);
    if (grant === undefined) return fail('invalid_code');
    if (grant.used) return fail('code_already_used');
    const redirectUri = nonEmptyString(args.redirect_uri);
    if (grant.redirectUri !== undefined && redirectUri !== undefined && redirectUri !== grant.redirectUri) return fail('bad_redirect_uri');
    grant.used = true;
    ctx.store.installation = grant.target;
    const body = mintToken(ctx, grant.target);
    // A bot-only install: the installing user, without a user token.
    body.authed_user = { id: grant.target.userId };
    return ok(body);
  },
};

export const oauthMethods: Record<string, MethodSpec> = {
  'oauth.v2.access': oauthV2Access,
};
