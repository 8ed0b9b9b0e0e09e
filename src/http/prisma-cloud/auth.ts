import type { ViaKey } from '../../domain/keys/via.js';
import type { ApiContext } from '../context.js';
import type { Outcome, RequestContext } from '../route.js';
import { authenticateToken } from '../token-auth.js';

/** Who is calling: the key behind the token, and its owner, on whose behalf every change is made. */
export interface Caller {
  ownerId: string;
  via: ViaKey;
}

/**
 * The `x-redlock-auth` token of `/login`, checked on every call as `/auth_token/extend` checks it
 * (token-auth.ts). Answers the request itself and returns its outcome when the caller may not go on.
 */
export async function authenticateCaller(api: ApiContext, ctx: RequestContext<unknown, unknown>): Promise<Caller | Outcome> {
  const holder = await authenticateToken(api, ctx);
  if (typeof holder === 'string') return holder;
  return { ownerId: holder.key.ownerId, via: { keyId: holder.key.id, roleId: holder.key.roleId } };
}
