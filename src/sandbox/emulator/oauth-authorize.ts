import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EmulatorContext } from './context.js';
import { sendText } from './http-body.js';
import type { InstallTarget } from './types.js';

/**
 * GET /oauth/v2/authorize: Slack's consent page, approved at once by the emulator's install target (a
 * workspace, or an Enterprise org for an org-wide install). It redirects the browser to the app's
 * `redirect_uri` (or the configured Redirect URL) with `code` and the app's `state`, as Slack does.
 */
export function handleAuthorize(req: IncomingMessage, res: ServerResponse, ctx: EmulatorContext, target: InstallTarget): void {
  const url = new URL(req.url ?? '/', 'http://x');
  const clientId = url.searchParams.get('client_id');
  if (clientId !== ctx.config.clientId) {
    sendText(res, 400, 'invalid_client_id');
    return;
  }
  const redirectParam = url.searchParams.get('redirect_uri') ?? undefined;
  const redirect = redirectParam ?? (ctx.config.oauthRedirectUri === '' ? undefined : ctx.config.oauthRedirectUri);
  if (redirect === undefined) {
    sendText(res, 400, 'bad_redirect_uri: the app sent no redirect_uri and none is configured (useOAuthRedirect)');
    return;
  }
  const code = ctx.ids.opaque(20);
  ctx.store.oauthCodes.set(code, { target, redirectUri: redirectParam, used: false });
  const back = new URL(redirect);
  back.searchParams.set('code', code);
  const state = url.searchParams.get('state');
  if (state !== null) back.searchParams.set('state', state);
  res.writeHead(302, { location: back.toString() }).end();
}
