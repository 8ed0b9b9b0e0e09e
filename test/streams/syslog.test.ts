import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { createServer as createTlsServer, type Server } from 'node:tls';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { verifyChainLines } from '../../src/domain/streams/chain-file.js';
import { dialects } from '../support/db.js';
import { until } from '../support/wait.js';
import { added, streamsWorld, type StreamsWorld } from './harness.js';
import { Rsyslog } from './rsyslog.js';

/** RFC 5424: PRI, VERSION 1, TIMESTAMP, HOSTNAME, APP-NAME, PROCID, MSGID, STRUCTURED-DATA, MSG. */
const RFC5424 =
  /^<(\d{1,3})>1 (\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,6})?(?:Z|[+-]\d\d:\d\d)) (\S{1,255}) (\S{1,48}) (\S{1,128}) (\S{1,32}) (-|(?:\[[^\]]+\])+) (.*)$/;

describe.each(dialects)('event streams: syslog into a real rsyslog on %s', (dialect) => {
  let world: StreamsWorld;
  let rsyslog: Rsyslog;
  beforeEach(async () => {
    world = await streamsWorld(dialect);
    rsyslog = await Rsyslog.start();
  });
  afterEach(async () => {
    await world.cleanup();
    await rsyslog.stop();
  });

  it('rsyslog receives every record once, each line valid RFC 5424 carrying seq; the verifier names a deleted line', async () => {
    const { stream } = await added(
      world.services.streams.add('UADMIN', {
        name: 'rsyslog',
        kind: 'syslog',
        url: `tcp://127.0.0.1:${rsyslog.port}`,
        format: 'ocsf',
      }),
    );
    expect(stream.state).toBe('active');
    world.startWorker();
    for (const name of ['a', 'b', 'c', 'd', 'e']) {
      await world.services.keys.create('UALICE', { name, expiry: { kind: 'never' } });
      await world.services.keys.delete('UALICE', { reference: name });
    }
    const head = await world.db.store.read.audit.readHead();
    const expected = head.seq - stream.cursorSeq;
    await until(async () => rsyslog.lines().length >= expected, `${expected} lines in rsyslog's file`);
    const lines = rsyslog.lines();
    expect(lines).toHaveLength(expected);
    const seqs = lines.map((line) => {
      const match = RFC5424.exec(line);
      expect(match, line).not.toBeNull();
      expect(match?.[1]).toBe('110');
      expect(match?.[4]).toBe('accesskey-bot');
      const seq = /\[accesskey@32473 seq="(\d+)" prev_hash="([0-9a-f]{64})" hash="([0-9a-f]{64})"\]/.exec(match?.[7] ?? '');
      expect(seq).not.toBeNull();
      return Number(seq?.[1]);
    });
    expect(seqs).toEqual(Array.from({ length: expected }, (_, i) => stream.cursorSeq + 1 + i));

    // The received file verifies on its own; with one line deleted, the verifier names the gap.
    expect(verifyChainLines(lines)).toMatchObject({ ok: true, records: expected });
    const cut = [...lines.slice(0, 4), ...lines.slice(5)];
    expect(verifyChainLines(cut)).toMatchObject({ ok: false, problem: 'missing', seq: seqs[4], line: 5 });
    const edited = lines.map((line, i) => (i === 2 ? line.replace('"actor_id":"UALICE"', '"actor_id":"UMALLORY"') : line));
    expect(verifyChainLines(edited)).toMatchObject({ ok: false, problem: 'edited', seq: seqs[2] });

    // The same through the command people run.
    const file = join(rsyslog.dir, 'cut.log');
    writeFileSync(file, `${cut.join('\n')}\n`);
    const run = promisify(execFile);
    const cli = await run('npx', ['tsx', 'src/audit-verify-cli.ts', '--file', file]).catch(
      (error: { code: number; stdout: string }) => error,
    );
    expect(cli.stdout).toContain(`record #${seqs[4]} is missing`);
    expect('code' in cli ? cli.code : 0).toBe(1);
  });

  it('Send test event reaches rsyslog marked as a test, outside the chain', async () => {
    const { stream } = await added(
      world.services.streams.add('UADMIN', {
        name: 'rsyslog',
        kind: 'syslog',
        url: `tcp://127.0.0.1:${rsyslog.port}`,
        format: 'cloudevents',
      }),
    );
    expect(await world.services.streams.sendTest('UADMIN', stream.id)).toEqual({ kind: 'delivered' });
    await until(async () => rsyslog.lines().length >= 1, 'the test line');
    expect(rsyslog.lines()[0]).toMatch(/\[accesskey@32473 test="true"\]/);
    expect(verifyChainLines(rsyslog.lines())).toMatchObject({ ok: true, records: 0 });
  });
});

describe.each(dialects)('event streams: syslog over TLS with a CA of its own on %s', (dialect) => {
  let world: StreamsWorld;
  let dir: string;
  let server: Server;
  const frames: string[] = [];
  beforeEach(async () => {
    world = await streamsWorld(dialect);
    dir = mkdtempSync(join(tmpdir(), 'syslog-tls-'));
    // A throwaway self-signed certificate for 127.0.0.1: the stream trusts it only through its CA setting.
    await promisify(execFile)('openssl', [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-keyout',
      join(dir, 'key.pem'),
      '-out',
      join(dir, 'cert.pem'),
    ]);
    frames.length = 0;
    server = createTlsServer({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) }, (socket) => {
      let buffered = '';
      socket.on('data', (chunk: Buffer) => {
        buffered += chunk.toString('utf8');
        // RFC 6587 octet counting: "<length> <message>", one after another.
        for (;;) {
          const space = buffered.indexOf(' ');
          const length = Number(buffered.slice(0, space));
          if (space < 0 || Buffer.byteLength(buffered.slice(space + 1)) < length) break;
          const rest = Buffer.from(buffered.slice(space + 1));
          frames.push(rest.subarray(0, length).toString('utf8'));
          buffered = rest.subarray(length).toString('utf8');
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });
  afterEach(async () => {
    await world.cleanup();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('delivers octet-counted RFC 5424 frames to a receiver whose certificate only the configured CA vouches for', async () => {
    const port = (server.address() as AddressInfo).port;
    const trusted = await added(
      world.services.streams.add('UADMIN', {
        name: 'tls',
        kind: 'syslog',
        url: `tls://127.0.0.1:${port}`,
        format: 'json',
        tlsCa: readFileSync(join(dir, 'cert.pem'), 'utf8'),
      }),
    );
    world.startWorker();
    await world.services.keys.create('UALICE', { name: 'a', expiry: { kind: 'never' } });
    const head = await world.db.store.read.audit.readHead();
    await until(async () => frames.length >= head.seq - trusted.stream.cursorSeq, 'the frames over TLS');
    expect(frames.every((frame) => RFC5424.test(frame))).toBe(true);
    expect(verifyChainLines(frames)).toMatchObject({ ok: true, records: head.seq - trusted.stream.cursorSeq });

    // Without the CA the same receiver is not trusted: the attempt fails and the backlog is kept.
    const untrusted = await added(
      world.services.streams.add('UADMIN', { name: 'no-ca', kind: 'syslog', url: `tls://127.0.0.1:${port}`, format: 'json' }),
    );
    await until(async () => {
      const status = (await world.services.streams.list('UADMIN')).find((s) => s.id === untrusted.stream.id);
      return status !== undefined && status.failures > 0 && status.lastError !== null && status;
    }, 'the untrusted stream to fail');
    const status = (await world.services.streams.list('UADMIN')).find((s) => s.id === untrusted.stream.id);
    expect(status?.lastError).toMatch(/self[- ]signed|certificate/i);
    expect(status?.lag).toBeGreaterThan(0);
  });
});
