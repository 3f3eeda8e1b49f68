/** Jest runs TypeScript through ts-jest as CommonJS; Baileys (ESM only) is reached through the
 * adapter's dynamic import(), which needs node's --experimental-vm-modules (set in scripts/test.sh). */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
  testTimeout: 30000,
  maxWorkers: 2,
};
