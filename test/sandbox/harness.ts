import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { loadConfig, type Config } from '../../src/config.js';
import { createMemoryLogger } from '../../src/logger.js';
import { startSandboxApp, type RunningSandbox } from '../../src/sandbox-runtime.js';

/** Chromium from the system (CI installs it with apt); playwright-core downloads nothing. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
  '--no-first-run',
];

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true });
}

export interface SandboxUnderTest {
  running: RunningSandbox;
  /** As loadConfig made it: the app's (sandbox-made) bot token is what the sandbox's Web API accepts. */
  config: Config;
  databasePath: string;
  logs: string[];
  stop(): Promise<void>;
}

/**
 * `npm start` with no Slack settings, as main.ts runs it: the sandbox configuration from loadConfig,
 * a fresh SQLite file, background jobs on (the audit mirror posts live), on a free loopback port.
 * `dir`: the folder for the database and conversations (default: a new temporary one).
 */
export async function startSandbox(
  env: Record<string, string | undefined> = {},
  options: { ownsDatabase?: boolean; dir?: string } = {},
): Promise<SandboxUnderTest> {
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'akb-sandbox-'));
  const databasePath = join(dir, 'sandbox.sqlite');
  // Free ports for both servers, so the tests also run beside a sandbox started with `npm start`.
  const config = loadConfig({ PORT: '0', METRICS_PORT: '0', DATABASE_URL: `file:${databasePath}`, ...env });
  const logger = createMemoryLogger();
  // The conversations in the test's own folder too (never the working copy's data/, on any database).
  const running = await startSandboxApp(config, {
    logger,
    ownsDatabase: options.ownsDatabase ?? true,
    conversationsFile: join(dir, 'sandbox.sqlite.conversations.json'),
  });
  return {
    running,
    config,
    databasePath,
    logs: logger.lines,
    async stop() {
      await running.stop();
      // A folder the caller gave is theirs (a restart test starts again on the same files).
      if (options.dir === undefined) rmSync(dir, { recursive: true, force: true });
    },
  };
}
