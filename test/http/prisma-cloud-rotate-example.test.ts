import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { ADMIN, secretsIn, startTestApp, type TestApp } from '../support/app.js';
import { call, loginAs } from './prisma-cloud-support.js';

const ALICE = 'UALICE';
const SCRIPT = fileURLToPath(new URL('../../examples/rotate-key.sh', import.meta.url));

function runScript(env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    // A clean environment plus PATH: the script must run on a fresh machine with bash and curl only.
    execFile('bash', [SCRIPT], { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env }, timeout: 30_000 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
      resolve({ code, stdout, stderr });
    });
  });
}

describe('examples/rotate-key.sh against the running app', () => {
  let t: TestApp | undefined;
  afterEach(async () => t?.stop());

  const start = async () => {
    t = await startTestApp();
    await t.app.services.access.grant(ADMIN, ALICE);
    const old = await t.app.services.keys.create(ALICE, { name: 'ci', expiry: { kind: 'never' } });
    if (!old.created) throw new Error('key not created');
    return { app: t, old, base: `http://127.0.0.1:${t.app.port}` };
  };

  it('replaces the old key with a working new one, prints only the new key on stdout, and the old key is gone', async () => {
    const { app, old, base } = await start();
    const result = await runScript({
      BASE_URL: base,
      OLD_KEY_ID: old.key.id,
      OLD_SECRET: old.secret,
      NEW_NAME: 'ci-2026',
      EXPIRES_IN_DAYS: '30',
    });
    expect(result.code, result.stderr).toBe(0);
    const match = /^ACCESS_KEY_ID=(ak_\w+)\nSECRET_KEY=(aks_\w+)\n$/.exec(result.stdout);
    expect(match, result.stdout).not.toBeNull();
    const [, newId = '', newSecret = ''] = match ?? [];
    expect(secretsIn(result.stderr)).toEqual([]);

    expect(await app.app.store.read.keys.findById(old.key.id)).toBeUndefined();
    const fresh = await app.app.store.read.keys.findById(newId);
    expect(fresh).toMatchObject({ name: 'ci-2026', ownerId: ALICE, status: 'active' });
    // About 30 days from the machine's clock (the script reads `date`), whatever the app's test clock says.
    expect(Math.abs(Date.parse(fresh?.expiresAt ?? '') - (Date.now() + 30 * 86_400_000))).toBeLessThan(120_000);
    const token = await loginAs(base, { id: newId, secret: newSecret });
    expect((await call(base, 'GET', '/access_keys', { token })).body).toMatchObject([{ id: newId }]);
    const actions = (await app.app.services.audit.search({ limit: 20 })).map((r) => [r.action, r.keyId]);
    expect(actions).toEqual(
      expect.arrayContaining([
        ['key.created', newId],
        ['key.deleted', old.key.id],
      ]),
    );
  }, 40_000);

  it('stops with a clear message and changes nothing when the role has no free slot', async () => {
    const { app, old, base } = await start();
    await app.app.services.keys.create(ALICE, { name: 'other', expiry: { kind: 'never' } });
    const result = await runScript({ BASE_URL: base, OLD_KEY_ID: old.key.id, OLD_SECRET: old.secret });
    expect(result.code).not.toBe(0);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('already_have_two_access_keys');
    expect(await app.app.store.read.keys.countAll({ ownerId: ALICE })).toBe(2);
    expect(await app.app.store.read.keys.findById(old.key.id)).toBeDefined();
  }, 40_000);

  it('the by-hand rotation in docs/integration.md works as written', async () => {
    const { app, old, base } = await start();
    const readme = await readFile(fileURLToPath(new URL('../../docs/integration.md', import.meta.url)), 'utf8');
    const snippet = /By hand:\n\n```sh\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(snippet).toBeDefined();
    const script = (snippet ?? '').replace(/^BASE=.*$/m, `BASE=${base}`);
    const result = await new Promise<{ code: number; stderr: string }>((resolve) => {
      const child = execFile(
        'bash',
        ['-euo', 'pipefail', '-s'],
        { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', OLD_KEY_ID: old.key.id, OLD_SECRET: old.secret }, timeout: 30_000 },
        (error, _stdout, stderr) => resolve({ code: error === null ? 0 : 1, stderr }),
      );
      child.stdin?.end(script);
    });
    expect(result.code, result.stderr).toBe(0);
    expect(await app.app.store.read.keys.findById(old.key.id)).toBeUndefined();
    expect((await app.app.services.keys.list(ALICE)).keys.map((k) => k.key.name)).toEqual(['ci-2027']);
  }, 40_000);

  it('stops at the login when the old secret is wrong', async () => {
    const { base, old } = await start();
    const result = await runScript({ BASE_URL: base, OLD_KEY_ID: old.key.id, OLD_SECRET: 'aks_wrong' });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('login with');
    expect(result.stdout).toBe('');
  }, 40_000);
});
