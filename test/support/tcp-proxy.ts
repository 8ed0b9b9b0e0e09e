import { readFileSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';

export type ProxyMode = 'forward' | 'refuse' | 'blackhole';

interface Pair {
  client: Socket;
  upstream: Socket | undefined;
  /** Accepted while black-holed: bytes go nowhere and nothing comes back. */
  silent: boolean;
  /** Since its last COMMIT, this connection sent the statement an armed commit cut waits for. */
  sentWatched: boolean;
}

interface CommitCut {
  commitReaches: boolean;
  /** The database goes away at the cut: every other connection is reset and new ones are refused. */
  thenRefuse?: boolean;
  /** Only the COMMIT of a transaction that sent SQL containing this text (other transactions pass). */
  afterStatement?: string;
  done: () => void;
}

const COMMIT_TEXT = Buffer.from('commit\0');

/** A simple-protocol Query message ('Q', length, text) whose text is COMMIT, as Kysely sends it. */
function carriesCommit(chunk: Buffer): boolean {
  const at = chunk.indexOf(COMMIT_TEXT);
  return at >= 5 && chunk[at - 5] === 0x51 && chunk.readInt32BE(at - 4) === 4 + COMMIT_TEXT.length;
}

/**
 * A TCP proxy on 127.0.0.1 between the app and a database, to stage what failovers and bad networks do:
 * `forward` (normal), `resetAll()` (every connection gets a RST), `refuse()` (nothing listens: new
 * connections get ECONNREFUSED), `blackhole()` (connections are accepted and never answered; the ones
 * already open go silent too).
 */
export class TcpProxy {
  private server: Server;
  private readonly pairs = new Set<Pair>();
  private mode: ProxyMode = 'forward';
  private commitCut: CommitCut | undefined;

  private constructor(
    private readonly target: { host: string; port: number },
    public readonly port: number,
    server: Server,
  ) {
    this.server = server;
  }

  static async start(target: { host: string; port: number }): Promise<TcpProxy> {
    const holder: { proxy?: TcpProxy } = {};
    const server = createServer((socket) => holder.proxy?.accept(socket));
    const port = await listenBelowEphemeral(server);
    holder.proxy = new TcpProxy(target, port, server);
    return holder.proxy;
  }

  /** `postgres://…` with host and port replaced by the proxy's. */
  rewrite(url: string): string {
    const parsed = new URL(url);
    parsed.hostname = '127.0.0.1';
    parsed.port = String(this.port);
    return parsed.toString();
  }

  get openConnections(): number {
    return this.pairs.size;
  }

  private accept(client: Socket): void {
    const pair: Pair = { client, upstream: undefined, silent: this.mode !== 'forward', sentWatched: false };
    this.pairs.add(pair);
    client.on('error', () => undefined);
    client.on('close', () => this.drop(pair));
    if (pair.silent) {
      client.on('data', () => undefined);
      return;
    }
    const upstream = createConnection(this.target);
    pair.upstream = upstream;
    upstream.on('error', () => undefined);
    upstream.on('close', () => this.drop(pair));
    client.on('data', (chunk) => {
      if (pair.silent) return;
      const cut = this.commitCut;
      if (cut !== undefined) {
        if (cut.afterStatement === undefined || chunk.includes(cut.afterStatement)) pair.sentWatched = true;
        if (carriesCommit(chunk)) {
          if (pair.sentWatched) {
            this.commitCut = undefined;
            this.cutAtCommit(pair, chunk, cut);
            return;
          }
          pair.sentWatched = false;
        }
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk) => {
      if (!pair.silent) client.write(chunk);
    });
  }

  /**
   * Arms a one-shot cut at the next COMMIT any connection sends (a failover at the worst moment). With
   * `commitReaches` the database receives the COMMIT (and commits) but its answer never comes back;
   * without it the COMMIT is lost on the way and the database rolls back. Either way the app's
   * connection is reset. `thenRefuse`: the database goes away at that instant (every other connection
   * reset, new ones refused). `afterStatement` picks the transaction (e.g. one that wrote an audit
   * record), so others pass. Resolves once it has happened.
   */
  cutAtNextCommit(options: Omit<CommitCut, 'done'>): Promise<void> {
    for (const pair of this.pairs) pair.sentWatched = false;
    return new Promise((resolve) => {
      this.commitCut = { ...options, done: resolve };
    });
  }

  private cutAtCommit(pair: Pair, chunk: Buffer, cut: CommitCut): void {
    this.pairs.delete(pair);
    pair.silent = true;
    if (cut.thenRefuse === true) {
      void this.refuse();
      this.resetAll();
    }
    // end() flushes the COMMIT before the FIN; destroy() would drop what is still queued.
    if (cut.commitReaches) pair.upstream?.end(chunk);
    else pair.upstream?.destroy();
    pair.client.resetAndDestroy();
    cut.done();
  }

  private drop(pair: Pair): void {
    if (!this.pairs.delete(pair)) return;
    pair.client.destroy();
    pair.upstream?.destroy();
  }

  /** Every open connection is reset (RST), as a failover or a network blip does. */
  resetAll(): void {
    for (const pair of [...this.pairs]) {
      this.pairs.delete(pair);
      pair.client.resetAndDestroy();
      pair.upstream?.destroy();
    }
  }

  /** Stops listening: connects are refused until `forward()`. Open connections stay as they are. */
  async refuse(): Promise<void> {
    if (this.mode === 'refuse') return;
    this.mode = 'refuse';
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Accepts and never answers; open connections go silent too. */
  async blackhole(): Promise<void> {
    if (this.mode === 'refuse') await this.relisten();
    this.mode = 'blackhole';
    for (const pair of this.pairs) pair.silent = true;
  }

  /** Back to normal. Connections that went silent are reset: the bytes they swallowed are gone. */
  async forward(): Promise<void> {
    if (this.mode === 'refuse') await this.relisten();
    this.mode = 'forward';
    for (const pair of [...this.pairs]) {
      if (!pair.silent) continue;
      this.pairs.delete(pair);
      pair.client.resetAndDestroy();
      pair.upstream?.destroy();
    }
  }

  async stop(): Promise<void> {
    this.resetAll();
    if (this.mode !== 'refuse') await new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.mode = 'refuse';
  }

  private async relisten(): Promise<void> {
    this.server = createServer((socket) => this.accept(socket));
    await listenOn(this.server, this.port);
  }
}

/** The low end of the kernel's ephemeral port range (Linux's default when it cannot be read). */
function ephemeralLow(): number {
  try {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    return Number.isInteger(low) ? low : 32_768;
  } catch {
    return 32_768;
  }
}

const LOWEST_PROXY_PORT = 10_000;

/**
 * The proxy's port is picked below the ephemeral range, never by `listen(0)`: `refuse()` closes it and
 * `forward()` binds the very same port again, and in between the kernel may hand an ephemeral port to
 * any outgoing connection of any process (test files run side by side), which would take it. Below
 * that range only an explicit bind can, and a taken port at start is simply skipped.
 */
async function listenBelowEphemeral(server: Server): Promise<number> {
  const high = ephemeralLow() - 1;
  if (high <= LOWEST_PROXY_PORT) return listenOn(server, 0);
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = LOWEST_PROXY_PORT + Math.floor(Math.random() * (high - LOWEST_PROXY_PORT + 1));
    try {
      return await listenOn(server, port);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
    }
  }
  throw new Error('no free port below the ephemeral range for the test proxy');
}

function listenOn(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      const address = server.address();
      resolve(typeof address === 'object' && address !== null ? address.port : port);
    });
  });
}
