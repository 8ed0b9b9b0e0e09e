import { loadConfig } from '../../src/config.js';
import { AppError } from '../../src/errors.js';

/** The smallest environment that starts the app in HTTP mode. */
export const minimalEnv = { SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 'secret', AUDIT_CHANNEL_ID: 'C0AUDIT' };

/** The message of the configuration error `env` gets from `load` (the app's by default); fails the test if it loads. */
export function configErrorOf(
  env: Record<string, string | undefined>,
  load: (env: Record<string, string | undefined>) => unknown = loadConfig,
): string {
  try {
    load(env);
  } catch (error) {
    if (error instanceof AppError && error.code === 'CONFIG_INVALID') return error.message;
    throw error;
  }
  throw new Error('expected a configuration error');
}
