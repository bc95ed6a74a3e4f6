// The house rule of src/ (docs/DESIGN.md, "Map of the code"): imports flow one way, core <- codec
// <- store <- storage and adapters, and no module imports itself back through others. Every import
// of every source file is read (static, `export ... from` and `import()`), resolved to a file, and
// placed in a layer by the table below: a new folder fails this test until it is given a layer.
import { readFileSync, readdirSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { root } from './docs/extract.mjs'

/**
 * The layers, lowest first: a module may import its own layer and those before it. Each place is a
 * file of src/ or a folder (ending in `/`); the longest place that holds a file decides its layer.
 */
const LAYERS: ReadonlyArray<{ readonly layer: string; readonly places: ReadonlyArray<string> }> = [
  { layer: 'core', places: ['src/*.ts', 'src/internal/'] },
  { layer: 'codec', places: ['src/codec/'] },
  { layer: 'store', places: ['src/store/'] },
  {
    layer: 'adapters',
    places: ['src/storage/', 'src/integrations/', 'src/cli/', 'src/testing.ts', 'src/testing/', 'src/browser/', 'src/redis/', 'src/files/']
  },
  // The entry points re-export every layer they hold (the main entry; the browser's storage with the store's errors).
  { layer: 'entry', places: ['src/index.ts', 'src/browser.ts'] }
]

/** Folders whose modules only their own layer's folder may import (a layer's private parts). */
const PRIVATE: ReadonlyArray<{ readonly folder: string; readonly within: string }> = [{ folder: 'src/store/table/', within: 'src/store/' }]

const rankOf = (file: string): number | undefined => {
  let best: { rank: number; length: number } | undefined
  LAYERS.forEach(({ places }, rank) => {
    for (const place of places) {
      const holds = place.endsWith('*.ts') ? dirname(file) === place.slice(0, -5) && file.endsWith('.ts') : place.endsWith('/') ? file.startsWith(place) : file === place
      if (holds && (best === undefined || place.length > best.length)) best = { rank, length: place.length }
    }
  })
  return best?.rank
}

interface Import {
  readonly from: string
  readonly to: string
  /** `import type` / `export type`: erased from the JavaScript. */
  readonly typeOnly: boolean
}

const sources = (dir: string): string[] =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    return statSync(path).isDirectory() ? sources(path) : path.endsWith('.ts') ? [relative(root, path)] : []
  })

const importsOf = (file: string): Import[] => {
  const text = readFileSync(join(root, file), 'utf8')
  const found: Import[] = []
  const add = (specifier: string, typeOnly: boolean): void => {
    if (!specifier.startsWith('.')) return // a package
    const to = relative(root, resolve(root, dirname(file), specifier)).replace(/\.js$/, '.ts')
    found.push({ from: file, to, typeOnly })
  }
  for (const m of text.matchAll(/^(?:import|export)\s+(type\s+)?(?:[^'";]*?\s+from\s+)?['"]([^'"]+)['"]/gm)) add(m[2]!, m[1] !== undefined)
  for (const m of text.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)) add(m[1]!, false)
  return found
}

const files = sources(join(root, 'src'))
const imports = files.flatMap(importsOf)

/**
 * The cycles of the imports that remain in the JavaScript (Tarjan's strongly connected components
 * of more than one file, or a file importing itself). Type-only imports are erased, so two modules
 * of one layer may name each other's types (a store and its builder); they still obey the layers.
 */
const cyclesOf = (edges: ReadonlyArray<Import>): string[][] => {
  const next = new Map<string, string[]>()
  for (const { from, to, typeOnly } of edges) if (!typeOnly) next.set(from, [...(next.get(from) ?? []), to])
  const index = new Map<string, number>()
  const low = new Map<string, number>()
  const stack: string[] = []
  const onStack = new Set<string>()
  const cycles: string[][] = []
  const visit = (v: string): void => {
    index.set(v, index.size)
    low.set(v, index.get(v)!)
    stack.push(v)
    onStack.add(v)
    for (const w of next.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w)
        low.set(v, Math.min(low.get(v)!, low.get(w)!))
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!))
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = []
      let w: string
      do {
        w = stack.pop()!
        onStack.delete(w)
        component.push(w)
      } while (w !== v)
      if (component.length > 1 || (next.get(v) ?? []).includes(v)) cycles.push(component.sort())
    }
  }
  for (const file of next.keys()) if (!index.has(file)) visit(file)
  return cycles
}

describe('the layers of src/', () => {
  it('reads the imports of every source file', () => {
    expect(files.length).toBeGreaterThan(40)
    expect(imports.some(({ from, to }) => from === 'src/store/EventStore.ts' && to === 'src/Counter.ts')).toBe(true)
    for (const { from, to } of imports) expect(files, `${from} imports ${to}, which is not a source file`).toContain(to)
  })

  it('places every source file in a layer', () => {
    expect(files.filter((file) => rankOf(file) === undefined)).toEqual([])
  })

  it('has no upward import: core <- codec <- store <- storage and adapters', () => {
    const upward = imports
      .filter(({ from, to }) => rankOf(to)! > rankOf(from)!)
      .map(({ from, to }) => `${from} (${LAYERS[rankOf(from)!]!.layer}) imports ${to} (${LAYERS[rankOf(to)!]!.layer})`)
    expect(upward).toEqual([])
  })

  it('keeps private folders private', () => {
    const leaks = imports.filter(({ from, to }) => PRIVATE.some(({ folder, within }) => to.startsWith(folder) && !from.startsWith(within)))
    expect(leaks.map(({ from, to }) => `${from} imports ${to}`)).toEqual([])
  })

  it('has no import cycle', () => {
    expect(cyclesOf(imports)).toEqual([])
  })

  it('finds an upward import and a cycle when there is one', () => {
    expect(rankOf('src/Counter.ts')).toBeLessThan(rankOf('src/store/EventStore.ts')!)
    expect(rankOf('src/internal/civil.ts')).toBe(rankOf('src/Counter.ts'))
    expect(rankOf('src/storage/Sqlite.ts')).toBeGreaterThan(rankOf('src/store/EventStore.ts')!)
    expect(rankOf('src/elsewhere/New.ts')).toBeUndefined()
    const ab = { from: 'src/a.ts', to: 'src/b.ts', typeOnly: false }
    const ba = { from: 'src/b.ts', to: 'src/a.ts', typeOnly: false }
    expect(cyclesOf([ab, ba])).toEqual([['src/a.ts', 'src/b.ts']])
    expect(cyclesOf([ab, { ...ba, typeOnly: true }])).toEqual([])
    expect(cyclesOf([ab, { from: 'src/b.ts', to: 'src/c.ts', typeOnly: false }, { from: 'src/c.ts', to: 'src/a.ts', typeOnly: false }])).toEqual([['src/a.ts', 'src/b.ts', 'src/c.ts']])
  })
})
