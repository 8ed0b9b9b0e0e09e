import { ADMIN, type ApiHarness } from './harness.js';

export interface KeyReply {
  status: number;
  headers: Headers;
  text: string;
  /** Parsed JSON, or undefined for an empty body. */
  body: unknown;
}

/** Calls as Prisma's clients do: JSON content type on every call, even the bodiless ones. */
export async function call(
  base: string,
  method: string,
  path: string,
  options: { token?: string; body?: string; client?: string } = {},
): Promise<KeyReply> {
  const headers: Record<string, string> = { 'content-type': 'application/json', 'x-forwarded-for': options.client ?? '192.0.2.50' };
  if (options.token !== undefined) headers['x-redlock-auth'] = options.token;
  const response = await fetch(base + path, { method, headers, ...(options.body === undefined ? {} : { body: options.body }) });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, body: text === '' ? undefined : (JSON.parse(text) as unknown) };
}

export async function loginAs(base: string, key: { id: string; secret: string }): Promise<string> {
  const reply = await call(base, 'POST', '/login', { body: JSON.stringify({ username: key.id, password: key.secret }) });
  const token = (reply.body as { token?: unknown } | undefined)?.token;
  if (reply.status !== 200 || typeof token !== 'string') throw new Error(`login failed: ${reply.status} ${reply.text}`);
  return token;
}

/** The Prisma error code a reply carries, from the header real clients read; checks the body says the same. */
export function redlockCode(reply: KeyReply): string | undefined {
  const header = reply.headers.get('x-redlock-status');
  if (header === null) return undefined;
  const parsed = JSON.parse(header) as Array<{ i18nKey: string; severity: string; subject: string | null }>;
  const code = parsed[0]?.i18nKey;
  if ((reply.body as { error?: unknown } | undefined)?.error !== code)
    throw new Error(`body and X-Redlock-Status disagree: ${reply.text} vs ${header}`);
  return code;
}

/** The admin acting in System Admin (bootstrap admins keep the default role active until they switch). */
export async function adminKeyInSystemAdmin(h: ApiHarness, name = 'admin-automation'): Promise<{ id: string; secret: string }> {
  await h.services.users.switchRole(ADMIN, 'System Admin');
  return h.createKey(name, { owner: ADMIN });
}
