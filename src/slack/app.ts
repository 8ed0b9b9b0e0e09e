import type { RequestListener } from 'node:http';
import { App, HTTPReceiver } from '@slack/bolt';
import type { WebClient, WebClientOptions } from '@slack/web-api';
import type { Config } from '../config.js';
import { AppError } from '../errors.js';
import type { Services } from '../domain/services.js';
import type { Logger } from '../logger.js';
import { boltLogger } from './bolt-logger.js';
import { registerListeners } from './listeners/index.js';
import { InFlight } from './in-flight.js';
import { rejectFutureTimestamps } from './request-guard.js';
import {
  authorizationUrlFor,
  BOT_SCOPES,
  databaseInstallationStore,
  INSTALL_PATH,
  installedBotToken,
  installPages,
  REDIRECT_PATH,
} from './installations.js';

export interface SlackRuntime {
  app: App;
  client: WebClient;
  /** HTTP mode only: answers POST /slack/events (signature checked by Bolt). */
  requestListener?: RequestListener;
  /** OAuth install only: Bolt's installer answering GET `paths` (/slack/install, /slack/oauth_redirect). */
  install?: { paths: string[]; listener: RequestListener };
  /** The bot token for background workers: SLACK_BOT_TOKEN, or the installation's (refreshed as it rotates). */
  botToken: () => Promise<string>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** web-api options a caller may override (tests shorten retries); the type stays inside src/slack. */
export type SlackClientOverrides = Partial<WebClientOptions>;

export interface SlackAppOptions {
  config: Config;
  services: Services;
  /** The clock the domain decides with, so every view agrees with it. */
  now: () => Date;
  logger: Logger;
  /** Extra web-api options (tests shorten retries). */
  clientOptions?: Partial<WebClientOptions>;
}

/** Longer than a delivery can take with USER_FACING_RETRIES; shorter than an orchestrator's kill grace (30 s). */
const SHUTDOWN_DRAIN_MS = 20_000;

/**
 * User-facing calls retry briefly: a person is waiting, and web-api's default (ten retries over half
 * an hour) would hold a listener long after it could still help.
 */
const USER_FACING_RETRIES = { retries: 2, factor: 2, minTimeout: 200, maxTimeout: 1000 };

/**
 * Each Web API call gives up after this long (then retries, as above). Without it a Slack that never
 * answers would hold a secret's delivery, and the listener, forever; with it a delivery ends within
 * about 3 × 4 s, inside SHUTDOWN_DRAIN_MS.
 */
export const SLACK_CALL_TIMEOUT_MS = 4000;

/**
 * Bolt's start-up call (auth.test) fails with web-api's bare "fetch failed" or "invalid_auth": said
 * here with the setting to fix and the address tried, for the operator reading the start-up error.
 */
async function initOrExplain(app: App, apiUrl: string): Promise<void> {
  try {
    await app.init();
  } catch (error) {
    const code = typeof error === 'object' && error !== null && 'code' in error ? error.code : undefined;
    const message =
      code === 'slack_webapi_platform_error'
        ? `Slack at ${apiUrl} refused the bot token at start-up: check SLACK_BOT_TOKEN.`
        : `Slack could not be reached at start-up at SLACK_API_URL=${apiUrl}: check the setting and that this host can reach it.`;
    throw new AppError('CONFIG_INVALID', message, { cause: error });
  }
}

export async function createSlackApp(options: SlackAppOptions): Promise<SlackRuntime> {
  const { config, services, logger } = options;
  const log = boltLogger(logger);
  const clientOptions: WebClientOptions = {
    slackApiUrl: config.slack.apiUrl,
    retryConfig: USER_FACING_RETRIES,
    timeout: SLACK_CALL_TIMEOUT_MS,
    ...options.clientOptions,
  };

  let app: App;
  let requestListener: RequestListener | undefined;
  let install: SlackRuntime['install'];
  let botToken: () => Promise<string>;
  const fixedToken = config.slack.botToken;
  const oauth = config.slack.oauth;
  if (oauth !== undefined) {
    // OAuth install (docs/org-install.md): Bolt's installer in its HTTPReceiver, our database as its store.
    const signingSecret = config.slack.signingSecret;
    if (signingSecret === undefined) throw new Error('SLACK_SIGNING_SECRET is required in HTTP mode'); // config validation already says so
    const pages = installPages(logger);
    const receiver = new HTTPReceiver({
      signingSecret,
      endpoints: '/slack/events',
      logger: log,
      clientId: oauth.clientId,
      clientSecret: oauth.clientSecret,
      stateSecret: oauth.stateSecret,
      scopes: BOT_SCOPES,
      installationStore: databaseInstallationStore(services, oauth.encryptionKey),
      ...(oauth.redirectUri === undefined ? {} : { redirectUri: oauth.redirectUri }),
      installerOptions: {
        installPath: INSTALL_PATH,
        redirectUriPath: REDIRECT_PATH,
        // /slack/install goes straight to Slack's consent page.
        directInstall: true,
        authorizationUrl: authorizationUrlFor(config.slack.apiUrl),
        // oauth.v2.access (install and token refresh) and auth.test go where every other call goes.
        clientOptions,
        callbackOptions: { success: pages.success, failure: pages.failure },
      },
    });
    app = new App({ receiver, logger: log, clientOptions, deferInitialization: true, convoStore: false });
    requestListener = rejectFutureTimestamps(receiver.requestListener);
    install = { paths: [INSTALL_PATH, REDIRECT_PATH], listener: receiver.requestListener };
    const installer = receiver.installer;
    if (installer === undefined) throw new Error('Bolt built no installer from the OAuth settings');
    botToken = installedBotToken(services, (query) => installer.authorize(query));
  } else if (fixedToken === undefined) {
    throw new AppError('CONFIG_INVALID', 'SLACK_BOT_TOKEN is required (or set the OAuth install settings).');
  } else if (config.slack.socketMode) {
    botToken = async () => fixedToken;
    app = new App({
      token: fixedToken,
      appToken: config.slack.appToken,
      socketMode: true,
      logger: log,
      clientOptions,
      deferInitialization: true,
      convoStore: false,
    });
  } else {
    const signingSecret = config.slack.signingSecret;
    if (signingSecret === undefined) throw new Error('SLACK_SIGNING_SECRET is required in HTTP mode'); // config validation already says so
    botToken = async () => fixedToken;
    const receiver = new HTTPReceiver({ signingSecret, endpoints: '/slack/events', logger: log });
    // convoStore: false — nothing here uses Bolt's conversation state, and its middleware ran on every request.
    app = new App({ token: fixedToken, receiver, logger: log, clientOptions, deferInitialization: true, convoStore: false });
    requestListener = rejectFutureTimestamps(receiver.requestListener);
  }
  await initOrExplain(app, config.slack.apiUrl);
  const inFlight = new InFlight();
  registerListeners(app, { services, now: options.now, config, logger: logger.child({ component: 'slack' }), inFlight });

  return {
    app,
    client: app.client,
    requestListener,
    install,
    botToken,
    async start() {
      // HTTP mode is served by our own server; only Socket Mode has a connection to open.
      if (config.slack.socketMode) await app.start();
    },
    async stop() {
      // Secrets being handed over finish first (the database is closed only after this).
      await inFlight.drain(SHUTDOWN_DRAIN_MS);
      if (inFlight.size > 0)
        logger.error('shutdown did not wait for every secret delivery', { pending: inFlight.size, alert: 'delivery_cut_short' });
      if (config.slack.socketMode) await app.stop();
    },
  };
}
