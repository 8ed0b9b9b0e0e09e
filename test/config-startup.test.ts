import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig, parseDatabaseUrl } from '../src/config.js';
import { isAppError } from '../src/errors.js';
import { createMemoryLogger } from '../src/logger.js';
import { startApp } from '../src/runtime.js';
import { createTestDatabase, type TestDatabase } from './support/db.js';
import { configErrorOf, minimalEnv } from './support/config.js';

describe('settings that used to be silently wrong are refused at start-up', () => {
  it.each(['mysql://x', 'postgress://u@h/db', 'sqlite://keys.db', 'http://db.example.com/keys'])(
    'DATABASE_URL=%s is refused, naming the variable, instead of starting on a SQLite file of that name',
    (url) => {
      expect(configErrorOf({ ...minimalEnv, DATABASE_URL: url })).toContain(
        'DATABASE_URL must be postgres://…, postgresql://…, file:<path> or a plain path',
      );
      expect(() => parseDatabaseUrl(url)).toThrow(/DATABASE_URL must be/);
    },
  );

  it('DATABASE_URL still takes postgres:// and postgresql:// URLs, file: URLs and plain paths, a Windows drive included', () => {
    expect(loadConfig({ ...minimalEnv, DATABASE_URL: 'postgresql://u@h/db' }).database).toEqual({
      kind: 'postgres',
      url: 'postgresql://u@h/db',
    });
    expect(loadConfig({ ...minimalEnv, DATABASE_URL: 'file:./data/x.sqlite' }).database).toEqual({
      kind: 'sqlite',
      path: './data/x.sqlite',
    });
    expect(loadConfig({ ...minimalEnv, DATABASE_URL: 'data/keys.db' }).database).toEqual({ kind: 'sqlite', path: 'data/keys.db' });
    expect(loadConfig({ ...minimalEnv, DATABASE_URL: 'C:\\data\\keys.db' }).database).toEqual({
      kind: 'sqlite',
      path: 'C:\\data\\keys.db',
    });
  });

  it.each(['javascript:alert(1)', 'file:///etc/passwd', 'ftp://slack.example.com/api/'])(
    'SLACK_API_URL=%s is refused: only http(s)',
    (url) => {
      expect(configErrorOf({ ...minimalEnv, SLACK_API_URL: url })).toContain('SLACK_API_URL must be an http(s) URL');
    },
  );
});

describe('an unreachable Slack at start-up', () => {
  let db: TestDatabase | undefined;
  afterEach(async () => {
    await db?.cleanup();
    db = undefined;
  });

  it('ends start-up with an error naming SLACK_API_URL and the address tried, not a bare "fetch failed"', async () => {
    // A port that was just free and is closed again: connections to it are refused.
    const probe = createServer();
    const port = await new Promise<number>((resolve) =>
      probe.listen(0, '127.0.0.1', () => resolve((probe.address() as { port: number }).port)),
    );
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    db = await createTestDatabase('sqlite');
    const apiUrl = `http://127.0.0.1:${port}/api/`;
    const config = loadConfig({
      ...minimalEnv,
      SLACK_API_URL: apiUrl,
      DATABASE_URL: db.config.kind === 'sqlite' ? `file:${db.config.path}` : '',
      PORT: '0',
      METRICS_PORT: '0',
    });
    const failure = await startApp(config, {
      logger: createMemoryLogger(),
      background: false,
      slackClientOptions: { retryConfig: { retries: 0 } },
    }).then(
      async (app) => {
        await app.stop();
        return undefined;
      },
      (error: unknown) => error,
    );
    expect(isAppError(failure, 'CONFIG_INVALID')).toBe(true);
    const message = failure instanceof Error ? failure.message : '';
    expect(message).toContain('SLACK_API_URL');
    expect(message).toContain(apiUrl);
  });
});
