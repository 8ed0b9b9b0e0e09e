import { spawn } from 'node:child_process';
import { STALL_MS } from './wait.js';

/** What the holder runs: take SQLite's write lock, say so, keep it until stdin closes. */
const HOLDER = `
const Database = require('better-sqlite3');
const db = new Database(process.argv[1]);
db.pragma('busy_timeout = 5000');
db.exec('begin immediate');
process.stdout.write('locked\\n');
process.stdin.resume();
process.stdin.on('end', () => { db.exec('rollback'); db.close(); process.exit(0); });
`;

/**
 * Another process holding `BEGIN IMMEDIATE` on a SQLite file, as a second app instance, a backup tool or
 * an operator's `sqlite3` shell would. `release()` rolls back and waits for the process to end.
 */
export async function holdSqliteWriteLock(path: string): Promise<{ release(): Promise<void> }> {
  const child = spawn(process.execPath, ['-e', HOLDER, path], { cwd: process.cwd(), stdio: ['pipe', 'pipe', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    // A limit only a stall can break: the holder is a process of its own, slow to start on a loaded machine.
    const timer = setTimeout(() => reject(new Error(`the lock holder did not take the lock within ${STALL_MS / 1000} s`)), STALL_MS);
    child.stdout.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('locked')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the lock holder exited early (${String(code)})`));
    });
  });
  return {
    async release() {
      child.stdin.end();
      await exited;
    },
  };
}
