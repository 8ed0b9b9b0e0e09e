import { loadConfig, readEnvironment } from './config.js';
import { isAppError } from './errors.js';
import { createLogger } from './logger.js';
import { startApp } from './runtime.js';

/** Process entry: nothing runs at import time elsewhere; SIGTERM/SIGINT stop cleanly. */
async function main(): Promise<void> {
  const config = loadConfig(await readEnvironment());
  const logger = createLogger({ level: config.logLevel });
  // No Slack settings at all: the local sandbox stands in for Slack (README, "The two commands").
  // The sandbox (its Slack stand-in and page) is loaded only when it runs: about 9 MB of resident memory
  // a production process does not need (docs/performance.md, "Memory").
  const app = config.sandbox
    ? await (await import('./sandbox-runtime.js')).startSandboxApp(config, {
        logger,
        onFatal: (error) => {
          console.error(`Access Key Bot sandbox could not restart after a reset: ${String(error)}`);
          process.exit(1);
        },
      })
    : await startApp(config, { logger });
  if ('url' in app) {
    process.stdout.write(`Access Key Bot sandbox (no Slack workspace needed): open ${app.url}\n`);
  }
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info('stopping', { signal });
    app.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((error: unknown) => {
  // Configuration and start-up errors are for an operator: say what is wrong, not where in the code.
  console.error(
    isAppError(error) && error.code === 'CONFIG_INVALID'
      ? error.message
      : `Access Key Bot could not start: ${isAppError(error) ? error.message : String(error)}`,
  );
  if (isAppError(error) && error.cause !== undefined) console.error(String(error.cause));
  process.exit(1);
});
