import { randomBytes } from 'node:crypto';
import cron from 'node-cron';
import { z } from 'zod';
import { parseDuration } from './domain/duration.js';
import { parseNetworkList } from './domain/networks.js';
import { AppError } from './errors.js';
import { ROLE_NAME_MAX_CHARS } from './domain/limits.js';
import { SANDBOX_ADMIN_IDS, SANDBOX_CHANNELS, SANDBOX_DATABASE_URL, SANDBOX_PATH } from './sandbox/workspace.js';

/**
 * The only reader of process.env. Every variable of the README's Configuration table is parsed here, and every wrong one is
 * named in a single start-up error so an operator fixes them all in one go.
 */
const slackUserId = /^[UW][A-Z0-9]{2,}$/;

const csvList = (value: string | undefined): string[] =>
  (value ?? '')
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part.length > 0);

const optionalString = z
  .string()
  .optional()
  .transform((value) => (value === undefined || value.trim() === '' ? undefined : value.trim()));

/** A duration setting (`90d`, `12h`, `30m`, `30s`) → milliseconds; a bad value is named in the start-up error. */
const duration = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((value, ctx) => {
      const ms = parseDuration(value);
      if (ms === undefined) ctx.addIssue({ code: 'custom', message: `must be a duration such as 90d, 12h, 30m or 30s (got "${value}")` });
      return ms ?? 0;
    });

const databaseUrl = z
  .string()
  .min(1)
  .default('file:./data/access-keys.sqlite')
  .refine((url) => url !== 'file:', 'file: needs a path')
  .superRefine((url, ctx) => {
    const problem = databaseUrlProblem(url);
    if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
  });

const envSchema = z.object({
  // Required unless the app is installed by OAuth (SLACK_CLIENT_ID…), which stores its tokens itself: checked in loadConfig.
  SLACK_BOT_TOKEN: optionalString.refine((v) => v === undefined || v.startsWith('xoxb-'), 'must start with xoxb-'),
  SLACK_APP_TOKEN: optionalString.refine((v) => v === undefined || v.startsWith('xapp-'), 'must start with xapp-'),
  SLACK_SIGNING_SECRET: optionalString,
  SLACK_API_URL: z
    .url({ protocol: /^https?$/, error: 'must be an http(s) URL such as https://slack.com/api/' })
    .default('https://slack.com/api/')
    .transform((url) => (url.endsWith('/') ? url : `${url}/`)),
  PORT: z.coerce.number({ error: 'must be a port number' }).int().min(0).max(65535).default(3000),
  DATABASE_URL: databaseUrl,
  AUDIT_CHANNEL_ID: z
    .string({ error: 'is required (the security channel for audit posts)' })
    .regex(/^[CGD][A-Z0-9]{2,}$/, 'must be a Slack channel ID such as C0123ABCD'),
  APPROVALS_CHANNEL_ID: optionalString.refine(
    (v) => v === undefined || /^[CGD][A-Z0-9]{2,}$/.test(v),
    'must be a Slack channel ID such as C0123ABCD',
  ),
  BOOTSTRAP_ADMINS: z
    .string()
    .optional()
    .transform(csvList)
    .refine((ids) => ids.every((id) => slackUserId.test(id)), 'must be comma-separated Slack user IDs such as U0123ABCD'),
  EXPIRY_CHECK_CRON: z
    .string()
    .default('*/15 * * * *')
    .refine((expression) => cron.validate(expression), 'must have 5 or 6 fields, e.g. */15 * * * *'),
  /** docs/offboarding.md: the daily users.info check of every owner of a usable key. */
  OWNER_RECONCILE_CRON: z
    .string()
    .default('17 3 * * *')
    .refine((expression) => cron.validate(expression), 'must have 5 or 6 fields, e.g. 17 3 * * *'),
  EXPIRY_WARNING_DAYS: z
    .string()
    .default('7,1')
    .transform((value) => csvList(value).map(Number))
    .pipe(
      z
        .array(z.number({ error: 'must be whole numbers of days, e.g. 7,1' }).int().min(1).max(365))
        .min(1, 'needs at least one number of days'),
    )
    .transform((days) => [...new Set(days)].sort((a, b) => b - a)),
  ACCESS_REQUEST_TTL_DAYS: z.coerce.number().int().min(1).max(365).default(7),
  TOKEN_SIGNING_SECRET: optionalString.refine((v) => v === undefined || v.length >= 32, 'must be at least 32 characters'),
  DEFAULT_ROLE: z
    .string()
    .trim()
    .min(1)
    .max(ROLE_NAME_MAX_CHARS)
    .default('Account Group Read Only')
    // Everyone holds the default role from first contact: making it System Admin would make everyone an admin.
    .refine((name) => name.toLowerCase() !== 'system admin', 'cannot be System Admin (every user holds the default role)'),
  KEY_HASH_PEPPER: optionalString.refine((v) => v === undefined || v.length >= 32, 'must be at least 32 characters'),
  // Seals event streams' webhook secrets at rest (docs/streams.md); unset, KEY_HASH_PEPPER is used; neither: no streams.
  STREAM_SECRET_KEY: optionalString.refine((v) => v === undefined || v.length >= 32, 'must be at least 32 characters'),
  // Background notifications (stale keys, approval reminders, secret file lifetime, outbox retention).
  STALE_KEY_AFTER: duration('90d'),
  STALE_KEY_AUTO_INACTIVE_AFTER: optionalString.pipe(z.string().optional()).transform((value, ctx) => {
    if (value === undefined) return undefined;
    const ms = parseDuration(value);
    if (ms === undefined) ctx.addIssue({ code: 'custom', message: `must be a duration such as 30d or 12h, or unset (got "${value}")` });
    return ms;
  }),
  ACCESS_REQUEST_REMIND_AFTER: duration('24h'),
  SECRET_FILE_TTL: duration('1h'),
  OUTBOX_RETENTION: duration('30d'),
  // Per-key usage counters (docs/usage-analytics.md) older than this are deleted.
  // At least the 14 days the usage report shows (docs/usage-analytics.md); less would empty its chart.
  USAGE_RETENTION: duration('90d').refine((ms) => ms >= 14 * 86_400_000, 'must be at least 14d, the days the usage report shows'),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
  // Where the app keeps the last audit chain head it saw (docs/operations.md, "Audit verification"); see auditWitnessFile.
  AUDIT_WITNESS_FILE: optionalString,
  // Behind a load balancer every client shares its address: only then is X-Forwarded-For the client.
  TRUST_PROXY: z
    .enum(['true', 'false', '1', '0', 'yes', 'no'], { error: 'must be true or false' })
    .default('false')
    .transform((value) => value === 'true' || value === '1' || value === 'yes'),
  // The proxies whose X-Forwarded-For is believed (docs/least-privilege.md): comma-separated CIDRs.
  TRUST_PROXY_CIDRS: optionalString.transform((value, ctx) => {
    if (value === undefined) return undefined;
    const parsed = parseNetworkList(value, 100);
    if (parsed.ok) return parsed.networks;
    ctx.addIssue({ code: 'custom', message: `must be comma-separated CIDR ranges (${parsed.problems.join('; ')})` });
    return z.NEVER;
  }),
  // Unset: every interface, except in the sandbox, which only this machine should reach.
  HOST: optionalString.refine((v) => v === undefined || /^[0-9A-Za-z.:-]+$/.test(v), 'must be an address such as 127.0.0.1 or 0.0.0.0'),
  // /metrics is kept off the public PORT: its own port, on loopback unless METRICS_HOST says otherwise,
  // and on PORT only behind METRICS_TOKEN (a bearer token).
  METRICS_PORT: z.coerce.number({ error: 'must be a port number' }).int().min(0).max(65535).default(9464),
  METRICS_HOST: z.string().trim().min(1).default('127.0.0.1'),
  METRICS_TOKEN: optionalString.refine((v) => v === undefined || v.length >= 32, 'must be at least 32 characters'),
  // Leak response (docs/leak-response.md): what a leaked key's sighting does, and the scanners' intake.
  LEAK_ACTION: z.enum(['inactivate', 'notify'], { error: 'must be inactivate or notify' }).default('inactivate'),
  GITHUB_SCANNING_KEYS_URL: z
    .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
    .default('https://api.github.com/meta/public_keys/secret_scanning'),
  LEAK_INTAKE_TOKEN: optionalString.refine((v) => v === undefined || v.length >= 32, 'must be at least 32 characters'),
  // Approvals that hold up (docs/admin-security.md).
  API_ACCESS_APPROVALS: z.coerce.number({ error: 'must be a whole number from 1 to 5' }).int().min(1).max(5).default(1),
  ADMIN_STEP_UP: z.enum(['on', 'off'], { error: 'must be on or off' }).default('off'),
  MFA_ENCRYPTION_KEY: optionalString.transform((value, ctx) => {
    if (value === undefined) return undefined;
    const key = mfaKeyOf(value);
    if (key === undefined)
      ctx.addIssue({
        code: 'custom',
        message: 'must be 32 random bytes in base64 (e.g. `openssl rand -base64 32`); the value given is not',
      });
    return key;
  }),
  // OAuth install (docs/org-install.md): all four or none, HTTP mode only; checked together in loadConfig.
  SLACK_CLIENT_ID: optionalString,
  SLACK_CLIENT_SECRET: optionalString,
  SLACK_STATE_SECRET: optionalString.refine((v) => v === undefined || v.length >= 16, 'must be at least 16 characters'),
  INSTALLATION_ENCRYPTION_KEY: optionalString.refine(
    (v) => v === undefined || (/^[A-Za-z0-9+/]+={0,2}$/.test(v) && Buffer.from(v, 'base64').length === 32),
    'must be 32 random bytes in base64 (openssl rand -base64 32)',
  ),
  // The local sandbox: `oauth` makes it install the app through /slack/install (docs/org-install.md).
  SANDBOX_INSTALL: z.enum(['token', 'oauth'], { error: 'must be token or oauth' }).default('token'),
  // Where Slack sends the browser back after an install; unset: the Redirect URL set in the app's settings.
  SLACK_REDIRECT_URI: optionalString.refine(
    (v) => v === undefined || /^https?:\/\//.test(v),
    'must be an http(s) URL ending in /slack/oauth_redirect',
  ),
});

/** MFA_ENCRYPTION_KEY → its 32 bytes, or undefined when it is not exactly 32 bytes of canonical base64. */
function mfaKeyOf(value: string): Buffer | undefined {
  if (!/^[A-Za-z0-9+/]{43}=$/.test(value)) return undefined;
  const key = Buffer.from(value, 'base64');
  return key.length === 32 && key.toString('base64') === value ? key : undefined;
}

/**
 * The sandbox's MFA key when none is given: fixed, so enrolments survive a sandbox restart. Sandbox data
 * is for trying things out and protects nothing; a real workspace must set its own key.
 */
const SANDBOX_MFA_KEY = Buffer.alloc(32, 's').toString('base64');

/** The four settings of an OAuth install; a deployment sets all of them or none. */
export const OAUTH_VARIABLES = ['SLACK_CLIENT_ID', 'SLACK_CLIENT_SECRET', 'SLACK_STATE_SECRET', 'INSTALLATION_ENCRYPTION_KEY'] as const;

const isBlank = (value: string | undefined) => value === undefined || value.trim() === '';

export type Config = ReturnType<typeof toConfig>;

function toConfig(env: z.output<typeof envSchema>, sandbox: boolean) {
  const database = parseDatabaseUrl(env.DATABASE_URL);
  return {
    /** No Slack settings at all: the app runs against the local Slack sandbox (README, "The two commands"). */
    sandbox,
    host: env.HOST ?? (sandbox ? '127.0.0.1' : '0.0.0.0'),
    slack: {
      botToken: env.SLACK_BOT_TOKEN,
      appToken: env.SLACK_APP_TOKEN,
      signingSecret: env.SLACK_SIGNING_SECRET,
      apiUrl: env.SLACK_API_URL,
      socketMode: env.SLACK_APP_TOKEN !== undefined,
      /** Set: installed by OAuth (docs/org-install.md), tokens kept encrypted in the database, not SLACK_BOT_TOKEN. */
      ...(env.SLACK_CLIENT_ID !== undefined &&
      env.SLACK_CLIENT_SECRET !== undefined &&
      env.SLACK_STATE_SECRET !== undefined &&
      env.INSTALLATION_ENCRYPTION_KEY !== undefined
        ? {
            oauth: {
              clientId: env.SLACK_CLIENT_ID,
              clientSecret: env.SLACK_CLIENT_SECRET,
              stateSecret: env.SLACK_STATE_SECRET,
              encryptionKey: Buffer.from(env.INSTALLATION_ENCRYPTION_KEY, 'base64'),
              redirectUri: env.SLACK_REDIRECT_URI,
            },
          }
        : {}),
    },
    port: env.PORT,
    database,
    auditChannelId: env.AUDIT_CHANNEL_ID,
    approvalsChannelId: env.APPROVALS_CHANNEL_ID ?? env.AUDIT_CHANNEL_ID,
    bootstrapAdmins: env.BOOTSTRAP_ADMINS,
    expiryCheckCron: env.EXPIRY_CHECK_CRON,
    expiryWarningDays: env.EXPIRY_WARNING_DAYS,
    ownerReconcileCron: env.OWNER_RECONCILE_CRON,
    accessRequestTtlDays: env.ACCESS_REQUEST_TTL_DAYS,
    tokenSigningSecret: env.TOKEN_SIGNING_SECRET,
    defaultRole: env.DEFAULT_ROLE,
    keyHashPepper: env.KEY_HASH_PEPPER,
    streamSecretKey: env.STREAM_SECRET_KEY ?? env.KEY_HASH_PEPPER,
    logLevel: env.LOG_LEVEL,
    trustProxy: env.TRUST_PROXY,
    trustProxyCidrs: env.TRUST_PROXY_CIDRS,
    notifications: {
      staleKeyAfterMs: env.STALE_KEY_AFTER,
      staleKeyAutoInactiveAfterMs: env.STALE_KEY_AUTO_INACTIVE_AFTER,
      accessRequestRemindAfterMs: env.ACCESS_REQUEST_REMIND_AFTER,
      secretFileTtlMs: env.SECRET_FILE_TTL,
      outboxRetentionMs: env.OUTBOX_RETENTION,
    },
    /** Default: next to the SQLite file; on PostgreSQL unset (the witness then lives in app_settings). */
    auditWitnessFile: env.AUDIT_WITNESS_FILE ?? (database.kind === 'sqlite' ? `${database.path}.audit-witness.json` : undefined),
    metrics: { port: env.METRICS_PORT, host: env.METRICS_HOST, token: env.METRICS_TOKEN },
    leaks: { action: env.LEAK_ACTION, githubKeysUrl: env.GITHUB_SCANNING_KEYS_URL, intakeToken: env.LEAK_INTAKE_TOKEN },
    approvals: { apiAccess: env.API_ACCESS_APPROVALS },
    /** TOTP enrolment and step-up; undefined without MFA_ENCRYPTION_KEY (enrolment then says so). */
    mfa: env.MFA_ENCRYPTION_KEY === undefined ? undefined : { key: env.MFA_ENCRYPTION_KEY, stepUp: env.ADMIN_STEP_UP === 'on' },
    usageRetentionMs: env.USAGE_RETENTION,
  };
}

export type DatabaseConfig = { kind: 'sqlite'; path: string } | { kind: 'postgres'; url: string };

const POSTGRES_URL = /^postgres(ql)?:\/\//;
// A scheme of two or more letters (`mysql:`, `postgress:`); one letter is a Windows drive (`C:\data`).
const OTHER_SCHEME = /^[A-Za-z][A-Za-z0-9+.-]+:/;

/**
 * Undefined for what DATABASE_URL accepts: `postgres://` or `postgresql://`, `file:<path>`, or a plain
 * path. Anything else with a scheme (`mysql://x`, a typo such as `postgress://…`) would otherwise be
 * taken for a path and start the app on a new, empty SQLite file.
 */
function databaseUrlProblem(url: string): string | undefined {
  if (POSTGRES_URL.test(url) || url.startsWith('file:') || !OTHER_SCHEME.test(url)) return undefined;
  const scheme = url.slice(0, url.indexOf(':') + 1);
  return `must be postgres://…, postgresql://…, file:<path> or a plain path (got a ${scheme} URL)`;
}

export function parseDatabaseUrl(url: string): DatabaseConfig {
  if (POSTGRES_URL.test(url)) return { kind: 'postgres', url };
  const problem = databaseUrlProblem(url);
  if (problem !== undefined) throw new AppError('CONFIG_INVALID', `DATABASE_URL ${problem}`);
  const path = url.startsWith('file:') ? url.slice('file:'.length) : url;
  if (path.length === 0) throw new AppError('CONFIG_INVALID', 'DATABASE_URL: file: needs a path');
  return { kind: 'sqlite', path };
}

const SLACK_VARIABLES = ['SLACK_BOT_TOKEN', 'SLACK_APP_TOKEN', 'SLACK_SIGNING_SECRET', 'SLACK_CLIENT_ID', 'SLACK_CLIENT_SECRET'] as const;

/**
 * Without any Slack variable the app runs against the local sandbox. Its tokens and secrets are made
 * here, fresh at every start, and the channels and admins default to the sandbox's own. Any one Slack
 * variable set means a real workspace, so a half-set configuration stays an error.
 */
function sandboxEnvironment(env: Record<string, string | undefined>): Record<string, string | undefined> {
  const fresh = () => randomBytes(24).toString('hex');
  const port = isBlank(env.PORT) ? '3000' : (env.PORT ?? '3000').trim();
  // SANDBOX_INSTALL=oauth: no bot token; the page's Install button installs the app by OAuth, org-wide.
  // The encryption key is fresh at every start, as are the emulator's tokens: install again after a restart.
  const credentials =
    env.SANDBOX_INSTALL?.trim() === 'oauth'
      ? {
          SLACK_BOT_TOKEN: undefined,
          SLACK_CLIENT_ID: `sandbox-client-${fresh().slice(0, 12)}`,
          SLACK_CLIENT_SECRET: fresh(),
          SLACK_STATE_SECRET: fresh(),
          INSTALLATION_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
        }
      : { SLACK_BOT_TOKEN: `xoxb-sandbox-${fresh()}` };
  return {
    ...env,
    ...credentials,
    SLACK_SIGNING_SECRET: fresh(),
    // Final once the port is bound (PORT=0 picks one): the sandbox starter rewrites it then.
    SLACK_API_URL: `http://127.0.0.1:${/^\d+$/.test(port) ? port : '3000'}${SANDBOX_PATH}/api/`,
    DATABASE_URL: isBlank(env.DATABASE_URL) ? SANDBOX_DATABASE_URL : env.DATABASE_URL,
    AUDIT_CHANNEL_ID: isBlank(env.AUDIT_CHANNEL_ID) ? SANDBOX_CHANNELS.audit.id : env.AUDIT_CHANNEL_ID,
    APPROVALS_CHANNEL_ID: isBlank(env.APPROVALS_CHANNEL_ID) ? SANDBOX_CHANNELS.approvals.id : env.APPROVALS_CHANNEL_ID,
    BOOTSTRAP_ADMINS: isBlank(env.BOOTSTRAP_ADMINS) ? SANDBOX_ADMIN_IDS.join(',') : env.BOOTSTRAP_ADMINS,
    // So /login works at once with a key made in the sandbox.
    TOKEN_SIGNING_SECRET: isBlank(env.TOKEN_SIGNING_SECRET) ? fresh() : env.TOKEN_SIGNING_SECRET,
    // A free port unless one is asked for: a second sandbox (another PORT) must not trip over the first's
    // /metrics. The bound port is in the start-up log line.
    METRICS_PORT: isBlank(env.METRICS_PORT) ? '0' : env.METRICS_PORT,
    MFA_ENCRYPTION_KEY: isBlank(env.MFA_ENCRYPTION_KEY) ? SANDBOX_MFA_KEY : env.MFA_ENCRYPTION_KEY,
  };
}

type Environment = Record<string, string | undefined>;

/** A half-set OAuth configuration, or OAuth beside Socket Mode, is a start-up error naming what is missing. */
function oauthProblems(env: Environment): string[] {
  const set = OAUTH_VARIABLES.filter((name) => !isBlank(env[name]));
  if (set.length === 0) {
    return isBlank(env.SLACK_BOT_TOKEN)
      ? [
          '  SLACK_BOT_TOKEN is required (or install by OAuth: set SLACK_CLIENT_ID, SLACK_CLIENT_SECRET, SLACK_STATE_SECRET and INSTALLATION_ENCRYPTION_KEY)',
        ]
      : [];
  }
  const lines: string[] = [];
  const missing = OAUTH_VARIABLES.filter((name) => isBlank(env[name]));
  if (missing.length > 0) {
    lines.push(
      `  ${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} required for an OAuth install (${set.join(', ')} ${set.length === 1 ? 'is' : 'are'} set); set all four, or none to use SLACK_BOT_TOKEN`,
    );
  }
  if (!isBlank(env.SLACK_APP_TOKEN))
    lines.push('  SLACK_APP_TOKEN: an OAuth install runs in HTTP mode (/slack/install, /slack/oauth_redirect); unset SLACK_APP_TOKEN');
  if (!isBlank(env.SLACK_BOT_TOKEN))
    lines.push('  SLACK_BOT_TOKEN must be unset with an OAuth install (its tokens come from the installation)');
  return lines;
}

/** One AppError naming every wrong variable, so an operator fixes them all in one go. */
function invalid(lines: string[]): AppError {
  return new AppError('CONFIG_INVALID', `Invalid configuration:\n${[...new Set(lines)].join('\n')}`);
}

const problemsOf = (error: z.ZodError): string[] =>
  error.issues.map((issue) => `  ${String(issue.path[0] ?? '(environment)')} ${issue.message}`);

/** Parses `env` with one of the schemas below, or throws `invalid`. */
function parseEnvironment<S extends z.ZodType>(schema: S, env: Environment): z.output<S> {
  const parsed = schema.safeParse(env);
  if (!parsed.success) throw invalid(problemsOf(parsed.error));
  return parsed.data;
}

/**
 * The one reader of the process's environment: `.env` (if present, or `options.path`) under
 * process.env, whose real variables win. Every loader below is a schema over what it returns.
 */
export async function readEnvironment(options: { path?: string; processEnv?: Environment } = {}): Promise<Environment> {
  const { config: loadDotenv } = await import('dotenv');
  const fromFile: Record<string, string> = {};
  loadDotenv({ processEnv: fromFile, quiet: true, ...(options.path === undefined ? {} : { path: options.path }) });
  return { ...fromFile, ...(options.processEnv ?? process.env) };
}

/** The app's configuration, or one AppError naming every wrong variable. */
export function loadConfig(rawEnv: Environment): Config {
  const sandbox = SLACK_VARIABLES.every((name) => isBlank(rawEnv[name]));
  const env = sandbox ? sandboxEnvironment(rawEnv) : rawEnv;
  const parsed = envSchema.safeParse(env);
  const lines = parsed.success ? [] : problemsOf(parsed.error);
  // Checked beside the schema (not as a refinement) so it is reported together with every other problem.
  if (isBlank(env.SLACK_APP_TOKEN) && isBlank(env.SLACK_SIGNING_SECRET)) {
    lines.push('  SLACK_SIGNING_SECRET is required in HTTP mode (set SLACK_APP_TOKEN for Socket Mode instead)');
  }
  if (env.ADMIN_STEP_UP?.trim() === 'on' && isBlank(env.MFA_ENCRYPTION_KEY)) {
    lines.push('  MFA_ENCRYPTION_KEY is required when ADMIN_STEP_UP=on (32 random bytes in base64: `openssl rand -base64 32`)');
  }
  lines.push(...oauthProblems(env));
  if (!parsed.success || lines.length > 0) throw invalid(lines);
  return toConfig(parsed.data, sandbox);
}

/** `npm run migrate` needs only the database: Slack settings may not exist yet on a fresh machine. */
export function loadDatabaseConfig(env: Environment): DatabaseConfig {
  return parseDatabaseUrl(parseEnvironment(z.object({ DATABASE_URL: databaseUrl }), env).DATABASE_URL);
}

const auditVerifySlack = z.object({
  SLACK_BOT_TOKEN: z.string({ error: 'is required' }).regex(/^xoxb-/, 'must start with xoxb-'),
  AUDIT_CHANNEL_ID: envSchema.shape.AUDIT_CHANNEL_ID,
  SLACK_API_URL: envSchema.shape.SLACK_API_URL,
});

/**
 * `npm run audit:verify`: the database, plus (optionally) the bot token and security channel to
 * cross-check the chain against the hashes the mirror posted there.
 */
export function loadAuditVerifyConfig(env: Environment): {
  database: DatabaseConfig;
  slack?: { botToken: string; channelId: string; apiUrl: string };
} {
  const database = loadDatabaseConfig(env);
  if (isBlank(env.SLACK_BOT_TOKEN) && isBlank(env.AUDIT_CHANNEL_ID)) return { database };
  const slack = parseEnvironment(auditVerifySlack, env);
  return { database, slack: { botToken: slack.SLACK_BOT_TOKEN, channelId: slack.AUDIT_CHANNEL_ID, apiUrl: slack.SLACK_API_URL } };
}
