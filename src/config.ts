import cron from 'node-cron';
import { z } from 'zod';
import { AppError } from './errors.js';

/**
 * The only reader of process.env. Every variable of SPEC §4 is parsed here, and every wrong one is
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

const envSchema = z
  .object({
    SLACK_BOT_TOKEN: z.string({ error: 'is required' }).regex(/^xoxb-/, 'must start with xoxb-'),
    SLACK_APP_TOKEN: optionalString.refine((v) => v === undefined || v.startsWith('xapp-'), 'must start with xapp-'),
    SLACK_SIGNING_SECRET: optionalString,
    SLACK_API_URL: z
      .url({ error: 'must be a URL such as https://slack.com/api/' })
      .default('https://slack.com/api/')
      .transform((url) => (url.endsWith('/') ? url : `${url}/`)),
    PORT: z.coerce.number({ error: 'must be a port number' }).int().min(0).max(65535).default(3000),
    DATABASE_URL: z.string().min(1).default('file:./data/access-keys.sqlite'),
    AUDIT_CHANNEL_ID: z.string({ error: 'is required (the security channel for audit posts)' }).regex(/^[CGD][A-Z0-9]{2,}$/, 'must be a Slack channel ID such as C0123ABCD'),
    APPROVALS_CHANNEL_ID: optionalString.refine((v) => v === undefined || /^[CGD][A-Z0-9]{2,}$/.test(v), 'must be a Slack channel ID such as C0123ABCD'),
    BOOTSTRAP_ADMINS: z
      .string()
      .optional()
      .transform(csvList)
      .refine((ids) => ids.every((id) => slackUserId.test(id)), 'must be comma-separated Slack user IDs such as U0123ABCD'),
    EXPIRY_CHECK_CRON: z.string().default('*/15 * * * *'),
    EXPIRY_WARNING_DAYS: z
      .string()
      .default('7,1')
      .transform((value) => csvList(value).map(Number))
      .pipe(z.array(z.number({ error: 'must be whole numbers of days, e.g. 7,1' }).int().min(1).max(365)).min(1, 'needs at least one number of days'))
      .transform((days) => [...new Set(days)].sort((a, b) => b - a)),
    ACCESS_REQUEST_TTL_DAYS: z.coerce.number().int().min(1).max(365).default(7),
    TOKEN_SIGNING_SECRET: optionalString.refine((v) => v === undefined || v.length >= 32, 'must be at least 32 characters'),
    DEFAULT_ROLE: z
      .string()
      .trim()
      .min(1)
      .max(64)
      .default('Account Group Read Only')
      // Everyone holds the default role from first contact: making it System Admin would make everyone an admin.
      .refine((name) => name.toLowerCase() !== 'system admin', 'cannot be System Admin (every user holds the default role)'),
    KEY_HASH_PEPPER: optionalString.refine((v) => v === undefined || v.length >= 32, 'must be at least 32 characters'),
    LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
    // Behind a load balancer every client shares its address: only then is X-Forwarded-For the client.
    TRUST_PROXY: z
      .enum(['true', 'false', '1', '0', 'yes', 'no'], { error: 'must be true or false' })
      .default('false')
      .transform((value) => value === 'true' || value === '1' || value === 'yes'),
    // /metrics is kept off the public PORT: its own port, on loopback unless METRICS_HOST says otherwise,
    // and on PORT only behind METRICS_TOKEN (a bearer token).
    METRICS_PORT: z.coerce.number({ error: 'must be a port number' }).int().min(0).max(65535).default(9464),
    METRICS_HOST: z.string().trim().min(1).default('127.0.0.1'),
    METRICS_TOKEN: optionalString.refine((v) => v === undefined || v.length >= 32, 'must be at least 32 characters'),
  });

const isBlank = (value: string | undefined) => value === undefined || value.trim() === '';

export type Config = ReturnType<typeof toConfig>;

function toConfig(env: z.output<typeof envSchema>) {
  const database = parseDatabaseUrl(env.DATABASE_URL);
  return {
    slack: {
      botToken: env.SLACK_BOT_TOKEN,
      appToken: env.SLACK_APP_TOKEN,
      signingSecret: env.SLACK_SIGNING_SECRET,
      apiUrl: env.SLACK_API_URL,
      socketMode: env.SLACK_APP_TOKEN !== undefined,
    },
    port: env.PORT,
    database,
    auditChannelId: env.AUDIT_CHANNEL_ID,
    approvalsChannelId: env.APPROVALS_CHANNEL_ID ?? env.AUDIT_CHANNEL_ID,
    bootstrapAdmins: env.BOOTSTRAP_ADMINS,
    expiryCheckCron: env.EXPIRY_CHECK_CRON,
    expiryWarningDays: env.EXPIRY_WARNING_DAYS,
    accessRequestTtlDays: env.ACCESS_REQUEST_TTL_DAYS,
    tokenSigningSecret: env.TOKEN_SIGNING_SECRET,
    defaultRole: env.DEFAULT_ROLE,
    keyHashPepper: env.KEY_HASH_PEPPER,
    logLevel: env.LOG_LEVEL,
    trustProxy: env.TRUST_PROXY,
    metrics: { port: env.METRICS_PORT, host: env.METRICS_HOST, token: env.METRICS_TOKEN },
  };
}

export type DatabaseConfig = { kind: 'sqlite'; path: string } | { kind: 'postgres'; url: string };

export function parseDatabaseUrl(url: string): DatabaseConfig {
  if (/^postgres(ql)?:\/\//.test(url)) return { kind: 'postgres', url };
  const path = url.startsWith('file:') ? url.slice('file:'.length) : url;
  if (path.length === 0) throw new AppError('CONFIG_INVALID', 'DATABASE_URL: file: needs a path');
  return { kind: 'sqlite', path };
}

/** Parses an environment (process.env by default) or throws one AppError naming every wrong variable. */
export function loadConfig(env: Record<string, string | undefined>): Config {
  const parsed = envSchema.safeParse(env);
  const lines = parsed.success ? [] : parsed.error.issues.map((issue) => `  ${String(issue.path[0] ?? '(environment)')} ${issue.message}`);
  // Checked beside the schema (not as a refinement) so it is reported together with every other problem.
  if (isBlank(env.SLACK_APP_TOKEN) && isBlank(env.SLACK_SIGNING_SECRET)) {
    lines.push('  SLACK_SIGNING_SECRET is required in HTTP mode (set SLACK_APP_TOKEN for Socket Mode instead)');
  }
  if (!parsed.success || lines.length > 0) {
    throw new AppError('CONFIG_INVALID', `Invalid configuration:\n${[...new Set(lines)].join('\n')}`);
  }
  if (!cron.validate(parsed.data.EXPIRY_CHECK_CRON)) {
    throw new AppError('CONFIG_INVALID', 'Invalid configuration:\n  EXPIRY_CHECK_CRON must have 5 or 6 fields, e.g. */15 * * * *');
  }
  return toConfig(parsed.data);
}

/** Loads `.env` (if present) into a copy of process.env; real environment variables win. */
export async function loadConfigFromProcess(): Promise<Config> {
  const { config: loadDotenv } = await import('dotenv');
  const fromFile: Record<string, string> = {};
  loadDotenv({ processEnv: fromFile, quiet: true });
  return loadConfig({ ...fromFile, ...process.env });
}

/** `npm run migrate` needs only the database: Slack settings may not exist yet on a fresh machine. */
export async function loadDatabaseConfigFromProcess(): Promise<DatabaseConfig> {
  const { config: loadDotenv } = await import('dotenv');
  const fromFile: Record<string, string> = {};
  loadDotenv({ processEnv: fromFile, quiet: true });
  const url = process.env.DATABASE_URL ?? fromFile.DATABASE_URL ?? 'file:./data/access-keys.sqlite';
  return parseDatabaseUrl(url);
}
