import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { isAppError } from '../../src/errors.js';
import { createMemoryLogger } from '../../src/logger.js';
import { startApp } from '../../src/runtime.js';
import { createTestDatabase, dialects, type TestDatabase } from '../support/db.js';
import { SlackEmulator } from '../support/slack-emulator/index.js';

/** A loopback port held by someone else (another app, another sandbox). */
async function holdPort(): Promise<{ port: number; server: Server }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return { port: address.port, server };
}

describe.each(dialects)('a port already taken at start-up (%s)', (dialect) => {
  let held: Server | undefined;
  let slack: SlackEmulator | undefined;
  let db: TestDatabase | undefined;
  afterEach(async () => {
    held?.close();
    await slack?.stop();
    await db?.cleanup();
    held = undefined;
    slack = undefined;
    db = undefined;
  });

  it('with a real workspace, is a configuration error that names METRICS_PORT, and nothing is left listening', async () => {
    const taken = await holdPort();
    held = taken.server;
    slack = await SlackEmulator.start();
    db = await createTestDatabase(dialect);
    const config = loadConfig({
      SLACK_BOT_TOKEN: 'xoxb-test',
      SLACK_SIGNING_SECRET: 'test-signing-secret',
      SLACK_API_URL: slack.apiUrl,
      AUDIT_CHANNEL_ID: 'C0AUDIT',
      PORT: '0',
      METRICS_PORT: String(taken.port),
      DATABASE_URL: db.config.kind === 'sqlite' ? `file:${db.config.path}` : db.config.url,
    });
    const failure = await startApp(config, { logger: createMemoryLogger(), background: false }).then(
      () => new Error('expected the start to fail'),
      (error: unknown) => error,
    );
    expect(isAppError(failure, 'CONFIG_INVALID')).toBe(true);
    expect(failure instanceof Error ? failure.message : '').toBe(
      `METRICS_PORT ${taken.port} is already in use on 127.0.0.1; set METRICS_PORT to a free port (0 picks one)`,
    );
  });
});

describe('the sandbox and METRICS_PORT', () => {
  it('a sandbox takes a free metrics port unless one is set; a real workspace keeps 9464', () => {
    expect(loadConfig({}).metrics.port).toBe(0);
    expect(loadConfig({ METRICS_PORT: '9500' }).metrics.port).toBe(9500);
    expect(loadConfig({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 's', AUDIT_CHANNEL_ID: 'C0AUDIT' }).metrics.port).toBe(9464);
  });
});
