/**
 * A separate process that races to create keys in one database, for the per-role limit test (R2, E1).
 * argv: <database json> <user id> <attempts> <start at epoch ms>. Prints one JSON line of outcomes.
 */
import { connect } from '../../src/db/connect.js';
import { createStore } from '../../src/db/store.js';
import { createServices } from '../../src/domain/services.js';
import { SecretHasher } from '../../src/domain/secrets.js';
import { AppError } from '../../src/errors.js';
import type { DatabaseConfig } from '../../src/config.js';

const [configJson, userId, attemptsText, startAtText] = process.argv.slice(2);
if (configJson === undefined || userId === undefined || attemptsText === undefined || startAtText === undefined) {
  throw new Error('usage: create-worker <database json> <user> <attempts> <start at>');
}
const store = createStore(connect(JSON.parse(configJson) as DatabaseConfig));
const services = createServices({
  store,
  now: () => new Date(),
  hasher: new SecretHasher(undefined),
  defaultRoleName: 'Account Group Read Only',
});
const outcomes: Record<string, number> = {};
await new Promise((resolve) => setTimeout(resolve, Math.max(0, Number(startAtText) - Date.now())));
await Promise.all(
  Array.from({ length: Number(attemptsText) }, async (_, i) => {
    try {
      await services.keys.create(userId, { name: `p${process.pid}-${i}`, expiry: { kind: 'never' } });
      outcomes.created = (outcomes.created ?? 0) + 1;
    } catch (error) {
      const code = error instanceof AppError ? error.code : `raw:${String(error)}`;
      outcomes[code] = (outcomes[code] ?? 0) + 1;
    }
  }),
);
await store.close();
console.log(JSON.stringify(outcomes));
