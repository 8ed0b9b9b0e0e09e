import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Installation, InstallationQuery, InstallationStore } from '@slack/bolt';
import { WebClient, type WebAPICallResult, type WebClientOptions } from '@slack/web-api';
import { z } from 'zod';
import { AppError, isAppError } from '../errors.js';
import { openText, sealText, serves, type InstallationIdentity } from '../domain/installations.js';
import type { Services } from '../domain/services.js';
import type { Logger } from '../logger.js';

/**
 * The OAuth install (SPEC §18, docs/org-install.md) through Bolt's own installer (@slack/oauth's
 * InstallProvider inside Bolt's HTTPReceiver): this file is the installation store it is given (our
 * database, tokens sealed with INSTALLATION_ENCRYPTION_KEY), the pages the browser sees after an install,
 * and the bot token the background workers use.
 */

/** The bot scopes an install asks for: the same list as manifest.yml's `oauth_config.scopes.bot`. */
export const BOT_SCOPES = [
  'commands',
  'chat:write',
  'im:write',
  'files:write',
  'users:read',
  'channels:history',
  'groups:history',
  'im:history',
  'mpim:history',
];

export const INSTALL_PATH = '/slack/install';
export const REDIRECT_PATH = '/slack/oauth_redirect';

/** Slack's authorize page beside its Web API (`https://slack.com/api/` → `https://slack.com/oauth/v2/authorize`). */
export function authorizationUrlFor(apiUrl: string): string {
  return new URL('../oauth/v2/authorize', apiUrl).toString();
}

function identityOf(installation: Installation): InstallationIdentity {
  return {
    enterpriseId: installation.enterprise?.id ?? null,
    teamId: installation.team?.id ?? null,
    isEnterpriseInstall: installation.isEnterpriseInstall === true,
  };
}

/** What we sealed ourselves (GCM-authenticated), checked for the part every caller relies on: a bot token. */
const sealedInstallation = z.looseObject({ bot: z.looseObject({ token: z.string().min(1) }) });

function openInstallation(sealed: string, key: Buffer): Installation {
  const parsed: unknown = JSON.parse(openText(sealed, key));
  sealedInstallation.parse(parsed);
  // Our own JSON.stringify of an Installation, authenticated by AES-GCM; the bot token was checked above.
  return parsed as Installation;
}

/** The installation store Bolt's installer reads and writes: one installation, in the database, sealed. */
export function databaseInstallationStore(services: Services, key: Buffer): InstallationStore {
  return {
    async storeInstallation(installation) {
      await services.installations.store(identityOf(installation), sealText(JSON.stringify(installation), key), installation.user?.id);
    },
    async fetchInstallation(query: InstallationQuery<boolean>) {
      const stored = await services.installations.find();
      if (stored === undefined) throw new AppError('INSTALL_REFUSED', 'Access Key Bot is not installed yet: open /slack/install.');
      if (!serves(stored, query)) throw new AppError('INSTALL_REFUSED', 'Access Key Bot does not serve this workspace.');
      return openInstallation(stored.sealed, key);
    },
    async deleteInstallation(query: InstallationQuery<boolean>) {
      await services.installations.remove({
        reason: 'app_uninstalled',
        identity: {
          enterpriseId: query.enterpriseId ?? null,
          teamId: query.teamId ?? null,
          isEnterpriseInstall: query.isEnterpriseInstall,
        },
      });
    },
  };
}

/**
 * The bot token of the one installation, refreshed first when Slack's token rotation says it is due:
 * Bolt's installer (`authorize`) refreshes it by `oauth.v2.access` and stores the new pair.
 */
export function installedBotToken(
  services: Services,
  authorize: (query: InstallationQuery<boolean>) => Promise<{ botToken?: string }>,
): () => Promise<string> {
  return async () => {
    const stored = await services.installations.find();
    if (stored === undefined) throw new AppError('INSTALL_REFUSED', 'Access Key Bot is not installed yet: open /slack/install.');
    const query: InstallationQuery<boolean> = stored.isEnterpriseInstall
      ? { isEnterpriseInstall: true, enterpriseId: stored.enterpriseId ?? undefined, teamId: undefined }
      : { isEnterpriseInstall: false, enterpriseId: stored.enterpriseId ?? undefined, teamId: stored.teamId ?? '' };
    const { botToken } = await authorize(query);
    if (botToken === undefined) throw new AppError('INSTALL_REFUSED', 'The Slack installation has no bot token: install the app again.');
    return botToken;
  };
}

/** A WebClient whose token is looked up for every call (the installation's, refreshed as it rotates). */
export class InstalledWebClient extends WebClient {
  private readonly tokenOf: () => Promise<string>;

  constructor(tokenOf: () => Promise<string>, options: WebClientOptions) {
    super(undefined, options);
    this.tokenOf = tokenOf;
  }

  override async apiCall(method: string, options: Record<string, unknown> = {}): Promise<WebAPICallResult> {
    const token = typeof options.token === 'string' ? options.token : await this.tokenOf();
    return super.apiCall(method, { ...options, token });
  }
}

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

function page(res: ServerResponse, status: number, title: string, body: string): void {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
  res.end(
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head>` +
      `<body><main><h1>${escapeHtml(title)}</h1><p>${escapeHtml(body)}</p></main></body></html>`,
  );
}

/** What the browser shows after Slack sends it back: installed, refused (another organisation), or failed. */
export function installPages(logger: Logger) {
  return {
    success(installation: Installation, _options: unknown, _req: IncomingMessage, res: ServerResponse): void {
      const where = installation.isEnterpriseInstall
        ? `every workspace of ${installation.enterprise?.name ?? 'your organisation'}`
        : (installation.team?.name ?? 'your workspace');
      page(res, 200, 'Access Key Bot is installed', `It now serves ${where}. Type /accesskey help in Slack to start.`);
    },
    failure(error: Error, _options: unknown, _req: IncomingMessage, res: ServerResponse): void {
      if (isAppError(error) && error.code === 'INSTALL_REFUSED') {
        page(res, 403, 'Access Key Bot was not installed', error.message);
        return;
      }
      logger.warn('slack install failed', { code: 'code' in error ? String(error.code) : undefined, message: error.message });
      page(res, 400, 'Access Key Bot was not installed', 'The installation did not complete. Open /slack/install to try again.');
    },
  };
}
