// Runs every example of the docs: TSDoc `@example` blocks in src/, ```ts blocks in README.md and
// docs/**/*.md, and the scripts in docs/examples/. An example fails if it throws (they assert).
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it, vi } from 'vitest'
import { root, writeExamples } from './extract.mjs'
import './browserGlobals.js' // IndexedDB and localStorage for the examples of tiny-counter/browser

const examples = writeExamples()
const scripts = readdirSync(join(root, 'docs', 'examples')).filter((name) => name.endsWith('.ts'))

describe('documentation examples', () => {
  it('finds examples to run', () => {
    expect(examples.length).toBeGreaterThan(40)
  })
  it.each(examples.map((e) => [e.source, e.file] as const))('%s', async (_source, file) => {
    await import(/* @vite-ignore */ file)
  })
})

describe('docs/examples scripts', () => {
  it.each(scripts)('%s runs and prints', async (name) => {
    const lines: string[] = []
    const log = vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void lines.push(args.join(' ')))
    try {
      await import(/* @vite-ignore */ join(root, 'docs', 'examples', name))
    } finally {
      log.mockRestore()
    }
    expect(lines.length).toBeGreaterThan(0)
  })
})
