/**
 * A separate process that creates and deletes keys in a loop until it is killed, for the SIGKILL test
 * (reliability checklist G1). argv: <database json> <user id>. Prints `ready`, then one line
 * `created <key ID>` each time a create returned (the moment a secret could have been shown).
 */
import { connect } from '../../src/db/connect.js';
import { createStore } from '../../src/db/store.js';
import { createServices } from '../../src/domain/services.js';
import { SecretHasher } from '../../src/domain/secrets.js';
import type { DatabaseConfig } from '../../src/config.js';

const [configJson, userId] = process.argv.slice(2);
if (configJson === undefined || userId === undefined) throw new Error('usage: churn-worker <database json> <user>');
const store = createStore(connect(JSON.parse(configJson) as DatabaseConfig));
const services = createServices({
  store,
  now: () => new Date(),
  hasher: new SecretHasher(undefined),
  defaultRoleName: 'Account Group Read Only',
});
// A kill between a create and its delete leaves a key behind: clear them, or the role fills up.
for (const view of (await services.keys.list(userId, { allRoles: true })).keys)
  await services.keys.delete(userId, { reference: view.key.id });
process.stdout.write('ready\n');
for (let i = 0; ; i++) {
  const result = await services.keys.create(userId, { name: `churn-${process.pid}-${i}`, expiry: { kind: 'never' } });
  if (result.created) process.stdout.write(`created ${result.key.id}\n`);
  await services.keys.delete(userId, { reference: result.key.id });
}
