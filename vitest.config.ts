import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      { test: { name: 'unit', include: ['test/**/*.test.ts'], testTimeout: 20_000 } },
      {
        test: {
          name: 'interop',
          include: ['interop/**/*.test.ts'],
          testTimeout: 180_000,
          hookTimeout: 180_000,
          // The lab uses fixed namespace names and addresses: one file at a time.
          fileParallelism: false,
        },
      },
    ],
  },
});
