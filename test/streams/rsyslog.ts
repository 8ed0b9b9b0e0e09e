import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { until } from '../support/wait.js';

const RSYSLOGD = ['/usr/sbin/rsyslogd', '/usr/bin/rsyslogd'].find((path) => existsSync(path)) ?? 'rsyslogd';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

const accepts = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });

/**
 * A real rsyslogd (the Debian package; .ci/run installs it) on a loopback port, with a config of its
 * own: imtcp (octet-counted framing is on by default) into one file, written back in RFC 5424
 * (`RSYSLOG_SyslogProtocol23Format`), so what the file holds is what rsyslog parsed from us.
 */
export class Rsyslog {
  private constructor(
    private readonly process: ChildProcess,
    readonly dir: string,
    readonly port: number,
    readonly file: string,
  ) {}

  static async start(): Promise<Rsyslog> {
    const dir = mkdtempSync(join(tmpdir(), 'rsyslog-'));
    const port = await freePort();
    const file = join(dir, 'received.log');
    const config = join(dir, 'rsyslog.conf');
    writeFileSync(
      config,
      [
        `global(workDirectory="${dir}")`,
        'module(load="imtcp")',
        `input(type="imtcp" address="127.0.0.1" port="${port}" ruleset="streams")`,
        `ruleset(name="streams") { action(type="omfile" file="${file}" template="RSYSLOG_SyslogProtocol23Format" flushOnTXEnd="on" asyncWriting="off") }`,
        '',
      ].join('\n'),
    );
    const child = spawn(RSYSLOGD, ['-n', '-f', config, '-i', join(dir, 'rsyslogd.pid')], { stdio: ['ignore', 'ignore', 'pipe'] });
    const rsyslog = new Rsyslog(child, dir, port, file);
    await until(() => accepts(port), `rsyslogd listening on ${port}`);
    return rsyslog;
  }

  lines(): string[] {
    if (!existsSync(this.file)) return [];
    return readFileSync(this.file, 'utf8')
      .split('\n')
      .filter((line) => line !== '');
  }

  async stop(): Promise<void> {
    if (this.process.exitCode === null) {
      const exited = new Promise<void>((resolve) => this.process.once('exit', () => resolve()));
      this.process.kill('SIGTERM');
      await exited;
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
