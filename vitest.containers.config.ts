import { defineConfig } from 'vitest/config';

// `npm run test:containers`: the container image in the interop lab. Kept out
// of vitest.config.ts so that `npx vitest` alone needs no podman; `npm test`
// runs it as a second step (scripts/test.sh).
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
