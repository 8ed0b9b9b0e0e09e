import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Real SQLite files, real sockets and real child processes: give slow CI machines room,
    // but never so much that a hang goes unnoticed.
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // Vitest's default is one worker fewer than the cores: one, on the 2-core CI machines, which then
    // sat 60 % idle (the tests mostly wait on sockets, child processes and timers). Each test file has
    // its own SQLite files, PostgreSQL database and ports, so files can run side by side. At most three:
    // a file's pools may hold over 30 PostgreSQL connections (3 replicas × 10, plus a LISTEN each),
    // and the server allows 100.
    maxWorkers: Math.min(3, Math.max(2, availableParallelism())),
    reporters: ['default'],
  },
});
