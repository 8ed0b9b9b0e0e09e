import { LogLevel, type Logger as BoltLogger } from '@slack/bolt';
import type { Logger } from '../logger.js';

const toLevel: Record<LogLevel, 'debug' | 'info' | 'warn' | 'error'> = {
  [LogLevel.DEBUG]: 'debug',
  [LogLevel.INFO]: 'info',
  [LogLevel.WARN]: 'warn',
  [LogLevel.ERROR]: 'error',
};

/** Bolt and web-api log through our logger, so their lines are structured and redacted too. */
export function boltLogger(logger: Logger, name = 'bolt'): BoltLogger {
  let level = LogLevel.INFO;
  let child = logger.child({ component: name });
  const format = (parts: unknown[]) =>
    parts.map((p) => (typeof p === 'string' ? p : p instanceof Error ? `${p.name}: ${p.message}` : JSON.stringify(p))).join(' ');
  const at =
    (wanted: LogLevel) =>
    (...parts: unknown[]) => {
      const order = [LogLevel.DEBUG, LogLevel.INFO, LogLevel.WARN, LogLevel.ERROR];
      if (order.indexOf(wanted) >= order.indexOf(level)) child[toLevel[wanted]](format(parts));
    };
  return {
    debug: at(LogLevel.DEBUG),
    info: at(LogLevel.INFO),
    warn: at(LogLevel.WARN),
    error: at(LogLevel.ERROR),
    setLevel: (next: LogLevel) => {
      level = next;
    },
    getLevel: () => level,
    setName: (next: string) => {
      child = logger.child({ component: next });
    },
  };
}
