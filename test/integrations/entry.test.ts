// The optional peers stay optional: walking the runtime imports (type-only ones are erased) from
// src/index.ts reaches none of redux, @reduxjs/toolkit, zustand, immer, fast-check, better-sqlite3
// or @js-temporal/polyfill; each subpath reaches only the peers it is for. Imports through the
// package's `imports` map (`#fp-ts/Option`) count as the package they name.
import { readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { root } from '../docs/extract.mjs'

const PEERS = ['redux', '@reduxjs/toolkit', 'zustand', 'immer', 'fast-check', 'better-sqlite3', '@js-temporal/polyfill']

/** The `imports` map of package.json, as the `node` condition resolves it: `#fp-ts/*` -> `fp-ts/lib/*.js`. */
const importsMap = Object.entries(
  (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { imports: Record<string, { node: string }> }).imports
)
const throughImportsMap = (specifier: string): string => {
  for (const [key, target] of importsMap) {
    const [prefix, suffix] = key.split('*') as [string, string | undefined]
    if (suffix === undefined ? specifier === key : specifier.startsWith(prefix) && specifier.endsWith(suffix)) {
      return target.node.replace('*', specifier.slice(prefix.length, specifier.length - (suffix?.length ?? 0)))
    }
  }
  throw new Error(`${specifier} is not in the imports map of package.json`)
}

/** `import … from`, `export … from`, bare `import '…'` and `import('…')`, skipping `import type` and `export type`. */
const runtimeSpecifiers = (source: string): string[] => {
  const code = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '')
  const found: string[] = []
  for (const m of code.matchAll(/^\s*(?:import|export)\s+(type\s+)?[^'";]*?\bfrom\s+['"]([^'"]+)['"]/gm)) if (m[1] === undefined) found.push(m[2]!)
  for (const m of code.matchAll(/^\s*import\s+['"]([^'"]+)['"]/gm)) found.push(m[1]!)
  for (const m of code.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)) found.push(m[1]!)
  return found
}

/** The packages (first path segments, scoped names kept whole) reached from a source file. */
const packagesReachedFrom = (entry: string): Set<string> => {
  const packages = new Set<string>()
  const seen = new Set<string>()
  const visit = (file: string): void => {
    if (seen.has(file)) return
    seen.add(file)
    for (const specifier of runtimeSpecifiers(readFileSync(file, 'utf8'))) {
      if (specifier.startsWith('.')) visit(resolve(dirname(file), specifier.replace(/\.js$/, '.ts')))
      else {
        const path = specifier.startsWith('#') ? throughImportsMap(specifier) : specifier
        packages.add(path.split('/').slice(0, path.startsWith('@') ? 2 : 1).join('/'))
      }
    }
  }
  visit(join(root, entry))
  return packages
}

describe('runtime imports', () => {
  it('of the main entry reach no optional peer', () => {
    const reached = packagesReachedFrom('src/index.ts')
    expect(reached).toContain('fp-ts') // the walk does find packages
    expect(reached).toContain('io-ts')
    expect(PEERS.filter((peer) => reached.has(peer))).toEqual([])
  })

  it.each([
    ['src/integrations/redux.ts', ['@reduxjs/toolkit']],
    ['src/integrations/zustand.ts', []], // zustand's types only: the slice and the storage need no zustand code
    ['src/testing.ts', ['fast-check', '@js-temporal/polyfill']],
    ['src/storage/FilePerEvent.ts', []],
    ['src/storage/Sqlite.ts', ['better-sqlite3']] // by import(), in Sqlite.open
  ])('of %s reach only %j among the peers', (entry, peers) => {
    const reached = packagesReachedFrom(entry as string)
    expect(PEERS.filter((peer) => reached.has(peer))).toEqual(peers)
  })
})
