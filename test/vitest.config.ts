import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

const root = fileURLToPath(new URL('..', import.meta.url))

export default defineConfig({
  root,
  resolve: {
    alias: [
      { find: /^tiny-counter$/, replacement: `${root}src/index.ts` },
      { find: /^tiny-counter\/files$/, replacement: `${root}src/storage/FilePerEvent.ts` },
      { find: /^tiny-counter\/sqlite$/, replacement: `${root}src/storage/Sqlite.ts` },
      { find: /^tiny-counter\/redux$/, replacement: `${root}src/integrations/redux.ts` },
      { find: /^tiny-counter\/zustand$/, replacement: `${root}src/integrations/zustand.ts` },
      { find: /^tiny-counter\/testing$/, replacement: `${root}src/testing.ts` },
      { find: /^tiny-counter\/(.*)$/, replacement: `${root}src/$1.ts` }
    ]
  },
  test: {
    include: ['test/**/*.test.ts', 'laws/**/*.test.ts'],
    exclude: ['**/node_modules/**', 'test/docs/generated/**', 'dist/**'],
    reporters: ['default', 'json'],
    outputFile: { json: 'test/.results/vitest.json' },
    testTimeout: 120_000,
    hookTimeout: 120_000
  }
})
