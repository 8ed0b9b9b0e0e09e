import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { configErrorOf, minimalEnv } from './support/config.js';

describe('configuration', () => {
  it('a minimal HTTP-mode environment gets the documented defaults', () => {
    const config = loadConfig(minimalEnv);
    expect(config.slack.socketMode).toBe(false);
    expect(config.slack.apiUrl).toBe('https://slack.com/api/');
    expect(config.port).toBe(3000);
    expect(config.database).toEqual({ kind: 'sqlite', path: './data/access-keys.sqlite' });
    expect(config.approvalsChannelId).toBe('C0AUDIT');
    expect(config.expiryCheckCron).toBe('*/15 * * * *');
    expect(config.expiryWarningDays).toEqual([7, 1]);
    expect(config.defaultRole).toBe('Account Group Read Only');
    expect(config.bootstrapAdmins).toEqual([]);
    expect(config.keyHashPepper).toBeUndefined();
    expect(config.trustProxy).toBe(false);
    expect(loadConfig({ ...minimalEnv, TRUST_PROXY: 'true' }).trustProxy).toBe(true);
    expect(configErrorOf({ ...minimalEnv, TRUST_PROXY: 'maybe' })).toContain('TRUST_PROXY must be true or false');
  });

  it('TRUST_PROXY_CIDRS is a list of canonical ranges; a bad one is named', () => {
    expect(loadConfig(minimalEnv).trustProxyCidrs).toBeUndefined();
    expect(loadConfig({ ...minimalEnv, TRUST_PROXY_CIDRS: '10.0.0.0/8, 2001:db8::/32,192.0.2.1' }).trustProxyCidrs).toEqual([
      '10.0.0.0/8',
      '2001:db8::/32',
      '192.0.2.1/32',
    ]);
    expect(configErrorOf({ ...minimalEnv, TRUST_PROXY_CIDRS: '10.0.0.0/33' })).toContain(
      'TRUST_PROXY_CIDRS must be comma-separated CIDR ranges (`10.0.0.0/33`: the prefix must be 32 or less)',
    );
  });

  it('every missing or wrong variable is named in one error', () => {
    const message = configErrorOf({
      SLACK_BOT_TOKEN: 'xoxp-user',
      PORT: 'eighty',
      EXPIRY_WARNING_DAYS: '7,soon',
      BOOTSTRAP_ADMINS: 'alice',
    });
    expect(message).toContain('SLACK_BOT_TOKEN must start with xoxb-');
    expect(message).toContain('AUDIT_CHANNEL_ID is required');
    expect(message).toContain('SLACK_SIGNING_SECRET is required in HTTP mode');
    expect(message).toContain('PORT');
    expect(message).toContain('EXPIRY_WARNING_DAYS');
    expect(message).toContain('BOOTSTRAP_ADMINS must be comma-separated Slack user IDs');
  });

  it('a wrong cron expression and a path-less DATABASE_URL are named in the same error as the others', () => {
    const message = configErrorOf({ ...minimalEnv, EXPIRY_CHECK_CRON: 'every quarter hour', DATABASE_URL: 'file:', PORT: 'eighty' });
    expect(message).toContain('EXPIRY_CHECK_CRON must have 5 or 6 fields');
    expect(message).toContain('DATABASE_URL file: needs a path');
    expect(message).toContain('PORT');
  });

  it('an invalid cron expression is refused at start-up', () => {
    expect(configErrorOf({ ...minimalEnv, EXPIRY_CHECK_CRON: 'every quarter hour' })).toContain('EXPIRY_CHECK_CRON');
    expect(loadConfig({ ...minimalEnv, EXPIRY_CHECK_CRON: '*/10 * * * * *' }).expiryCheckCron).toBe('*/10 * * * * *');
  });

  it('OWNER_RECONCILE_CRON runs the owner reconcile daily unless set, and a wrong expression is named', () => {
    expect(loadConfig(minimalEnv).ownerReconcileCron).toBe('17 3 * * *');
    expect(loadConfig({ ...minimalEnv, OWNER_RECONCILE_CRON: '0 */6 * * *' }).ownerReconcileCron).toBe('0 */6 * * *');
    expect(configErrorOf({ ...minimalEnv, OWNER_RECONCILE_CRON: 'daily' })).toContain('OWNER_RECONCILE_CRON must have 5 or 6 fields');
  });

  it('an app token switches to Socket Mode, where no signing secret is needed', () => {
    const config = loadConfig({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN: 'xapp-1', AUDIT_CHANNEL_ID: 'C0AUDIT' });
    expect(config.slack.socketMode).toBe(true);
    expect(configErrorOf({ ...minimalEnv, SLACK_APP_TOKEN: 'xoxb-wrong' })).toContain('SLACK_APP_TOKEN must start with xapp-');
  });

  it('DATABASE_URL picks SQLite for file: URLs and paths, PostgreSQL for postgres:// URLs', () => {
    expect(loadConfig({ ...minimalEnv, DATABASE_URL: 'file:/tmp/x.sqlite' }).database).toEqual({ kind: 'sqlite', path: '/tmp/x.sqlite' });
    expect(loadConfig({ ...minimalEnv, DATABASE_URL: 'keys.db' }).database).toEqual({ kind: 'sqlite', path: 'keys.db' });
    expect(loadConfig({ ...minimalEnv, DATABASE_URL: 'postgres://u@h/db' }).database).toEqual({
      kind: 'postgres',
      url: 'postgres://u@h/db',
    });
  });

  it('the default role cannot be System Admin, which would make every user an admin', () => {
    expect(configErrorOf({ ...minimalEnv, DEFAULT_ROLE: 'system admin' })).toContain('DEFAULT_ROLE cannot be System Admin');
  });

  it('lists are trimmed and de-duplicated; short secrets are refused', () => {
    const config = loadConfig({ ...minimalEnv, BOOTSTRAP_ADMINS: ' U01 , U02,', EXPIRY_WARNING_DAYS: '1, 7, 7, 30' });
    expect(config.bootstrapAdmins).toEqual(['U01', 'U02']);
    expect(config.expiryWarningDays).toEqual([30, 7, 1]);
    expect(configErrorOf({ ...minimalEnv, KEY_HASH_PEPPER: 'short' })).toContain('KEY_HASH_PEPPER must be at least 32 characters');
    expect(configErrorOf({ ...minimalEnv, TOKEN_SIGNING_SECRET: 'short' })).toContain(
      'TOKEN_SIGNING_SECRET must be at least 32 characters',
    );
  });
  it('USAGE_RETENTION shorter than the 14 days of the usage report is named', () => {
    expect(configErrorOf({ ...minimalEnv, USAGE_RETENTION: '13d' })).toContain('USAGE_RETENTION must be at least 14d');
    expect(configErrorOf({ ...minimalEnv, USAGE_RETENTION: '12h' })).toContain('USAGE_RETENTION must be at least 14d');
    expect(loadConfig({ ...minimalEnv, USAGE_RETENTION: '14d' }).usageRetentionMs).toBe(14 * 86_400_000);
  });

  it("the leak response: inactivate by default, GitHub's keys, GitLab's routes off; wrong values are named", () => {
    expect(loadConfig(minimalEnv).leaks).toEqual({
      action: 'inactivate',
      githubKeysUrl: 'https://api.github.com/meta/public_keys/secret_scanning',
      intakeToken: undefined,
    });
    expect(loadConfig({ ...minimalEnv, LEAK_ACTION: 'notify' }).leaks.action).toBe('notify');
    const message = configErrorOf({
      ...minimalEnv,
      LEAK_ACTION: 'delete',
      LEAK_INTAKE_TOKEN: 'short',
      GITHUB_SCANNING_KEYS_URL: 'ftp://x',
    });
    expect(message).toContain('LEAK_ACTION must be inactivate or notify');
    expect(message).toContain('LEAK_INTAKE_TOKEN must be at least 32 characters');
    expect(message).toContain('GITHUB_SCANNING_KEYS_URL must be an http(s) URL');
  });
});
