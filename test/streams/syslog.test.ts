import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
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
