import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';
import type { Logger } from '../logger.js';
import { conversationsSnapshotSchema } from './emulator/index.js';

/**
 * The sandbox's conversations on disk, beside its database (SPEC §8): what Slack would still show after
 * the developer's Ctrl+C and `npm start`. One JSON file, replaced whole (written aside, then renamed), so
 * a crash mid-write leaves the previous version rather than half a file.
 */
const savedSchema = z.object({
  slack: conversationsSnapshotSchema,
  /** Per person, per conversation: the newest message they have seen (Slack's read marker). */
  read: z.record(z.string().max(64), z.record(z.string().max(64), z.string().max(32))),
});

export type SavedConversations = z.output<typeof savedSchema>;

export class ConversationsFile {
  private writing: Promise<void> = Promise.resolve();
  private queued = false;

  constructor(
    readonly path: string,
    private readonly logger: Logger,
  ) {}

  /** What was saved, or undefined for none (or an unreadable file, which the next save replaces). */
  async load(): Promise<SavedConversations | undefined> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      if (typeof error === 'object' && error !== null && 'code' in error && error.code === 'ENOENT') return undefined;
      this.logger.warn('sandbox: could not read the saved conversations; starting with none', { path: this.path, error });
      return undefined;
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      this.logger.warn('sandbox: the saved conversations are not JSON; starting with none', { path: this.path, error });
      return undefined;
    }
    const parsed = savedSchema.safeParse(json);
    if (!parsed.success) {
      this.logger.warn('sandbox: the saved conversations do not fit; starting with none', {
        path: this.path,
        problem: parsed.error.issues.slice(0, 3).map((i) => `${i.path.join('.')} ${i.message}`),
      });
      return undefined;
    }
    return parsed.data;
  }

  /**
   * Saves soon, after any write under way, with what `take` gives when the write starts: a burst of
   * changes is one write, and an older state never lands after a newer one.
   */
  request(take: () => SavedConversations): void {
    if (this.queued) return;
    this.queued = true;
    this.writing = this.writing.then(() => {
      this.queued = false;
      return this.write(JSON.stringify(take()));
    });
  }

  /** Saves now (at stop) and resolves once it is on disk. */
  flush(take: () => SavedConversations): Promise<void> {
    this.writing = this.writing.then(() => this.write(JSON.stringify(take())));
    return this.writing;
  }

  /** Deletes the file (Reset), after any write under way. */
  remove(): Promise<void> {
    this.writing = this.writing.then(() =>
      rm(this.path, { force: true }).catch((error: unknown) =>
        this.logger.warn('sandbox: could not delete the saved conversations', { error }),
      ),
    );
    return this.writing;
  }

  private async write(text: string): Promise<void> {
    const aside = `${this.path}.${process.pid}.tmp`;
    try {
      await mkdir(dirname(this.path), { recursive: true });
      await writeFile(aside, text, { mode: 0o600 });
      await rename(aside, this.path);
    } catch (error) {
      // Not fatal: the sandbox goes on; only a restart would lose what was not written.
      this.logger.warn('sandbox: could not save the conversations', { path: this.path, error });
    }
  }
}
