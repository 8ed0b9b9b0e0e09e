import { redactSecrets, redactWebhookSecrets } from './domain/secrets.js';

/**
 * Structured JSON-lines logger. Every line passes through `redact`, so even a secret that slipped into an
 * error message or a library's debug output never reaches the log (docs/rules.md: R9 audit, R6 secret-once).
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  child(fields: LogFields): Logger;
}

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };
// xoxe-: a rotating token's refresh token (its access token, xoxe.xoxb-…, is caught by xoxb-).
const BEARER_LIKE = /\b(xox[abpe]|xapp)-[0-9A-Za-z-]{6,}/g;
/** A TOTP secret in an `otpauth://` link (the step-up enrolment DM, docs/admin-security.md), however escaped. */
const TOTP_SECRET = /(secret(?:=|%3D))[A-Za-z2-7=%]{8,}/gi;

export function redact(text: string): string {
  return redactWebhookSecrets(redactSecrets(text)).replace(BEARER_LIKE, '$1-[REDACTED]').replace(TOTP_SECRET, '$1[REDACTED]');
}

function describeError(error: unknown): unknown {
  if (!(error instanceof Error)) return error;
  const code = 'code' in error ? (error as { code: unknown }).code : undefined;
  return {
    name: error.name,
    message: error.message,
    code,
    stack: error.stack,
    cause: error.cause === undefined ? undefined : describeError(error.cause),
  };
}

export interface LoggerOptions {
  level?: LogLevel;
  /** Where lines go; stdout by default. Tests pass a collector. */
  sink?: (line: string) => void;
  fields?: LogFields;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const threshold = ORDER[options.level ?? 'info'];
  const sink = options.sink ?? ((line: string) => process.stdout.write(`${line}\n`));
  const base = options.fields ?? {};
  const write = (level: LogLevel, message: string, fields: LogFields = {}) => {
    if (ORDER[level] < threshold) return;
    const entry: LogFields = { time: new Date().toISOString(), level, msg: message, ...base };
    for (const [name, value] of Object.entries(fields))
      entry[name] = name === 'error' || value instanceof Error ? describeError(value) : value;
    let line: string;
    try {
      line = JSON.stringify(entry);
    } catch {
      line = JSON.stringify({ time: entry.time, level, msg: message, note: 'fields were not serialisable' });
    }
    sink(redact(line));
  };
  return {
    debug: (m, f) => write('debug', m, f),
    info: (m, f) => write('info', m, f),
    warn: (m, f) => write('warn', m, f),
    error: (m, f) => write('error', m, f),
    child: (fields) => createLogger({ ...options, fields: { ...base, ...fields } }),
  };
}

/** A logger that keeps its lines, for tests that assert what was (and was not) logged. */
export function createMemoryLogger(level: LogLevel = 'debug'): Logger & { lines: string[] } {
  const lines: string[] = [];
  return Object.assign(createLogger({ level, sink: (line) => lines.push(line) }), { lines });
}
