import { defineConfig } from 'vitest/config';

// `npm run test:containers`: the container image in the interop lab. Kept out
// of vitest.config.ts so `npm test` neither runs it nor needs podman.
export default defineConfig({
  test: {
    name: 'containers',
    include: ['containers/**/*.test.ts'],
    testTimeout: 180_000,
    hookTimeout: 300_000,
    // The lab uses fixed namespace names and addresses: one file at a time.
    fileParallelism: false,
  },
});
