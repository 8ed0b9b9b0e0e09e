import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadAuditVerifyConfig, loadConfig, loadDatabaseConfig, readEnvironment } from '../src/config.js';
import { configErrorOf, minimalEnv } from './support/config.js';

describe('one reader of the environment, one schema per command', () => {
  it('.env fills what the process environment leaves unset, and a real variable wins over it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'env-'));
    writeFileSync(join(dir, '.env'), 'DATABASE_URL=file:from-dotenv.sqlite\nAUDIT_CHANNEL_ID=C0FROMFILE\n');
    const env = await readEnvironment({ path: join(dir, '.env'), processEnv: { AUDIT_CHANNEL_ID: 'C0REAL' } });
    expect(env).toEqual({ DATABASE_URL: 'file:from-dotenv.sqlite', AUDIT_CHANNEL_ID: 'C0REAL' });
  });

  it('npm run migrate reads DATABASE_URL with the app schema: same default, same refusal of a mistyped scheme', () => {
    expect(loadDatabaseConfig({})).toEqual(loadConfig(minimalEnv).database);
    const typo = { DATABASE_URL: 'postgress://u@h/db' };
    const migrateError = configErrorOf(typo, loadDatabaseConfig);
    expect(migrateError).toContain('DATABASE_URL must be postgres://…');
    expect(configErrorOf({ ...minimalEnv, ...typo })).toContain(migrateError.split('\n')[1]);
  });

  it('npm run audit:verify checks the Slack variables with the app wording, and cross-checks only when given them', () => {
    expect(loadAuditVerifyConfig({ DATABASE_URL: 'file:x.sqlite' })).toEqual({ database: { kind: 'sqlite', path: 'x.sqlite' } });
    const message = configErrorOf({ SLACK_BOT_TOKEN: 'xoxp-user' }, loadAuditVerifyConfig);
    expect(message).toContain('SLACK_BOT_TOKEN must start with xoxb-');
    expect(message).toContain('AUDIT_CHANNEL_ID is required');
    const slack = loadAuditVerifyConfig({
      SLACK_BOT_TOKEN: 'xoxb-1',
      AUDIT_CHANNEL_ID: 'C0AUDIT',
      SLACK_API_URL: 'http://127.0.0.1:9/api',
    }).slack;
    expect(slack).toEqual({ botToken: 'xoxb-1', channelId: 'C0AUDIT', apiUrl: 'http://127.0.0.1:9/api/' });
  });
});
