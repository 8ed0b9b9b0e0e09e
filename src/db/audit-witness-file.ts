import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import { dirname } from 'node:path';
import { parseWitness, type AuditWitness } from '../domain/audit-verify.js';

/**
 * The audit tail witness as a small JSON file on the app's host. It helps against someone who can
 * write the database but not this file (a DBA, a leaked database password, a restored old backup);
 * it does not help against someone who controls the host. Written atomically (temp file + rename),
 * so a crash never leaves half a witness.
 */
export function fileWitness(path: string): AuditWitness {
  return {
    where: `file ${path}`,
    async read() {
      let raw: string;
      try {
        raw = await readFile(path, 'utf8');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw error;
      }
      const head = parseWitness(raw);
      // A garbled witness is not "first run": someone may have tampered with it. Say so; never overwrite it silently.
      if (head === undefined) throw new Error(`the audit witness ${path} is not a valid {seq, hash}; remove it to start afresh`);
      return head;
    },
    async write(head) {
      await mkdir(dirname(path), { recursive: true });
      // Unique per write: two app instances in one process (tests, a restart) may write at once.
      const temp = `${path}.${process.pid}.${randomUUID()}.tmp`;
      await writeFile(temp, `${JSON.stringify({ seq: head.seq, hash: head.hash })}\n`, { mode: 0o600 });
      await rename(temp, path);
    },
  };
}
