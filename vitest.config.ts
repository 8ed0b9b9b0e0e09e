import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Real SQLite files, real sockets and real child processes. A timeout is a hang detector, not a
    // speed check: the suite must pass on a busy 2-core machine (two CPU burners beside it stretched
    // some tests past 30 s), and a real hang still fails within a minute and a half.
    testTimeout: 90_000,
    hookTimeout: 90_000,
    // expect.poll gives up after 1 s by default: a wall-clock bound that a page busy beside two CPU
    // burners broke. A poll that holds returns at once; only a failing one waits this long.
    expect: { poll: { timeout: 30_000 } },
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
