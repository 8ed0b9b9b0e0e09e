import { AppError } from './errors.js';
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import type { RequestListener } from 'node:http';
import { hostname } from 'node:os';
import { parseDatabaseUrl, type Config } from './config.js';
import { createLogger } from './logger.js';
import { startApp, type RunningApp, type StartOptions } from './runtime.js';
import { Sandbox } from './sandbox/sandbox.js';
import { SANDBOX_CONVERSATIONS_FILE, SANDBOX_DATABASE_URL, SANDBOX_PATH } from './sandbox/workspace.js';

export interface RunningSandbox {
  /** The app as it runs now (a reset replaces it). */
  readonly app: RunningApp;
  readonly sandbox: Sandbox;
  /** The page, e.g. http://127.0.0.1:3000/sandbox. */
  readonly url: string;
  readonly port: number;
  stop(): Promise<void>;
}

export interface SandboxStartOptions extends Omit<StartOptions, 'mounts'> {
  /**
   * Whether reset may delete the SQLite file. By default only the sandbox's own file
   * (data/sandbox.sqlite) is deleted; any other database is left alone and only Slack's side is cleared.
   */
  ownsDatabase?: boolean;
  /** Where the conversations are kept; by default beside the SQLite file, or data/ (tests give their own). */
  conversationsFile?: string;
  /** Called when a reset could not bring the app back (the process should end). */
  onFatal?: (error: unknown) => void;
}

/** The address this machine reaches the server on (a wildcard bind is reached on loopback). */
function reachableHost(host: string): string {
  if (host === '0.0.0.0' || host === '::' || host === '') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}

/** Where the sandbox keeps its conversations: beside a SQLite file, else in data/ (SPEC §8). */
function conversationsFileFor(config: Config): string {
  return config.database.kind === 'sqlite' ? `${config.database.path}.conversations.json` : SANDBOX_CONVERSATIONS_FILE;
}

/** `GET /` on the sandbox's port: the page is what a person opening the bare address wants. */
const toThePage: RequestListener = (req, res) => {
  if (req.method === 'GET' || req.method === 'HEAD') {
    res.writeHead(302, { location: SANDBOX_PATH, 'content-length': 0, 'cache-control': 'no-store' }).end();
    return;
  }
  res.writeHead(404, { 'content-type': 'application/json; charset=utf-8', connection: 'close' }).end('{"error":"not found"}');
};

/**
 * Sandbox mode (no Slack settings): the real app, unchanged, against a Slack stand-in served on the
 * same port under /sandbox. The stand-in is Slack to the app: it signs requests to /slack/events and
 * answers the app's Web API calls (SLACK_API_URL points at it).
 */
export async function startSandboxApp(config: Config, options: SandboxStartOptions = {}): Promise<RunningSandbox> {
  const logger = options.logger ?? createLogger({ level: config.logLevel });
  if (!['127.0.0.1', '::1', 'localhost'].includes(config.host)) {
    // The page has no sign-in: anyone who reaches it can act as the sandbox's admin.
    logger.warn('the sandbox is reachable beyond this machine (HOST); anyone who can reach it can act as its admin', { host: config.host });
  }
  const ownDatabase = JSON.stringify(parseDatabaseUrl(SANDBOX_DATABASE_URL)) === JSON.stringify(config.database);
  const deletesDatabase = config.database.kind === 'sqlite' && (options.ownsDatabase ?? ownDatabase);

  let app: RunningApp | undefined;
  const oauth = config.slack.oauth;
  // The sandbox's configuration makes one, unless the app installs by OAuth (SANDBOX_INSTALL=oauth).
  const botToken = config.slack.botToken ?? (oauth === undefined ? undefined : `xoxb-sandbox-unused-${randomBytes(12).toString('hex')}`);
  if (botToken === undefined) throw new AppError('CONFIG_INVALID', 'The sandbox needs its own bot token.');
  const sandbox: Sandbox = await Sandbox.start({
    botToken,
    ...(oauth === undefined ? {} : { oauth: { clientId: oauth.clientId, clientSecret: oauth.clientSecret } }),
    signingSecret: config.slack.signingSecret ?? '',
    auditChannelId: config.auditChannelId,
    approvalsChannelId: config.approvalsChannelId,
    resetClears: deletesDatabase ? 'everything' : 'slack',
    logger: logger.child({ component: 'sandbox' }),
    conversationsFile: options.conversationsFile ?? conversationsFileFor(config),
    hostNames: [config.host, hostname()],
    onReset: async () => {
      await app?.stop();
      app = undefined;
      if (deletesDatabase && config.database.kind === 'sqlite') {
        const path = config.database.path;
        await Promise.all(['', '-wal', '-shm', '-journal'].map((suffix) => rm(`${path}${suffix}`, { force: true })));
        // The audit tail witness remembers the deleted database's head. Kept, it would make the empty
        // database look like a cut audit log and raise a tamper alert at every reset.
        if (config.auditWitnessFile !== undefined) await rm(config.auditWitnessFile, { force: true });
      }
      await sandbox.clear();
      try {
        app = await launch();
        logger.info('sandbox reset', { database: deletesDatabase ? 'deleted' : 'kept' });
      } catch (error) {
        options.onFatal?.(error);
        throw error;
      }
    },
  });
  let sandboxConfig: Config = { ...config, slack: { ...config.slack, apiUrl: sandbox.apiUrl, socketMode: false } };
  const launch = async () => {
    const started = await startApp(sandboxConfig, {
      ...options,
      logger,
      mounts: [
        { prefix: SANDBOX_PATH, listener: sandbox.listener },
        // Only the bare "/" (mounts match a prefix and what is below it after a "/"; nothing starts with "//").
        { prefix: '/', listener: toThePage },
      ],
    });
    sandbox.connect(`http://${reachableHost(config.host)}:${started.port}`);
    // PORT=0 picked a port: a reset comes back on the same one, so the open page finds the app again.
    sandboxConfig = { ...sandboxConfig, port: started.port };
    return started;
  };
  try {
    app = await launch();
  } catch (error) {
    await sandbox.stop();
    throw error;
  }
  const first = app;
  return {
    get app() {
      return app ?? first;
    },
    sandbox,
    url: sandbox.pageUrl,
    port: first.port,
    async stop() {
      await app?.stop();
      app = undefined;
      await sandbox.stop();
    },
  };
}
