import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openText, sealText, serves } from '../../src/domain/installations.js';
import type { Services } from '../../src/domain/services.js';
import { createTestDatabase, dialects, type TestDatabase } from '../support/db.js';
import { makeServices } from '../support/domain.js';

const KEY = randomBytes(32);
const workspace = (teamId: string, enterpriseId: string | null = null) => ({ teamId, enterpriseId, isEnterpriseInstall: false });
const org = (enterpriseId: string) => ({ teamId: null, enterpriseId, isEnterpriseInstall: true });

describe('sealed installations', () => {
  it('open what was sealed, and refuse another key or a changed text without saying what was inside', () => {
    const sealed = sealText('{"bot":{"token":"xoxb-secret"}}', KEY);
    expect(sealed).not.toContain('xoxb');
    expect(openText(sealed, KEY)).toBe('{"bot":{"token":"xoxb-secret"}}');
    expect(() => openText(sealed, randomBytes(32))).toThrow('INSTALLATION_ENCRYPTION_KEY is not the key it was stored with');
    const [version, iv, tag, body = ''] = sealed.split('.');
    // The first character carries six whole bits of the ciphertext (the last ones may be padding bits
    // that decode to the same bytes), so this always changes what is decrypted.
    const changed = [version, iv, tag, `${body.startsWith('A') ? 'B' : 'A'}${body.slice(1)}`].join('.');
    expect(() => openText(changed, KEY)).toThrow('cannot be decrypted');
    expect(sealText('same', KEY)).not.toBe(sealText('same', KEY));
  });

  it('an org-wide install serves every workspace of its org; a workspace install only itself', () => {
    expect(serves(org('E1'), { enterpriseId: 'E1', teamId: 'T9', isEnterpriseInstall: true })).toBe(true);
    expect(serves(org('E1'), { enterpriseId: 'E2', teamId: 'T9', isEnterpriseInstall: true })).toBe(false);
    expect(serves(workspace('T1'), { teamId: 'T1', isEnterpriseInstall: false })).toBe(true);
    expect(serves(workspace('T1'), { teamId: 'T2', isEnterpriseInstall: false })).toBe(false);
  });
});

describe.each(dialects)('installations and offboarding in the database (%s)', (dialect) => {
  let db: TestDatabase;
  let services: Services;
  beforeEach(async () => {
    db = await createTestDatabase(dialect);
    ({ services } = await makeServices(db.store, { admins: ['UADMIN'] }));
  });
  afterEach(async () => db.cleanup());

  const installs = async () => (await services.audit.search({ limit: 50 })).filter((r) => r.action === 'app.installed');

  it('one organisation per deployment: a re-install or token refresh is kept quietly, another org is refused', async () => {
    expect(await services.installations.store(workspace('T1', 'E1'), sealText('a', KEY), 'UADMIN')).toEqual({ first: true });
    expect(await services.installations.store(workspace('T1', 'E1'), sealText('b', KEY))).toEqual({ first: false });
    expect(await installs()).toHaveLength(1);
    await expect(services.installations.store(workspace('T2'), sealText('c', KEY))).rejects.toMatchObject({ code: 'INSTALL_REFUSED' });
    await expect(services.installations.store(org('E2'), sealText('c', KEY))).rejects.toMatchObject({ code: 'INSTALL_REFUSED' });
    // The same org installing org-wide over its workspace install: allowed, and audited as a new scope.
    await services.installations.store(org('E1'), sealText('d', KEY));
    expect(await installs()).toHaveLength(2);
    const stored = await services.installations.find();
    expect(stored).toMatchObject({ enterpriseId: 'E1', isEnterpriseInstall: true });
    expect(openText(stored?.sealed ?? '', KEY)).toBe('d');
  });

  it('an uninstall is acted on once per event, and keeps the audit chain whole', async () => {
    await services.access.grant('UADMIN', 'UALICE');
    await services.keys.create('UALICE', { name: 'k', expiry: { kind: 'never' } });
    await services.installations.store(workspace('T1'), sealText('a', KEY));
    const remove = () => services.installations.remove({ reason: 'app_uninstalled', identity: {} }, { once: 'event:Ev1' });
    expect(await remove()).toEqual({ removed: true, count: 1 });
    expect(await remove()).toEqual({ removed: false, count: 0 });
    expect(await services.installations.find()).toBeUndefined();
    expect((await services.audit.verifyChain()).ok).toBe(true);
  });

  it('offboardPerson: admins and the system may, others may not; a replay changes nothing', async () => {
    await services.access.grant('UADMIN', 'UALICE');
    await services.keys.create('UALICE', { name: 'k', expiry: { kind: 'never' } });
    await expect(services.offboardPerson('UBOB', { userId: 'UALICE' })).rejects.toMatchObject({ code: 'NOT_ADMIN' });
    expect(await services.offboardPerson('UADMIN', { userId: 'UALICE' }, { once: 'x1' })).toMatchObject({ count: 1 });
    expect(await services.offboardPerson('UADMIN', { userId: 'UALICE' }, { once: 'x1' })).toMatchObject({ count: 0 });
    expect(await services.offboardPerson('system', { userId: 'UNOBODY' })).toMatchObject({ count: 0 });
  });
});
