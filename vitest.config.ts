import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['host-tests/**/*.test.ts'],
    // Scenario tests run days of virtual time; a slow CI machine needs headroom.
    testTimeout: 120_000,
    hookTimeout: 60_000,
  },
});
