import { readFile } from 'node:fs/promises';
import { Validator } from '@seriousme/openapi-schema-validator';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKeyId } from '../../src/domain/secrets.js';
import { ADMIN, startTestApp, type TestApp } from '../support/app.js';
import { call, loginAs, type KeyReply } from './prisma-cloud-support.js';

const ALICE = 'UALICE';
const INTAKE_TOKEN = 'openapi-test-intake-token-of-32-chars+';
const DOC_PATH = new URL('../../docs/openapi.yaml', import.meta.url);

type Json = Record<string, unknown>;
const asObject = (value: unknown): Json => (typeof value === 'object' && value !== null ? (value as Json) : {});

/**
 * The contract test: docs/openapi.yaml is valid OpenAPI 3.1, and the real app's answers — status,
 * body and the documented headers — match it for every operation it documents.
 */
describe('docs/openapi.yaml against the running app', () => {
  let t: TestApp;
  let doc: Json;
  let base: string;
  const ajv = new Ajv2020({ strict: true, allowUnionTypes: true, allErrors: true, formats: { int64: true, 'date-time': true } });
  const compiled = new Map<unknown, ValidateFunction>();
  const covered = new Set<string>();

  beforeAll(async () => {
    // GitLab's revocation routes exist only with LEAK_INTAKE_TOKEN set (docs/leak-response.md).
    t = await startTestApp({ env: { LEAK_INTAKE_TOKEN: INTAKE_TOKEN } });
    base = `http://127.0.0.1:${t.app.port}`;
    const validator = new Validator();
    const verdict = await validator.validate(parse(await readFile(DOC_PATH, 'utf8')) as Json);
    if (!verdict.valid) throw new Error(`docs/openapi.yaml is not valid OpenAPI: ${JSON.stringify(verdict.errors)}`);
    expect(validator.version).toBe('3.1');
    doc = validator.resolveRefs();
  });
  afterAll(async () => t.stop());

  function conforms(method: string, template: string, reply: KeyReply): void {
    const operation = asObject(asObject(asObject(doc.paths)[template])[method.toLowerCase()]);
    expect(Object.keys(operation), `${method} ${template} is documented`).not.toHaveLength(0);
    const response = asObject(asObject(operation.responses)[String(reply.status)]);
    expect(Object.keys(response), `${method} ${template} documents status ${reply.status} (${reply.text})`).not.toHaveLength(0);
    const schema = asObject(asObject(asObject(response.content)['application/json']).schema);
    if (Object.keys(schema).length === 0) {
      expect(reply.text, `${method} ${template} ${reply.status} has no body`).toBe('');
    } else {
      let validate = compiled.get(schema);
      if (validate === undefined) {
        validate = ajv.compile(schema);
        compiled.set(schema, validate);
      }
      expect(validate(reply.body) ? [] : validate.errors, `${method} ${template} ${reply.status}: ${reply.text}`).toEqual([]);
    }
    for (const name of Object.keys(asObject(response.headers))) {
      const value = reply.headers.get(name);
      expect(value, `${method} ${template} ${reply.status} sends ${name}`).not.toBeNull();
      if (name === 'X-Redlock-Status') {
        const status = asObject(asObject(doc.components).schemas).RedlockStatus;
        const validate = ajv.compile({ type: 'array', minItems: 1, items: status });
        expect(validate(JSON.parse(value ?? 'null')) ? [] : validate.errors).toEqual([]);
      }
    }
    covered.add(`${method.toUpperCase()} ${template}`);
  }

  it('every documented operation answers as documented, on success and on error', async () => {
    const services = t.app.services;
    await services.access.grant(ADMIN, ALICE);
    const first = await services.keys.create(ALICE, { name: 'ci', expiry: { kind: 'never' } });
    if (!first.created) throw new Error('key not created');
    const json = (value: unknown) => JSON.stringify(value);

    conforms('GET', '/healthz', await call(base, 'GET', '/healthz'));
    conforms('POST', '/login', await call(base, 'POST', '/login', { body: json({ username: first.key.id, password: 'aks_wrong' }) }));
    conforms('POST', '/login', await call(base, 'POST', '/login', { body: '[' }));
    const token = await loginAs(base, { id: first.key.id, secret: first.secret });
    conforms('POST', '/login', await call(base, 'POST', '/login', { body: json({ username: first.key.id, password: first.secret }) }));
    conforms('GET', '/auth_token/extend', await call(base, 'GET', '/auth_token/extend', { token }));
    conforms('GET', '/auth_token/extend', await call(base, 'GET', '/auth_token/extend', { token: 'nope', client: '192.0.2.77' }));
    conforms('POST', '/v1/keys/verify', await call(base, 'POST', '/v1/keys/verify', { body: json({ key: first.secret }) }));
    conforms('POST', '/v1/keys/verify', await call(base, 'POST', '/v1/keys/verify', { body: json({ key: 'aks_nope' }) }));

    conforms('GET', '/access_keys', await call(base, 'GET', '/access_keys', { token }));
    conforms('GET', '/access_keys', await call(base, 'GET', '/access_keys', { client: '192.0.2.78' }));
    const created = await call(base, 'POST', '/access_keys', {
      token,
      body: json({ name: 'next', expiresOn: t.clock.now().getTime() + 86_400_000 }),
    });
    conforms('POST', '/access_keys', created);
    const createdId = (created.body as { id: string }).id;
    conforms('POST', '/access_keys', await call(base, 'POST', '/access_keys', { token, body: json({ name: 'third' }) }));
    conforms('POST', '/access_keys', await call(base, 'POST', '/access_keys', { token, body: json({ name: 'ci', expiresOn: 1 }) }));
    conforms(
      'POST',
      '/access_keys',
      await call(base, 'POST', '/access_keys', { token, body: json({ name: 'x', serviceAccountName: 'svc' }) }),
    );
    conforms('GET', '/access_keys/{id}', await call(base, 'GET', `/access_keys/${createdId}`, { token }));
    conforms('GET', '/access_keys/{id}', await call(base, 'GET', `/access_keys/${generateKeyId()}`, { token }));
    conforms('GET', '/access_keys/{id}', await call(base, 'GET', '/access_keys/not-a-key', { token }));
    conforms('PATCH', '/access_keys/{id}/status/{status}', await call(base, 'PATCH', `/access_keys/${createdId}/status/false`, { token }));
    conforms('PATCH', '/access_keys/{id}/status/{status}', await call(base, 'PATCH', `/access_keys/${createdId}/status/maybe`, { token }));
    conforms(
      'PATCH',
      '/access_keys/{id}/status/{status}',
      await call(base, 'PATCH', `/access_keys/${generateKeyId()}/status/true`, { token }),
    );
    conforms('GET', '/user/me', await call(base, 'GET', '/user/me', { token }));
    conforms('DELETE', '/access_keys/{id}', await call(base, 'DELETE', `/access_keys/${createdId}`, { token }));
    conforms('DELETE', '/access_keys/{id}', await call(base, 'DELETE', `/access_keys/${createdId}`, { token }));
    const duplicate = await call(base, 'POST', '/access_keys', { token, body: json({ name: 'CI' }) });
    expect(duplicate.status).toBe(409);
    conforms('POST', '/access_keys', duplicate);
    for (let i = 0; i < 11; i++) await call(base, 'GET', '/user/me', { token: 'bad', client: '192.0.2.99' });
    const throttled = await call(base, 'GET', '/user/me', { token, client: '192.0.2.99' });
    expect(throttled.status).toBe(429);
    conforms('GET', '/user/me', throttled);

    // The leak response's intake (a signed GitHub call is tested in test/http/leak-intake.test.ts).
    conforms('POST', '/scanning/github', await call(base, 'POST', '/scanning/github', { body: json([]) }));
    const intake = async (method: string, path: string, body?: string, authorization = INTAKE_TOKEN) => {
      const response = await fetch(base + path, { method, headers: { 'content-type': 'application/json', authorization }, body });
      const text = await response.text();
      return { status: response.status, headers: response.headers, text, body: text === '' ? undefined : (JSON.parse(text) as unknown) };
    };
    conforms('GET', '/v1/revocable_token_types', await intake('GET', '/v1/revocable_token_types'));
    conforms('GET', '/v1/revocable_token_types', await intake('GET', '/v1/revocable_token_types', undefined, 'wrong'));
    conforms('POST', '/v1/revoke_tokens', await intake('POST', '/v1/revoke_tokens', json([{ type: 'aks', token: 'aks_nope' }])));
    conforms('POST', '/v1/revoke_tokens', await intake('POST', '/v1/revoke_tokens', json({ nope: 1 })));

    const documented = Object.entries(asObject(doc.paths)).flatMap(([path, item]) =>
      Object.keys(asObject(item))
        .filter((k) => ['get', 'post', 'patch', 'delete', 'put'].includes(k))
        .map((m) => `${m.toUpperCase()} ${path}`),
    );
    expect([...covered].sort()).toEqual(documented.sort());
  }, 30_000);
});
