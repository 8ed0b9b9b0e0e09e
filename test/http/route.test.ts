import type { Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { route, type Route } from '../../src/http/route.js';
import { createHttpServer, listen } from '../../src/http/server.js';
import { createMemoryLogger } from '../../src/logger.js';
import { until } from '../support/wait.js';

/** route() as a route's author uses it: one declaration, params by name, body by schema, outcome returned. */
describe('a route declared with route()', () => {
  let server: Server | undefined;
  const observed: string[] = [];
  afterEach(async () => {
    observed.length = 0;
    server?.closeAllConnections();
    await new Promise<void>((resolve) => (server === undefined ? resolve() : server.close(() => resolve())));
  });

  async function serve(routes: Route[]): Promise<string> {
    server = createHttpServer({
      routes,
      logger: createMemoryLogger(),
      observer: { observe: (label, outcome) => observed.push(`${label} ${outcome}`) },
    });
    return `http://127.0.0.1:${await listen(server, 0, '127.0.0.1')}`;
  }

  const post = (url: string, body: string, type = 'application/json') =>
    fetch(url, { method: 'POST', body, headers: { 'content-type': type } });

  it('gets its path parameters by name, and the outcome it returns labels the request under its template', async () => {
    const base = await serve([
      route({
        method: 'GET',
        path: '/shelves/{shelf}/books/{book}',
        handle: (ctx) => {
          ctx.json(200, { shelf: ctx.params.shelf, book: ctx.params.book });
          return 'found';
        },
      }),
    ]);
    const reply = await fetch(`${base}/shelves/s1/books/b%202?x=1`);
    expect(await reply.json()).toEqual({ shelf: 's1', book: 'b%202' });
    await until(async () => observed.length === 1, 'the observations');
    expect(observed).toEqual(['/shelves/{shelf}/books/{book} found']);
    // A parameter needs at least one character unless the route says otherwise.
    expect((await fetch(`${base}/shelves//books/b`)).status).toBe(404);
  });

  it('a parameter named in emptyParams may be empty; the others may not', async () => {
    const base = await serve([
      route({
        method: 'PATCH',
        path: '/items/{id}/state/{state}',
        emptyParams: ['state'],
        handle: (ctx) => ctx.json(200, { id: ctx.params.id, state: ctx.params.state }),
      }),
    ]);
    expect(await (await fetch(`${base}/items/a/state/`, { method: 'PATCH' })).json()).toEqual({ id: 'a', state: '' });
    expect((await fetch(`${base}/items//state/on`, { method: 'PATCH' })).status).toBe(404);
  });

  it('gets its body parsed by its schema; a body failing it is 400 invalid_request and the handler never runs', async () => {
    const seen: string[] = [];
    const base = await serve([
      route({
        method: 'POST',
        path: '/notes',
        body: z.object({ text: z.string() }),
        handle: (ctx) => {
          seen.push(ctx.body.text);
          return ctx.json(201, { saved: ctx.body.text });
        },
      }),
    ]);
    expect(await (await post(`${base}/notes`, '{"text":"hi"}')).json()).toEqual({ saved: 'hi' });
    const refused = await post(`${base}/notes`, '{"text":5}');
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({ error: 'invalid_request' });
    expect((await post(`${base}/notes`, 'text=hi', 'application/x-www-form-urlencoded')).status).toBe(415);
    expect((await post(`${base}/notes`, JSON.stringify({ text: 'x'.repeat(9000) }))).status).toBe(413);
    expect(seen).toEqual(['hi']);
    await until(async () => observed.length === 4, 'the observations');
    expect(observed).toEqual(['/notes ok', '/notes invalid_request', '/notes unsupported_media_type', '/notes payload_too_large']);
  });

  it('answers a body it cannot use with its own refuseBody, whose outcome labels the request', async () => {
    const base = await serve([
      route({
        method: 'POST',
        path: '/strict',
        body: z.strictObject({ name: z.string() }),
        refuseBody: (ctx, problem) => {
          ctx.json(422, { problem: problem.kind });
          return `refused_${problem.kind}`;
        },
        handle: (ctx) => ctx.json(200, ctx.body),
      }),
    ]);
    const reply = await post(`${base}/strict`, '{"name":"a","extra":1}');
    expect(reply.status).toBe(422);
    expect(await reply.json()).toEqual({ problem: 'invalid' });
    await until(async () => observed.length === 1, 'the observations');
    expect(observed).toEqual(['/strict refused_invalid']);
  });

  it("with body 'none', takes nothing, null or {} and refuses any other body", async () => {
    const base = await serve([route({ method: 'DELETE', path: '/things/{id}', body: 'none', handle: (ctx) => ctx.json(200, ctx.params) })]);
    for (const body of [undefined, '', 'null', ' { } '])
      expect((await fetch(`${base}/things/t1`, { method: 'DELETE', body, headers: { 'content-type': 'application/json' } })).status).toBe(
        200,
      );
    const refused = await fetch(`${base}/things/t1`, {
      method: 'DELETE',
      body: '{"a":1}',
      headers: { 'content-type': 'application/json' },
    });
    expect(refused.status).toBe(400);
  });
});
