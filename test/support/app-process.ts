/**
 * The real app in a process of its own, configured from the environment (as `npm start` is), for tests
 * that kill it with SIGKILL. Prints one JSON line `{"port": n}` once it listens. Background work is off:
 * the test restarts the app in its own process to run it.
 */
import { loadConfig } from '../../src/config.js';
import { startApp } from '../../src/runtime.js';

const app = await startApp(loadConfig(process.env), { background: false, slackClientOptions: { retryConfig: { retries: 0 } } });
process.stdout.write(`${JSON.stringify({ port: app.port })}\n`);
