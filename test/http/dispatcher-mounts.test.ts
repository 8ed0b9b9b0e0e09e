import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Server } from 'node:http';
import { generateSecret } from '../../src/domain/secrets.js';
import { createHttpServer, listen } from '../../src/http/server.js';
import { createMemoryLogger } from '../../src/logger.js';

/** A path mount (the local sandbox at /sandbox) shares PORT, so the dispatcher's URL rule covers it too. */
describe('a listener mounted on a path prefix', () => {
  let server: Server;
  let base: string;
  const reached: string[] = [];
  beforeEach(async () => {
    reached.length = 0;
    server = createHttpServer({
      routes: [],
      logger: createMemoryLogger(),
      mounts: [
        {
          prefix: '/sandbox',
          listener: (req, res) => {
            reached.push(req.url ?? '');
            res.writeHead(200, { 'content-type': 'text/plain' }).end('sandbox');
          },
        },
      ],
    });
    base = `http://127.0.0.1:${await listen(server, 0, '127.0.0.1')}`;
  });
  afterEach(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('gets its own paths, but a secret in the URL is refused with 400 secret_in_url before the listener sees it', async () => {
    expect((await fetch(`${base}/sandbox/state?conversation=D1`)).status).toBe(200);
    const secret = generateSecret();
    for (const path of [
      `/sandbox/state?q=${secret}`,
      `/sandbox/${secret}`,
      `/sandbox?x=${encodeURIComponent(encodeURIComponent(secret))}`,
      `/sandbox/state?q=${secret.slice(4)}`,
    ]) {
      const answer = await fetch(base + path);
      expect(answer.status, path).toBe(400);
      expect(await answer.json()).toMatchObject({ error: 'secret_in_url' });
    }
    expect(reached).toEqual(['/sandbox/state?conversation=D1']);
  });
});
