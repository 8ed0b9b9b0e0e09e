import { loadConfig, type Config } from '../../src/config.js';
import { createMemoryLogger } from '../../src/logger.js';
import type { NotificationSenderTuning } from '../../src/scheduler/jobs/notification-sender.js';
import { startApp, type RunningApp } from '../../src/runtime.js';
import { createTestDatabase, type DialectName, type TestDatabase } from './db.js';
import { TestClock } from './domain.js';
import { SlackEmulator, type EmulatorOptions } from './slack-emulator/index.js';
import { STALL_MS } from './wait.js';

export const AUDIT_CHANNEL = 'C0AUDIT';
export const APPROVALS_CHANNEL = 'C0APPROVE';
export const ADMIN = 'UADMIN';

export interface TestApp {
  app: RunningApp;
  slack: SlackEmulator;
  db: TestDatabase;
  clock: TestClock;
  config: Config;
  logs: string[];
  /** Starts another app instance on the same database and emulator (a restart, or a second replica). */
  restart(whileStopped?: () => Promise<void>): Promise<void>;
  stop(): Promise<void>;
}

export interface TestAppOptions {
  dialect?: DialectName;
  socketMode?: boolean;
  env?: Record<string, string>;
  clock?: TestClock;
  /** Background jobs (cron, audit mirror) are off unless a test wants them. */
  background?: boolean;
  users?: string[];
  /** The notification outbox worker's pacing (it runs even with background work off). */
  notificationTuning?: Partial<NotificationSenderTuning>;
  /** Rewrites the app's DATABASE_URL, e.g. to go through a fault-injecting proxy (`tcp-proxy.ts`). */
  databaseUrl?: (url: string) => string;
  /** Extra emulator settings (OAuth token rotation, another workspace's ids). */
  emulator?: EmulatorOptions;
}

/**
 * The real app (`startApp`, as `npm start` runs it) on a fresh database, talking to a fresh Slack
 * emulator over real HTTP: signed requests in, Web API calls out, or Socket Mode.
 */
export async function startTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  // Slack's 3-second limits (to ack, to use a trigger_id) are wall-clock bounds a busy test machine can
  // break by itself; here they are limits only a stall can break. That acks wait for nothing is shown by
  // order of events instead (test/slack/ack-time.test.ts).
  const slack = await SlackEmulator.start({ ackDeadlineMs: STALL_MS, ackTimeoutMs: STALL_MS, triggerTtlMs: STALL_MS, ...options.emulator });
  for (const id of [ADMIN, 'UALICE', 'UBOB', 'UCAROL', ...(options.users ?? [])]) slack.addUser({ id, name: id.slice(1).toLowerCase() });
  slack.addChannel({ id: AUDIT_CHANNEL, name: 'security-audit' });
  slack.addChannel({ id: APPROVALS_CHANNEL, name: 'key-approvals' });
  const db = await createTestDatabase(options.dialect ?? 'sqlite');
  const clock = options.clock ?? new TestClock(new Date());
  const directUrl = db.config.kind === 'sqlite' ? `file:${db.config.path}` : db.config.url;
  const databaseUrl = options.databaseUrl?.(directUrl) ?? directUrl;
  const config = loadConfig({
    SLACK_BOT_TOKEN: 'xoxb-test',
    SLACK_SIGNING_SECRET: 'test-signing-secret',
    ...(options.socketMode ? { SLACK_APP_TOKEN: 'xapp-test' } : {}),
    SLACK_API_URL: slack.apiUrl,
    PORT: '0',
    METRICS_PORT: '0',
    DATABASE_URL: databaseUrl,
    AUDIT_CHANNEL_ID: AUDIT_CHANNEL,
    APPROVALS_CHANNEL_ID: APPROVALS_CHANNEL,
    BOOTSTRAP_ADMINS: ADMIN,
    TOKEN_SIGNING_SECRET: 'test-token-signing-secret-of-32-chars!',
    ...options.env,
  });
  const memory = createMemoryLogger();
  const launch = async () => {
    const app = await startApp(config, {
      logger: memory,
      now: clock.now,
      background: options.background ?? false,
      notificationTuning: options.notificationTuning,
      slackClientOptions: { retryConfig: { retries: 0 } },
    });
    if (options.socketMode) {
      slack.useSocketMode();
      await slack.waitForSocket(5000);
    } else {
      slack.useHttpTarget(`http://127.0.0.1:${app.port}/slack/events`);
    }
    return app;
  };
  const handle: TestApp = {
    app: await launch(),
    slack,
    db,
    clock,
    config,
    logs: memory.lines,
    async restart(whileStopped) {
      await handle.app.stop();
      // E.g. someone editing the database while no app runs.
      if (whileStopped !== undefined) await whileStopped();
      handle.app = await launch();
    },
    async stop() {
      await handle.app.stop();
      await slack.stop();
      await db.cleanup();
    },
  };
  return handle;
}

/** Every secret-shaped string anywhere in a text. */
export const SECRET_ANYWHERE = /aks_[0-9A-Za-z]{46}/g;

export function secretsIn(text: string): string[] {
  return text.match(SECRET_ANYWHERE) ?? [];
}
