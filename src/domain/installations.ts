import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { z } from 'zod';
import { AppError } from '../errors.js';
import { appendAudit, auditOf } from './audit.js';
import type { DomainDeps } from './deps.js';
import { SYSTEM_ACTOR } from './model.js';
import { firstTime } from './replays.js';
import { iso } from './time.js';

/**
 * The app's one Slack installation (SPEC §18, "One organisation per deployment"): who installed it
 * (a workspace, or an Enterprise org for an org-wide install) and its tokens, sealed with AES-256-GCM under
 * INSTALLATION_ENCRYPTION_KEY. The domain never reads the tokens: it keeps the sealed text and decides
 * which organisation the deployment serves.
 */
export interface InstallationIdentity {
  enterpriseId: string | null;
  teamId: string | null;
  isEnterpriseInstall: boolean;
}

export interface StoredInstallation extends InstallationIdentity {
  /** The Slack installation (tokens included) as sealed text; see `sealText`. */
  sealed: string;
  installedAt: string;
  updatedAt: string;
}

const SETTING = 'slack_installation';

const storedSchema = z.object({
  enterpriseId: z.string().nullable(),
  teamId: z.string().nullable(),
  isEnterpriseInstall: z.boolean(),
  sealed: z.string().min(1),
  installedAt: z.string(),
  updatedAt: z.string(),
});

const SEAL_VERSION = 'v1';
const SEAL_AAD = Buffer.from('access-key-bot/slack-installation');

/** AES-256-GCM with a fresh 12-byte nonce: `v1.<nonce>.<tag>.<ciphertext>`, base64url each. */
export function sealText(plain: string, key: Buffer): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(SEAL_AAD);
  const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return [SEAL_VERSION, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), body.toString('base64url')].join('.');
}

/** The plain text, or a CONFIG_INVALID error when the key is not the one it was sealed with (or the text was changed). */
export function openText(sealed: string, key: Buffer): string {
  const [version, iv, tag, body] = sealed.split('.');
  if (version !== SEAL_VERSION || iv === undefined || tag === undefined || body === undefined) {
    throw new AppError('CONFIG_INVALID', 'The stored Slack installation is not in a format this version reads.');
  }
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
    decipher.setAAD(SEAL_AAD);
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
  } catch (error) {
    throw new AppError(
      'CONFIG_INVALID',
      'The stored Slack installation cannot be decrypted: INSTALLATION_ENCRYPTION_KEY is not the key it was stored with.',
      { cause: error },
    );
  }
}

function describe(identity: InstallationIdentity): string {
  return identity.isEnterpriseInstall
    ? `the Enterprise organisation ${identity.enterpriseId ?? '?'}`
    : `the workspace ${identity.teamId ?? '?'}`;
}

/** Another install by the same organisation (a re-install, new scopes, or a workspace install made org-wide). */
function sameOrganisation(stored: InstallationIdentity, incoming: InstallationIdentity): boolean {
  if (stored.enterpriseId !== null && stored.enterpriseId === incoming.enterpriseId) return true;
  return !stored.isEnterpriseInstall && !incoming.isEnterpriseInstall && stored.teamId !== null && stored.teamId === incoming.teamId;
}

/** Whether a request from `query` is served by the stored installation. */
export function serves(
  stored: InstallationIdentity,
  query: { enterpriseId?: string; teamId?: string; isEnterpriseInstall: boolean },
): boolean {
  if (stored.isEnterpriseInstall) return stored.enterpriseId !== null && query.enterpriseId === stored.enterpriseId;
  return stored.teamId !== null && query.teamId === stored.teamId;
}

export async function findInstallation(deps: DomainDeps): Promise<StoredInstallation | undefined> {
  const raw = await deps.store.settings.get(SETTING);
  return raw === undefined ? undefined : storedSchema.parse(JSON.parse(raw));
}

/**
 * Keeps an installation: a first install (audited `app.installed`), or new tokens for the same
 * organisation (a re-install or a token refresh, not audited). An install from any other workspace or
 * organisation is refused: one deployment serves one organisation.
 */
export async function storeInstallation(
  deps: DomainDeps,
  identity: InstallationIdentity,
  sealed: string,
  installerId: string | undefined,
): Promise<{ first: boolean }> {
  return deps.store.write(async (tx) => {
    const raw = await tx.settings.get(SETTING);
    const stored = raw === undefined ? undefined : storedSchema.parse(JSON.parse(raw));
    if (stored !== undefined && !sameOrganisation(stored, identity)) {
      throw new AppError(
        'INSTALL_REFUSED',
        `This Access Key Bot already serves ${describe(stored)}, and one deployment serves one organisation. It was not installed in ${describe(identity)}.`,
      );
    }
    const now = iso(deps.now());
    const next: StoredInstallation = { ...identity, sealed, installedAt: stored?.installedAt ?? now, updatedAt: now };
    await tx.settings.set(SETTING, JSON.stringify(next));
    const changedScope = stored !== undefined && stored.isEnterpriseInstall !== identity.isEnterpriseInstall;
    if (stored === undefined || changedScope) {
      await appendAudit(
        tx,
        {
          actorId: installerId ?? SYSTEM_ACTOR,
          action: 'app.installed',
          details: { enterpriseId: identity.enterpriseId, teamId: identity.teamId, orgWide: identity.isEnterpriseInstall },
        },
        deps.now(),
      );
    }
    return { first: stored === undefined };
  });
}

/**
 * The app was uninstalled or its bot token revoked (`app_uninstalled` / `tokens_revoked`): the
 * installation is removed and every active key becomes inactive, each audited (`key.inactivated_uninstall`),
 * then `app.uninstalled`; all in one transaction, so the audit chain stays whole. Once per event id.
 */
export async function removeInstallation(
  deps: DomainDeps,
  input: { reason: 'app_uninstalled' | 'tokens_revoked'; identity: Partial<InstallationIdentity> },
  once?: string,
): Promise<{ removed: boolean; count: number }> {
  return deps.store.write(async (tx) => {
    if (!(await firstTime(tx, deps, SYSTEM_ACTOR, once))) return { removed: false, count: 0 };
    const raw = await tx.settings.get(SETTING);
    const stored = raw === undefined ? undefined : storedSchema.parse(JSON.parse(raw));
    if (stored === undefined) return { removed: false, count: 0 };
    const now = deps.now();
    await tx.settings.remove(SETTING);
    let count = 0;
    for (const key of await tx.keys.list({})) {
      if (key.status !== 'active') continue;
      await tx.keys.update(key.id, { status: 'inactive' });
      await appendAudit(
        tx,
        auditOf(SYSTEM_ACTOR, 'key.inactivated_uninstall', key, await tx.roles.findById(key.roleId), { reason: input.reason }),
        now,
      );
      count += 1;
    }
    await appendAudit(
      tx,
      {
        actorId: SYSTEM_ACTOR,
        action: 'app.uninstalled',
        details: { reason: input.reason, enterpriseId: stored.enterpriseId, teamId: stored.teamId, keysMadeInactive: count },
      },
      now,
    );
    return { removed: true, count };
  });
}
